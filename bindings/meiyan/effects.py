"""Effect packages: face stickers with animation and triggers, face masks, and a whole look.

A package is a folder, or a ``.zip`` of one, holding ``manifest.json`` and PNG images (format:
``docs/effect_package.md``). The C++ core parses and checks the manifest and draws the effect; this
module reads the files, decodes the PNGs with OpenCV and hands their pixels to the core::

    import meiyan
    engine = meiyan.Engine(tracker=meiyan.FaceTracker())
    engine.set_effect(meiyan.effects.load("bunny_ears"))   # a bundled package, or a path
    out = engine.process(frame)

``meiyan effect validate PATH`` prints every problem of a package.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from meiyan import _core
from meiyan.beauty import BeautyParams, MakeupParams, ReshapeParams

if TYPE_CHECKING:
    from meiyan.engine import Engine

__all__ = ["EffectPackage", "Look", "apply_look", "bundled", "bundled_dir", "load", "parse_look", "validate"]

MAX_FILE_BYTES = 16 * 1024 * 1024  # per member of a .zip (no decompression bombs)
MAX_IMAGE_SIDE = 2048
# "look" (docs/effect_package.md): a filter, colour, beauty, reshape and makeup values
LOOK_KEYS = {"filter", "filter_intensity", "color", "beauty", "reshape", "makeup"}
# look.makeup keys -> MakeupParams fields
MAKEUP_LAYERS = {"lipstick": "lips", "blush": "blush", "brows": "brows", "eyeshadow": "eyeshadow",
                 "eyeliner": "eyeliner", "lashes": "lashes", "contour": "contour", "highlight": "highlight",
                 "contacts": "contacts"}


def bundled_dir() -> Path:
    return Path(__file__).parent / "data" / "effects"


def bundled() -> list[str]:
    """Names of the effect packages that ship with meiyan."""
    root = bundled_dir()
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file()) if root.is_dir() else []


class _Source:
    """Reads files of a package folder or .zip by their package-relative path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
            except zipfile.BadZipFile as exc:
                raise ValueError(f"{path}: not a folder or a .zip file ({exc})") from None
        elif not path.is_dir():
            raise FileNotFoundError(f"no effect package at {path}")

    def read(self, name: str) -> bytes:
        parts = PurePosixPath(name).parts
        if not parts or name.startswith("/") or ".." in parts:
            raise ValueError(f"{name!r} is not a path inside the package")
        if self._zip is not None:
            try:
                info = self._zip.getinfo(name)
            except KeyError:
                raise FileNotFoundError(f"{self.path}: no {name} in the archive") from None
            if info.file_size > MAX_FILE_BYTES:
                raise ValueError(f"{self.path}: {name} is larger than {MAX_FILE_BYTES >> 20} MiB")
            return self._zip.read(info)
        file = self.path.joinpath(*parts)
        if not file.is_file():
            raise FileNotFoundError(f"{self.path}: no {name} in the package")
        if file.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"{self.path}: {name} is larger than {MAX_FILE_BYTES >> 20} MiB")
        return file.read_bytes()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _resolve(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.exists():
        return p
    if isinstance(name_or_path, str) and "/" not in name_or_path and (bundled_dir() / name_or_path).is_dir():
        return bundled_dir() / name_or_path
    names = ", ".join(bundled()) or "none"
    raise FileNotFoundError(f"no effect package {str(name_or_path)!r}: not a path, nor a bundled one ({names})")


def _decode(data: bytes, name: str) -> tuple[np.ndarray, str]:
    """PNG bytes -> (pixels, format for the core)."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError(f"{name}: not a PNG file")
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f"{name}: the PNG cannot be decoded (corrupt?)")
    if img.dtype != np.uint8:
        raise ValueError(f"{name}: 16-bit PNGs are not supported; save it with 8 bits per channel")
    if img.shape[0] > MAX_IMAGE_SIDE or img.shape[1] > MAX_IMAGE_SIDE:
        raise ValueError(f"{name}: {img.shape[1]}x{img.shape[0]} is larger than {MAX_IMAGE_SIDE} pixels per side")
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGRA), "bgra"
    return np.ascontiguousarray(img), "bgra" if img.shape[2] == 4 else "bgr"


@dataclass
class EffectPackage:
    """A loaded effect package: the core's parsed manifest with every image given."""

    path: Path
    name: str
    description: str
    look: dict[str, Any]
    elements: list[dict[str, Any]]
    native: _core.EffectPackage = field(repr=False)

    @classmethod
    def load(cls, name_or_path: str | Path) -> EffectPackage:
        path = _resolve(name_or_path)
        src = _Source(path)
        try:
            manifest = src.read("manifest.json").decode("utf-8", errors="replace")
            try:
                native = _core.EffectPackage.parse(manifest)
            except ValueError as exc:
                raise ValueError(f"{path}: {exc}") from None
            for i, image_name in enumerate(native.image_names):
                pixels, fmt = _decode(src.read(image_name), image_name)
                native.set_image(i, pixels, fmt)
        finally:
            src.close()
        look = json.loads(native.look_json) if native.look_json else {}
        if look:
            parse_look(look, f"{path}: look")
        return cls(path, native.name, native.description, look, list(native.elements), native)

    def triggers(self) -> set[str]:
        return {e["trigger"] for e in self.elements}


def load(name_or_path: str | Path) -> EffectPackage:
    """A bundled package by name (see :func:`bundled`) or a package folder / .zip by path."""
    return EffectPackage.load(name_or_path)


@dataclass
class Look:
    """What a package's ``look`` sets on the engine (None: leave as is)."""

    filter: str | None = None
    filter_intensity: float | None = None
    color: dict[str, float] = field(default_factory=dict)
    beauty: BeautyParams | None = None
    reshape: ReshapeParams | None = None
    makeup: MakeupParams | None = None


def _fields(section: Any, where: str, allowed: set[str], lo: float = -1.0) -> dict[str, float]:
    if not isinstance(section, dict):
        raise ValueError(f"{where}: must be an object")
    out: dict[str, float] = {}
    for key, value in section.items():
        if key.startswith("x-"):
            continue
        if key not in allowed:
            raise ValueError(f"{where}.{key}: unknown key (known: {', '.join(sorted(allowed))})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= 1.0:
            raise ValueError(f"{where}.{key}: must be a number in [{lo:g}, 1], got {value!r}")
        out[key] = float(value)
    return out


def parse_look(look: Any, where: str = "look") -> Look:
    """A package's ``look`` checked against the format; ValueError names the bad field."""
    import dataclasses

    from meiyan.beauty import BLEND_MODES, SIGNED_FIELDS, BeautyParams, MakeupParams, ReshapeParams, parse_color
    from meiyan.filters import filter_names

    if not isinstance(look, dict):
        raise ValueError(f"{where}: must be an object")
    out = Look()
    for key in look:
        if key not in LOOK_KEYS and not key.startswith("x-"):
            raise ValueError(f"{where}.{key}: unknown key (known: {', '.join(sorted(LOOK_KEYS))})")
    if "filter" in look:
        if look["filter"] not in filter_names():
            known = ", ".join(filter_names())
            raise ValueError(f"{where}.filter: {look['filter']!r} is not a bundled filter ({known})")
        out.filter = look["filter"]
    if "filter_intensity" in look:
        out.filter_intensity = _fields({"filter_intensity": look["filter_intensity"]}, where,
                                       {"filter_intensity"}, 0.0)["filter_intensity"]
    if "color" in look:
        out.color = _fields(look["color"], f"{where}.color", {"brightness", "contrast", "saturation", "warmth"})
    if "beauty" in look:
        names = {f.name for f in dataclasses.fields(BeautyParams)}
        out.beauty = BeautyParams(**_fields(look["beauty"], f"{where}.beauty", names, 0.0))
    if "reshape" in look:
        names = {f.name for f in dataclasses.fields(ReshapeParams)}
        values = _fields(look["reshape"], f"{where}.reshape", names)
        for key, value in values.items():
            if key not in SIGNED_FIELDS and value < 0:
                raise ValueError(f"{where}.reshape.{key}: must be a number in [0, 1], got {value!r}")
        out.reshape = ReshapeParams(**values)
    if "makeup" in look:
        section = look["makeup"]
        if not isinstance(section, dict):
            raise ValueError(f"{where}.makeup: must be an object")
        changes: dict[str, Any] = {}
        for layer, value in section.items():
            if layer.startswith("x-"):
                continue
            if layer not in MAKEUP_LAYERS:
                raise ValueError(f"{where}.makeup.{layer}: unknown layer (known: {', '.join(sorted(MAKEUP_LAYERS))})")
            if not isinstance(value, dict) or set(k for k in value if not k.startswith("x-")) - {
                    "color", "opacity", "blend"}:
                raise ValueError(f"{where}.makeup.{layer}: must be an object with color, opacity and blend")
            name = MAKEUP_LAYERS[layer]
            if "color" in value:
                parse_color(value["color"], f"{where}.makeup.{layer}.color")
                changes[f"{name}_color"] = value["color"]
            if "blend" in value:
                if value["blend"] not in BLEND_MODES:
                    raise ValueError(f"{where}.makeup.{layer}.blend: must be one of {', '.join(BLEND_MODES)}, "
                                     f"got {value['blend']!r}")
                changes[f"{name}_blend"] = value["blend"]
            opacity = _fields({"opacity": value.get("opacity", 1.0)}, f"{where}.makeup.{layer}", {"opacity"}, 0.0)
            changes[name] = opacity["opacity"]
        out.makeup = MakeupParams(**changes)
    return out


def apply_look(engine: Engine, package: EffectPackage) -> None:
    """Sets the package's look on the engine: filter, colour, beauty, reshape, makeup."""
    if not package.look:
        return
    look = parse_look(package.look, f"{package.name}: look")
    if look.filter is not None:
        engine.set_filter(look.filter, intensity=look.filter_intensity)
    elif look.filter_intensity is not None:
        engine.set_params(lut_intensity=look.filter_intensity)
    if look.color:
        engine.set_params(engine.params.replace(**look.color))
    if look.beauty is not None:
        engine.set_beauty(look.beauty)
    if look.reshape is not None:
        engine.set_reshape(look.reshape)
    if look.makeup is not None:
        engine.set_makeup(look.makeup)


def validate(name_or_path: str | Path) -> list[str]:
    """Every problem of a package: the manifest's (from the core), missing or undecodable images,
    and the look's values. An empty list means the package loads and renders."""
    try:
        path = _resolve(name_or_path)
        src = _Source(path)
    except (FileNotFoundError, ValueError) as exc:
        return [str(exc)]
    try:
        try:
            text = src.read("manifest.json").decode("utf-8")
        except (FileNotFoundError, ValueError, UnicodeDecodeError) as exc:
            return [f"manifest.json: {exc}"]
        problems = list(_core.EffectPackage.validate(text))
        if problems:
            return problems
        native = _core.EffectPackage.parse(text)
        for image_name in native.image_names:
            try:
                _decode(src.read(image_name), image_name)
            except (FileNotFoundError, ValueError) as exc:
                problems.append(str(exc))
        if native.look_json:
            try:
                parse_look(json.loads(native.look_json))
            except ValueError as exc:
                problems.append(str(exc))
        return problems
    finally:
        src.close()

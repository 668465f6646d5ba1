"""Typed parameters of the face effects the native engine applies under masks made from the face mesh:
beauty (smoothing, whitening, rosy, sharpen), reshape (face slim, V-chin, big eyes), makeup (lipstick
matte to gloss, blush, brow tint, eyeshadow, eyeliner, lashes, contour, highlight), and the JSON presets
(looks) that combine them with a colour filter.

Lipstick, blush and brow masks are procedural, made from the mesh (lip outlines, cheek ellipses inside
the face oval, brow outlines), feathered. Eyeshadow, eyeliner, lashes, contour and highlight are drawn
from coverage masks painted in the face UV layout (docs/face_uv_layout.md) through each face's mesh: the
bundled ones are ``meiyan/data/makeup/<layer>.png`` (drawn by tools/make_makeup_assets.py), and
:meth:`meiyan.Engine.set_makeup_mask` takes a designer's own.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np


@dataclass(frozen=True)
class BeautyParams:
    """Skin smoothing, whitening, rosy tint, sharpening and the small features, each 0..1 (0 is off).

    They act only inside the faces the engine knows (a tracker's, or :meth:`Engine.set_faces`):
    smoothing, whitening and rosy on skin (the face oval minus eyes, brows, lips and nostrils,
    gated by the face's own skin colour), sharpening on the whole face oval. ``teeth_whiten`` acts
    inside the mouth opening (inner lip contour) on bright, low-saturation, yellowish pixels only;
    ``eye_brighten`` inside the eye openings; ``dark_circles`` on the skin of the band below the
    lower lids, lifted and neutralised towards the face's skin tone. Each mask is feathered inwards
    from the mesh outline, so nothing outside it changes.
    """

    smoothing: float = 0.0
    whitening: float = 0.0
    rosy: float = 0.0
    sharpen: float = 0.0
    teeth_whiten: float = 0.0
    eye_brighten: float = 0.0
    dark_circles: float = 0.0

    def replace(self, **changes: float) -> BeautyParams:
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown beauty parameter(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    @property
    def is_neutral(self) -> bool:
        return all(getattr(self, f.name) == 0.0 for f in dataclasses.fields(self))


@dataclass(frozen=True)
class ReshapeParams:
    """Face reshaping (0 is off): a smooth warp driven by the face mesh."""

    face_slim: float = 0.0  # 0..1
    v_chin: float = 0.0  # 0..1
    big_eyes: float = 0.0  # 0..1
    chin_length: float = 0.0  # -1..1, positive is longer
    nose_width: float = 0.0  # -1..1, positive is wider
    mouth_size: float = 0.0  # -1..1, positive is larger
    forehead: float = 0.0  # -1..1, positive is higher

    def replace(self, **changes: float) -> ReshapeParams:
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown reshape parameter(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)


BlendMode = Literal["normal", "multiply", "soft_light", "overlay", "screen"]
BLEND_MODES: tuple[str, ...] = ("normal", "multiply", "soft_light", "overlay", "screen")
# Every makeup layer, in MakeupParams' order; the last five are drawn from UV-layout masks.
MAKEUP_LAYERS: tuple[str, ...] = ("lips", "blush", "brows", "eyeshadow", "eyeliner", "lashes", "contour", "highlight")
UV_LAYERS: tuple[str, ...] = ("eyeshadow", "eyeliner", "lashes", "contour", "highlight")
# The layers drawn from the faces' iris points (FaceTracker(iris=True)); faces without them are skipped.
IRIS_LAYERS: tuple[str, ...] = ("contacts",)
MAKEUP_MASK_DIR = Path(__file__).parent / "data" / "makeup"


def parse_color(value: str, field: str = "colour") -> tuple[float, float, float]:
    """'#rrggbb' -> (r, g, b) in 0..1; ValueError naming `field` otherwise."""
    text = value.strip().lstrip("#") if isinstance(value, str) else ""
    if len(text) != 6:
        raise ValueError(f"{field} must be a '#rrggbb' colour, got {value!r}")
    try:
        return (int(text[0:2], 16) / 255.0, int(text[2:4], 16) / 255.0, int(text[4:6], 16) / 255.0)
    except ValueError:
        raise ValueError(f"{field} must be a '#rrggbb' colour, got {value!r}") from None


@dataclass(frozen=True)
class MakeupParams:
    """Each layer: a '#rrggbb' colour, a strength 0..1 (0 is off) and a blend mode (normal, multiply,
    soft_light, overlay, screen). They go on in the order contour, highlight, blush, eyeshadow,
    eyeliner, lashes, brows, lips, then contacts (coloured contact lenses: a ring on each iris, the
    pupil kept, hidden by the eyelids; only on faces with iris points, see ``IRIS_LAYERS``)."""

    lips: float = 0.0
    lips_color: str = "#b3243a"
    lips_blend: BlendMode = "multiply"
    lip_gloss: float = 0.0  # 0 matte .. 1 gloss
    blush: float = 0.0
    blush_color: str = "#f07a86"
    blush_blend: BlendMode = "soft_light"
    brows: float = 0.0
    brows_color: str = "#3d2b1f"
    brows_blend: BlendMode = "multiply"
    eyeshadow: float = 0.0  # the lid up to the crease
    eyeshadow_color: str = "#7c4a5e"
    eyeshadow_blend: BlendMode = "multiply"
    eyeliner: float = 0.0  # the upper lash line, winged
    eyeliner_color: str = "#1c1416"
    eyeliner_blend: BlendMode = "normal"
    lashes: float = 0.0  # fine strokes along the upper lid
    lashes_color: str = "#0e0b0c"
    lashes_blend: BlendMode = "normal"
    contour: float = 0.0  # under the cheekbones, the jaw's sides, the nose's sides
    contour_color: str = "#9c7058"
    contour_blend: BlendMode = "multiply"
    highlight: float = 0.0  # cheekbone tops, nose bridge, brow bone, cupid's bow
    highlight_color: str = "#fff1de"
    highlight_blend: BlendMode = "soft_light"
    contacts: float = 0.0  # coloured contact lenses (needs iris points: FaceTracker(iris=True))
    contacts_color: str = "#3a7ec4"
    contacts_blend: BlendMode = "soft_light"  # keeps the iris texture, the dark pupil, the white catch-light

    def replace(self, **changes: Any) -> MakeupParams:
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown makeup parameter(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def native_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the native set_makeup; ValueError names a bad value."""
        out: dict[str, Any] = {"lip_gloss": self.lip_gloss}  # the engine checks the ranges, naming the field
        for layer in MAKEUP_LAYERS + IRIS_LAYERS:
            blend = getattr(self, f"{layer}_blend")
            if blend not in BLEND_MODES:
                raise ValueError(f"{layer}_blend must be one of {', '.join(BLEND_MODES)}, got {blend!r}")
            out[layer] = getattr(self, layer)
            out[f"{layer}_color"] = parse_color(getattr(self, f"{layer}_color"), f"{layer}_color")
            out[f"{layer}_blend"] = blend
        return out

    def uv_layers_on(self) -> list[str]:
        """The UV-layout layers switched on (each needs its mask)."""
        return [layer for layer in UV_LAYERS if getattr(self, layer) > 0]


def coverage_of(image: np.ndarray, what: str = "makeup mask") -> np.ndarray:
    """The coverage (square uint8 array, 0..255) of a mask image painted in the face UV layout: its alpha
    channel (grey+alpha or RGBA/BGRA), or its grey level where it has none (white = full)."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise ValueError(f"{what} must be 8-bit, got {a.dtype}")
    if a.ndim == 3 and a.shape[2] in (2, 4):
        a = a[..., -1]
    elif a.ndim == 3 and a.shape[2] == 3:
        a = np.round(a.astype(np.float32) @ np.array([0.114, 0.587, 0.299], np.float32)).astype(np.uint8)  # BGR
    elif a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim != 2:
        raise ValueError(f"{what} must be a 2-D coverage array or an image, got shape {a.shape}")
    if a.shape[0] != a.shape[1] or not 1 <= a.shape[0] <= 2048:
        raise ValueError(f"{what} must be square, 1..2048 pixels on a side (the face UV layout), got {a.shape[1]}x"
                         f"{a.shape[0]}")
    return np.ascontiguousarray(a)


def load_makeup_mask(path: str | Path) -> np.ndarray:
    """The coverage of a mask PNG painted in the face UV layout (see :func:`coverage_of`)."""
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise FileNotFoundError(f"cannot read the makeup mask {path}")
    return coverage_of(image, str(path))


_BUNDLED_MASKS: dict[str, np.ndarray] = {}


def bundled_makeup_mask(layer: str) -> np.ndarray:
    """The coverage of the bundled mask of a UV-layout layer (read once per process)."""
    if layer not in UV_LAYERS:
        raise ValueError(f"unknown makeup mask layer {layer!r} (known: {', '.join(UV_LAYERS)})")
    if layer not in _BUNDLED_MASKS:
        mask = load_makeup_mask(MAKEUP_MASK_DIR / f"{layer}.png")
        mask.setflags(write=False)
        _BUNDLED_MASKS[layer] = mask
    return _BUNDLED_MASKS[layer]


PRESET_DIR = Path(__file__).parent / "data" / "presets"
_PRESET_KEYS = {"name", "description", "beauty", "reshape", "makeup", "filter"}


@dataclass(frozen=True)
class Preset:
    """A look: beauty, reshape, makeup and a bundled colour filter, read from JSON and checked."""

    name: str
    description: str = ""
    beauty: BeautyParams = BeautyParams()
    reshape: ReshapeParams = ReshapeParams()
    makeup: MakeupParams = MakeupParams()
    filter: str | None = None
    filter_intensity: float = 1.0


def preset_names() -> list[str]:
    """Names of the bundled presets, sorted."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.json"))


def _unit(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{field} must be a number in [0, 1], got {value!r}")
    return float(value)


SIGNED_FIELDS = frozenset({"chin_length", "nose_width", "mouth_size", "forehead"})


def _signed(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1.0 <= float(value) <= 1.0:
        raise ValueError(f"{field} must be a number in [-1, 1], got {value!r}")
    return float(value)


def _section(data: dict[str, Any], key: str, cls: Any, where: str) -> Any:
    section = data.get(key, {})
    if not isinstance(section, dict):
        raise ValueError(f"{where}: {key} must be an object")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for name, value in section.items():
        field = f"{where}: {key}.{name}"
        if name not in fields:
            raise ValueError(f"{field} is not a known field (known: {', '.join(fields)})")
        if name.endswith("_color"):
            if not isinstance(value, str):
                raise ValueError(f"{field} must be a '#rrggbb' colour, got {value!r}")
            parse_color(value, field)
            values[name] = value
        elif name.endswith("_blend"):
            if value not in BLEND_MODES:
                raise ValueError(f"{field} must be one of {', '.join(BLEND_MODES)}, got {value!r}")
            values[name] = value
        elif name in SIGNED_FIELDS:
            values[name] = _signed(value, field)
        else:
            values[name] = _unit(value, field)
    return cls(**values)


def parse_preset(data: Any, source: str = "preset") -> Preset:
    """A Preset from parsed JSON; ValueError names the offending field."""
    from meiyan.filters import filter_names

    if not isinstance(data, dict):
        raise ValueError(f"{source}: a preset must be a JSON object")
    unknown = set(data) - _PRESET_KEYS
    if unknown:
        known = ", ".join(sorted(_PRESET_KEYS))
        raise ValueError(f"{source}: {sorted(unknown)[0]} is not a known field (known: {known})")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{source}: name must be a non-empty string")
    where = f"preset {name!r}"
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"{where}: description must be a string")
    filt, intensity = None, 1.0
    spec = data.get("filter")
    if spec is not None:
        if not isinstance(spec, dict) or set(spec) - {"name", "intensity"}:
            raise ValueError(f"{where}: filter must be an object with name and intensity")
        filt = spec.get("name")
        if filt not in filter_names():
            names = ", ".join(filter_names())
            raise ValueError(f"{where}: filter.name must be a bundled filter ({names}), got {filt!r}")
        intensity = _unit(spec.get("intensity", 1.0), f"{where}: filter.intensity")
    return Preset(name, description, _section(data, "beauty", BeautyParams, where),
                  _section(data, "reshape", ReshapeParams, where), _section(data, "makeup", MakeupParams, where),
                  filt, intensity)


def load_preset(name_or_path: str | Path) -> Preset:
    """A bundled preset by name, or a preset JSON file by path; ValueError names a bad field."""
    text = str(name_or_path)
    path = Path(text) if text.endswith(".json") else PRESET_DIR / f"{text}.json"
    if not path.is_file():
        if text.endswith(".json"):
            raise FileNotFoundError(f"preset file not found: {path}")
        raise ValueError(f"unknown preset {text!r}; bundled presets: {', '.join(preset_names())}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    return parse_preset(data, str(path))

"""The bundled effect packages (tools/make_effect_packages.py) against the format (docs/effect_package.md)."""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import meiyan

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(meiyan.__file__).parent / "data"
EFFECTS = DATA / "effects"
SCHEMA = ROOT / "docs" / "effect_package.schema.json"
MASK_SIZE = 512  # the size docs/face_uv_layout.md gives for the bundled face masks
PACKAGES = sorted(p.name for p in EFFECTS.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict]:
    return {p: json.loads((EFFECTS / p / "manifest.json").read_text(encoding="utf-8")) for p in PACKAGES}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> tuple[Path, Path, Path]:
    """The generator run twice into temporary folders (the first also draws the contact sheet)."""
    out = []
    for k in range(2):
        d = tmp_path_factory.mktemp(f"effects{k}")
        cmd = [sys.executable, str(ROOT / "tools" / "make_effect_packages.py"), "--out", str(d / "effects")]
        if k == 0:
            cmd += ["--sheet", str(d / "sheet.png")]
        result = subprocess.run(cmd, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        out.append(d)
    return out[0] / "effects", out[1] / "effects", out[0] / "sheet.png"


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}


def test_generator_is_deterministic(regenerated):
    first, second, _ = regenerated
    a, b = files_of(first), files_of(second)
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


def test_shipped_packages_are_the_generator_output(regenerated):
    fresh, shipped = files_of(regenerated[0]), files_of(EFFECTS)
    assert fresh.keys() == shipped.keys()
    for name, data in fresh.items():
        if name.endswith(".json"):
            assert data == shipped[name], name
        else:  # pixels, not bytes: another zlib may compress the same picture differently
            new = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED).astype(int)
            old = cv2.imdecode(np.frombuffer(shipped[name], np.uint8), cv2.IMREAD_UNCHANGED).astype(int)
            assert new.shape == old.shape and np.abs(new - old).max() <= 2, name


def test_contact_sheet(regenerated):
    shipped = ROOT / "docs" / "effect_packages.png"
    assert shipped.stat().st_size < 300_000
    fresh = cv2.imread(str(regenerated[2]), cv2.IMREAD_COLOR)
    old = cv2.imread(str(shipped), cv2.IMREAD_COLOR)
    assert fresh is not None and old is not None and fresh.shape == old.shape
    assert np.abs(fresh.astype(int) - old.astype(int)).mean() < 0.5


def test_enough_packages_with_unique_names(manifests):
    assert len(PACKAGES) >= 12
    assert all(re.fullmatch(r"[a-z0-9_]+", p) for p in PACKAGES)
    names = [m["name"] for m in manifests.values()]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("package", PACKAGES)
def test_manifest_validates_against_the_schema(package, manifests, validator):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifests[package])]
    assert errors == []


@pytest.mark.parametrize("package", PACKAGES)
def test_package_contents(package, manifests):
    m = manifests[package]
    folder = EFFECTS / package
    assert (folder / "manifest.json").stat().st_size <= 256 * 1024
    assert m["license"] == "CC0-1.0" and m["author"] == "meiyan project"
    ids = [e.get("id", f"element{i}") for i, e in enumerate(m["elements"])]
    assert len(set(ids)) == len(ids), "element ids must be unique"
    referenced = set()
    for el in m["elements"]:
        paths = el["frames"] if el["type"] == "sticker" else [el["texture"]]
        referenced.update(paths)
        images = []
        for rel in paths:
            f = folder / rel
            assert f.is_file(), rel
            img = cv2.imread(str(f), cv2.IMREAD_UNCHANGED)
            assert img is not None and img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 4, rel
            assert img.shape[0] <= 2048 and img.shape[1] <= 2048
            assert img[..., 3].max() > 0, f"{rel} is fully transparent"
            images.append(img)
        if el["type"] == "face_mask":
            assert images[0].shape[:2] == (MASK_SIZE, MASK_SIZE)
        else:
            assert len({im.shape for im in images}) == 1, f"{el.get('id')}: frames differ in size"
    assert len(referenced) <= 512
    on_disk = {str(f.relative_to(folder)) for f in folder.rglob("*") if f.is_file()} - {"manifest.json"}
    assert on_disk == referenced, "files the manifest does not use"


def inside_oval_mask(size: int) -> np.ndarray:
    topo = json.loads((DATA / "face_topology.json").read_text())
    oval = np.array(topo["uv"])[topo["face_oval"]] * size
    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, [np.round(oval * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
    return cv2.dilate(mask, np.ones((9, 9), np.uint8)) > 0  # a few pixels of feathering may spill over


MASK_PACKAGES = [p for p in PACKAGES if '"face_mask"' in (EFFECTS / p / "manifest.json").read_text()]


@pytest.mark.parametrize("package", MASK_PACKAGES)
def test_face_paint_lies_on_the_face(package, manifests):
    inside = inside_oval_mask(MASK_SIZE)
    for el in manifests[package]["elements"]:
        if el["type"] != "face_mask":
            continue
        alpha = cv2.imread(str(EFFECTS / package / el["texture"]), cv2.IMREAD_UNCHANGED)[..., 3].astype(float)
        assert alpha[~inside].sum() <= 0.01 * alpha.sum(), "paint outside the face oval"


def test_every_feature_of_the_format_is_used(manifests):
    elements = [e for m in manifests.values() for e in m["elements"]]
    assert {e.get("trigger", "always") for e in elements} == {"always", "face_appears", "mouth_open", "blink",
                                                              "brow_raise", "smile"}
    assert {e.get("play", "loop") for e in elements} == {"loop", "once"}
    assert {e["type"] for e in elements} == {"sticker", "face_mask"}
    assert {e.get("blend", "normal") for e in elements if e["type"] == "face_mask"} == {"normal", "multiply", "screen"}
    stickers = [e for e in elements if e["type"] == "sticker"]
    assert any(e.get("z", 0) < 0 for e in elements) and any(e.get("z", 0) > 0 for e in elements)
    assert any(e.get("rotate") is False for e in stickers)
    assert any(e.get("foreshorten") is False for e in stickers)
    assert {len(e["anchor"]) for e in stickers} >= {1, 2, 4}
    assert any(len(e["frames"]) > 1 for e in stickers) and any(len(e["frames"]) == 1 for e in stickers)
    assert any(e.get("opacity", 1.0) < 1.0 for e in elements)
    assert any("look" in m and {"filter", "beauty", "makeup"} <= set(m["look"]) for m in manifests.values())
    hearts = next(e for e in stickers if e.get("trigger") == "mouth_open")
    assert hearts.get("play") == "once" and 8 <= len(hearts["frames"]) <= 12


def test_triggered_animations_show_something_from_their_first_frame(manifests):
    for p, m in manifests.items():
        for el in m["elements"]:
            if el["type"] == "sticker" and el.get("play") == "once":
                first = cv2.imread(str(EFFECTS / p / el["frames"][0]), cv2.IMREAD_UNCHANGED)
                assert (first[..., 3] > 128).sum() > 20, f"{p}/{el['frames'][0]} starts empty"


def test_packages_are_small():
    total = sum(f.stat().st_size for f in EFFECTS.rglob("*") if f.is_file())
    assert total < 1_500_000


def test_package_data_goes_into_the_wheel():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["scikit-build"]
    assert "bindings/meiyan" in cfg["wheel"]["packages"]
    data_files = [str(f.relative_to(ROOT / "bindings")) for f in (ROOT / "bindings" / "meiyan" / "data").rglob("*")
                  if f.suffix in (".json", ".png")]
    for pattern in cfg["wheel"].get("exclude", []):
        assert not [f for f in data_files if fnmatch.fnmatch(f, pattern)], pattern
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *data_files], cwd=ROOT / "bindings",
                             capture_output=True, text=True)
    if ignored.returncode in (0, 1):  # 128: not a git checkout, nothing to check
        assert ignored.stdout.strip() == "", "package data ignored by .gitignore is left out of the wheel"


def test_schema_tracks_the_engine_parameters(validator):
    look = json.loads(SCHEMA.read_text())["$defs"]["look"]["properties"]
    assert look["filter"]["enum"] == meiyan.filter_names()
    assert set(look["beauty"]["properties"]) == {f.name for f in dataclasses.fields(meiyan.BeautyParams)}
    assert set(look["reshape"]["properties"]) == {f.name for f in dataclasses.fields(meiyan.ReshapeParams)}
    assert set(look["color"]["properties"]) <= {f.name for f in dataclasses.fields(meiyan.ColorParams)}


def test_documented_example_validates(validator):
    text = (ROOT / "docs" / "effect_package.md").read_text()
    example = json.loads(re.search(r"```json\n(.*?)\n```", text, re.S).group(1))
    validator.validate(example)


BASE = {"format": "meiyan.effect", "version": 1, "name": "t",
        "elements": [{"type": "sticker", "frames": ["a.png"], "anchor": [10], "width": 1.0}]}


@pytest.mark.parametrize("change, ok", [
    (lambda m: m.update({"x-tool": {"any": 1}}), True),
    (lambda m: m["elements"][0].update({"x-note": "hi", "trigger": "smile", "play": "once"}), True),
    (lambda m: m["elements"].append({"type": "face_mask", "texture": "dir/t.png", "blend": "screen"}), True),
    (lambda m: m.update({"anchors": [1]}), False),  # unknown key
    (lambda m: m.update({"version": 2}), False),
    (lambda m: m.update({"format": "meiyan.effects"}), False),
    (lambda m: m.update({"name": ""}), False),
    (lambda m: m.update({"elements": []}), False),
    (lambda m: m["elements"][0].update({"frames": ["../up.png"]}), False),
    (lambda m: m["elements"][0].update({"frames": ["/abs.png"]}), False),
    (lambda m: m["elements"][0].update({"frames": ["a\\b.png"]}), False),
    (lambda m: m["elements"][0].update({"frames": ["C:/x.png"]}), False),
    (lambda m: m["elements"][0].update({"frames": ["a//b.png"]}), False),
    (lambda m: m["elements"][0].update({"frames": ["./a.png"]}), False),
    (lambda m: m["elements"][0].update({"frames": ["a.jpg"]}), False),
    (lambda m: m["elements"][0].update({"frames": ["sub/dir/A.PNG", "..a.png"]}), True),
    (lambda m: m["elements"][0].update({"anchor": [468]}), False),
    (lambda m: m["elements"][0].update({"anchor": [1, 2, 3, 4, 5]}), False),
    (lambda m: m["elements"][0].update({"width": 0.01}), False),
    (lambda m: m["elements"][0].update({"fps": 0}), False),
    (lambda m: m["elements"][0].update({"z": 101}), False),
    (lambda m: m["elements"][0].update({"z": 1.5}), False),
    (lambda m: m["elements"][0].update({"trigger": "wink"}), False),
    (lambda m: m["elements"][0].update({"offset": [0, 11]}), False),
    (lambda m: m["elements"][0].update({"pivot": [0.5]}), False),
    (lambda m: m["elements"][0].update({"rotate": "yes"}), False),
    (lambda m: m["elements"][0].update({"texture": "t.png"}), False),  # a face-mask key on a sticker
    (lambda m: m["elements"][0].pop("width"), False),
    (lambda m: m["elements"].append({"type": "face_mask", "texture": "t.png", "blend": "overlay"}), False),
    (lambda m: m.update({"look": {"filter": "sepia"}}), False),
    (lambda m: m.update({"look": {"beauty": {"smoothing": 1.5}}}), False),
    (lambda m: m.update({"look": {"reshape": {"eye_enlarge": 0.3}}}), False),
    (lambda m: m.update({"look": {"makeup": {"lipstick": {"color": "red"}}}}), False),
])
def test_schema_accepts_and_rejects(change, ok, validator):
    m = copy.deepcopy(BASE)
    change(m)
    assert validator.is_valid(m) == ok

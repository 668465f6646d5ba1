"""Presets (JSON looks): the bundled set, the schema check, the engine and the CLI (apply --preset,
apply --sheet), and CPU vs GL for every look."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import Engine
from meiyan.beauty import MAKEUP_LAYERS, PRESET_DIR, parse_preset
from meiyan.cli import main

from .conftest import psnr
from .test_beauty import face_scenes  # noqa: F401  (a fixture)

pytest.importorskip("onnxruntime")


def test_bundled_presets_are_valid_and_complete():
    names = meiyan.preset_names()
    assert {"natural", "fresh", "party", "cool", "vintage"} <= set(names)
    for name in names:
        p = meiyan.load_preset(name)
        assert p.name == name
        assert p.filter in meiyan.filter_names()
        assert not p.beauty.is_neutral
        assert p.makeup.lips > 0
    # eye makeup in at least two looks; the party look wears every layer
    assert sum(meiyan.load_preset(n).makeup.eyeliner > 0 for n in names) >= 2
    party = meiyan.load_preset("party").makeup
    assert all(getattr(party, layer) > 0 for layer in MAKEUP_LAYERS)


GOOD = json.loads((PRESET_DIR / "party.json").read_text())


@pytest.mark.parametrize(("change", "field"), [
    ({"beauty": {"smoothing": 1.5}}, "beauty.smoothing"),
    ({"beauty": {"glow": 0.5}}, "beauty.glow"),
    ({"reshape": {"big_eyes": "large"}}, "reshape.big_eyes"),
    ({"reshape": {"big_eyes": -0.5}}, "reshape.big_eyes"),
    ({"reshape": {"chin_length": -1.5}}, "reshape.chin_length"),
    ({"makeup": {"lips_color": "red"}}, "makeup.lips_color"),
    ({"makeup": {"blush_blend": "darken"}}, "makeup.blush_blend"),
    ({"makeup": {"eyeliner": 1.2}}, "makeup.eyeliner"),
    ({"makeup": {"contour_color": "#12345"}}, "makeup.contour_color"),
    ({"makeup": {"lashes_blend": "hard_light"}}, "makeup.lashes_blend"),
    ({"makeup": {"lips": True}}, "makeup.lips"),
    ({"filter": {"name": "nope", "intensity": 0.5}}, "filter.name"),
    ({"filter": {"name": "film", "intensity": 2}}, "filter.intensity"),
    ({"sparkle": 1}, "sparkle"),
    ({"name": ""}, "name"),
    ({"makeup": [1, 2]}, "makeup"),
])
def test_bad_presets_name_the_field(change, field):
    data = {**GOOD, **change}
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        parse_preset(data)


def test_preset_files_and_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="unknown preset"):
        meiyan.load_preset("no_such_look")
    with pytest.raises(FileNotFoundError):
        meiyan.load_preset(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        meiyan.load_preset(bad)
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({"name": "mine", "beauty": {"smoothing": 0.5}}))
    p = meiyan.load_preset(mine)
    assert p.beauty.smoothing == 0.5 and p.filter is None


@pytest.mark.parametrize("name", meiyan.preset_names())
def test_gl_preset_matches_cpu(name, face_scenes, gl_available):  # noqa: F811
    img, faces = face_scenes["lenna"]
    outs = []
    for backend in ("cpu", "gl"):
        engine = Engine(backend)  # type: ignore[arg-type]
        engine.set_preset(name)
        engine.set_faces(faces)
        outs.append(engine.process(img))
    assert psnr(outs[0], outs[1]) >= 38.0
    assert psnr(outs[0], img) < 40.0  # the look changes the picture


def test_cli_apply_preset_and_sheet(tmp_path, face_scenes):  # noqa: F811
    img, _ = face_scenes["lenna"]
    src = tmp_path / "face.png"
    cv2.imwrite(str(src), img)
    dst = tmp_path / "party.png"
    assert main(["apply", str(src), str(dst), "--preset", "party", "--quiet"]) == 0
    out = cv2.imread(str(dst))
    assert out.shape == img.shape and not np.array_equal(out, img)
    dst2 = tmp_path / "custom.png"
    options = ["--smoothing", "0.8", "--lips", "0.7", "--big-eyes", "0.5", "--quiet"]
    assert main(["apply", str(src), str(dst2), *options]) == 0
    assert not np.array_equal(cv2.imread(str(dst2)), img)
    sheet = tmp_path / "sheet.png"
    assert main(["apply", str(src), str(sheet), "--sheet"]) == 0
    grid = cv2.imread(str(sheet))
    tiles = 1 + len(meiyan.preset_names())
    rows = -(-tiles // 3)
    assert grid.shape[0] == 360 * rows and grid.shape[1] == 3 * 360  # square input: square tiles
    assert main(["apply", str(src), str(dst), "--preset", "no_such_look"]) == 2


def test_bench_effects_writes_json_and_plot(tmp_path, monkeypatch):
    from .conftest import ROOT

    monkeypatch.chdir(ROOT)  # benchmarks/ is found in the source checkout
    js, png = tmp_path / "bench.json", tmp_path / "bench.png"
    assert main(["bench", "effects", "--json", str(js), "--plot", str(png), "--repeats", "2", "--quiet"]) == 0
    result = json.loads(js.read_text())
    assert result["suite"] == "effects" and result["frame"] == {"width": 1280, "height": 720, "faces": 1}
    names = [r["name"] for r in result["results"]]
    assert "smoothing+whitening+reshape" in names and names[-1].startswith("cv2.bilateralFilter")
    assert all(r["ms"] > 0 for r in result["results"])
    assert {"beauty_ms", "makeup_preset_ms", "background_blur_ms"} <= set(result["targets"])
    assert result["background"]["segmenter_run_ms"] > result["background"]["segmenter_refine_ms"] > 0
    assert png.stat().st_size > 1000
    assert result["renderer"] == "cpu" and result["renderer_names"] == ["cpu"]


def test_bench_effects_on_the_gl_renderer(tmp_path, monkeypatch, gl_available):
    from .conftest import ROOT

    monkeypatch.chdir(ROOT)
    js = tmp_path / "bench_gl.json"
    assert main(["bench", "effects", "--renderer", "gl", "--json", str(js), "--repeats", "1", "--quiet"]) == 0
    result = json.loads(js.read_text())
    assert result["renderer"] == "gl"
    assert len(result["renderer_names"]) == 1 and result["renderer_names"][0].startswith("GL: ")
    assert all(r["ms"] > 0 for r in result["results"])
    with pytest.raises(SystemExit):  # argparse: not a renderer
        main(["bench", "effects", "--renderer", "vulkan"])

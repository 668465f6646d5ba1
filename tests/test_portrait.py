"""The bundled public-domain portrait (``sample:portrait``): the shipped PNG is what
tools/make_portrait.py makes from the pinned scikit-image wheel, the tracker finds its one face, and
``meiyan apply sample:portrait OUT --sheet`` lays out the original and every preset."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import media
from meiyan.cli import main

from .conftest import ROOT, psnr

PORTRAIT = media.SAMPLE_DIR / "portrait.png"


def make_portrait_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_portrait", ROOT / "tools" / "make_portrait.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_shipped_portrait_is_the_tools_output(tmp_path) -> None:
    from model_export.sources import SourceError

    tool = make_portrait_tool()
    try:
        made = tool.portrait()  # from the pinned wheel (downloaded into the source cache once)
    except SourceError as exc:
        if not str(exc).startswith("could not download"):
            raise  # a wheel or member that fails its sha256 check is an error, not a reason to skip
        pytest.skip(f"scikit-image wheel not available: {exc}")
    shipped = cv2.imread(str(PORTRAIT), cv2.IMREAD_COLOR)
    assert shipped is not None and shipped.shape == (320, 320, 3)
    assert np.array_equal(shipped, made)  # the same pixels (PNG bytes may differ between zlib versions)
    assert PORTRAIT.stat().st_size <= 400_000
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert tool.main(["--out", str(a)]) == 0 and tool.main(["--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()  # deterministic
    assert "portrait.png" in (media.SAMPLE_DIR / "NOTICE").read_text()


def test_tracker_finds_exactly_one_face_in_the_portrait() -> None:
    image = media.read_image(media.resolve_input("sample:portrait"))
    faces = meiyan.FaceTracker(smoothing=False).track(image)
    assert len(faces) == 1
    x0, y0, x1, y1 = faces[0].box
    assert 0 <= x0 < x1 <= 320 and 0 <= y0 < y1 <= 320 and 70 < x1 - x0 < 200


@pytest.mark.parametrize("tile_height", [180, 97])
def test_sheet_of_the_portrait(tmp_path, capsys, tile_height: int) -> None:
    out = tmp_path / "sheet.png"
    assert main(["apply", "sample:portrait", str(out), "--sheet", "--tile-height", str(tile_height)]) == 0
    presets = meiyan.preset_names()
    assert f"original + {len(presets)} presets" in capsys.readouterr().out
    sheet = cv2.imread(str(out), cv2.IMREAD_COLOR)
    tiles = 1 + len(presets)
    cols = 3
    rows = -(-tiles // cols)
    assert sheet is not None and sheet.shape == (rows * tile_height, cols * tile_height, 3)  # square tiles
    original = cv2.resize(cv2.imread(str(PORTRAIT)), (tile_height, tile_height), interpolation=cv2.INTER_AREA)
    below_label = slice(tile_height // 4, None)  # the label sits in the top rows of a tile
    cells = [sheet[r * tile_height:(r + 1) * tile_height, c * tile_height:(c + 1) * tile_height]
             for r in range(rows) for c in range(cols)]
    assert psnr(cells[0][below_label], original[below_label]) > 40  # first tile: the original
    for k in range(1, tiles):  # then one tile per preset, each different from the original
        assert psnr(cells[k][below_label], original[below_label]) < 40, presets[k - 1]
        assert cells[k].mean() > 20
    for k in range(tiles, rows * cols):  # padding tiles are black
        assert not cells[k].any()


def test_readme_sheet_is_committed_small_and_shown() -> None:
    sheet = ROOT / "docs" / "preset_sheet.png"
    assert sheet.stat().st_size <= 400_000
    image = cv2.imread(str(sheet), cv2.IMREAD_COLOR)
    tiles = 1 + len(meiyan.preset_names())
    assert image is not None and image.shape == (-(-tiles // 3) * 180, 3 * 180, 3)
    assert "(docs/preset_sheet.png)" in (ROOT / "README.md").read_text()


def test_sheet_rejects_a_tiny_tile_height(tmp_path, capsys) -> None:
    assert main(["apply", "sample:portrait", str(tmp_path / "s.png"), "--sheet", "--tile-height", "4"]) == 2
    assert "tile height must be at least 16" in capsys.readouterr().err

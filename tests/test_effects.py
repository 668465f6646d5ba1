"""Effect packages end to end: loading (folder, .zip), validation messages, triggers through the
engine, stickers staying attached on the tracking sequences, and CPU vs GL."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import effects

from .conftest import ROOT, psnr

# distinct, saturated colours: a rendered sprite is found by its colour
COLORS = [(255, 0, 255), (0, 255, 255), (255, 255, 0), (0, 0, 255), (0, 255, 0), (255, 0, 0)]


def write_png(path: Path, size: tuple[int, int], bgr: tuple[int, int, int], alpha: int = 255) -> None:
    w, h = size
    img = np.zeros((h, w, 4), np.uint8)
    img[..., :3] = bgr
    img[..., 3] = alpha
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


def make_package(root: Path, manifest: dict, images: dict[str, tuple[int, int, int]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(json.dumps(manifest))
    for name, bgr in images.items():
        write_png(root / name, (16, 16), bgr)
    return root


def burst_package(root: Path) -> Path:
    frames = [f"burst/{i}.png" for i in range(4)]
    manifest = {
        "format": "meiyan.effect", "version": 1, "name": "burst",
        "elements": [{"type": "sticker", "id": "burst", "frames": frames, "fps": 10, "anchor": [4], "width": 0.6,
                      "trigger": "mouth_open", "play": "once"}],
    }
    return make_package(root, manifest, {f: COLORS[i] for i, f in enumerate(frames)})


def shown_color(img: np.ndarray) -> int | None:
    """Which of COLORS covers most pixels exactly (None: none)."""
    counts = [int(np.all(img == np.array(c, np.uint8), axis=-1).sum()) for c in COLORS]
    best = int(np.argmax(counts))
    return best if counts[best] > 20 else None


PhotoFace = tuple[np.ndarray, meiyan.FaceResult]


@pytest.fixture(scope="module")
def photo_face() -> PhotoFace:
    from model_export.data import load_images

    img = load_images(("breakingbad",))[0].image
    faces = meiyan.FaceTracker(max_faces=1).track(img, timestamp=0.0)
    assert faces
    return img, faces[0]


def test_load_folder_and_zip_and_list(tmp_path: Path) -> None:
    pkg_dir = burst_package(tmp_path / "burst")
    pkg = effects.load(pkg_dir)
    assert pkg.name == "burst" and len(pkg.elements) == 1 and pkg.triggers() == {"mouth_open"}
    archive = tmp_path / "burst.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in pkg_dir.rglob("*"):
            if f.is_file():
                z.write(f, f.relative_to(pkg_dir).as_posix())
    assert effects.load(archive).native.image_names == pkg.native.image_names
    assert effects.validate(archive) == []
    with pytest.raises(FileNotFoundError, match="no effect package"):
        effects.load(tmp_path / "nope")
    with pytest.raises(ValueError, match="not a folder or a .zip"):
        (tmp_path / "junk.zip").write_bytes(b"not a zip")
        effects.load(tmp_path / "junk.zip")


def test_validate_explains_every_problem(tmp_path: Path) -> None:
    root = burst_package(tmp_path / "broken")
    (root / "burst" / "1.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    (root / "burst" / "2.png").unlink()
    problems = effects.validate(root)
    assert any("burst/1.png: the PNG cannot be decoded" in p for p in problems), problems
    assert any("no burst/2.png in the package" in p for p in problems), problems
    with pytest.raises((ValueError, FileNotFoundError)):
        effects.load(root)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["elements"][0]["anchor"] = [500]
    manifest["elements"][0]["trigger"] = "wink"
    manifest["look"] = {"beauty": {"smoothing": 3}}
    (root / "manifest.json").write_text(json.dumps(manifest))
    problems = effects.validate(root)
    assert any("elements[0].anchor[0]: 500 is outside 0..467" in p for p in problems), problems
    assert any("elements[0].trigger: \"wink\"" in p for p in problems), problems
    # the CLI prints them and exits 1
    r = subprocess.run([sys.executable, "-m", "meiyan", "effect", "validate", str(root)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "anchor[0]: 500" in r.stdout, r.stdout + r.stderr
    manifest["elements"][0]["anchor"] = [4]
    manifest["elements"][0]["trigger"] = "mouth_open"
    (root / "manifest.json").write_text(json.dumps(manifest))
    write_png(root / "burst" / "1.png", (16, 16), COLORS[1])
    write_png(root / "burst" / "2.png", (16, 16), COLORS[2])
    assert any("look.beauty.smoothing: must be a number in [0, 1]" in p for p in effects.validate(root))


@pytest.mark.parametrize("backend", ["cpu", "gl"])
def test_mouth_open_burst_starts_on_its_frame_and_plays_in_order(
    backend: str, tmp_path: Path, photo_face: PhotoFace
) -> None:
    if backend == "gl" and not meiyan.gl_status()[0]:
        pytest.skip(meiyan.gl_status()[1])
    img, face = photo_face
    engine = meiyan.Engine(backend, effect=burst_package(tmp_path / "burst"))
    shown = []
    for i in range(30):  # 30 fps; the mouth-open flag turns on at frame 8 and off at frame 11
        f = face.__class__(**{**face.__dict__, "expressions_active": {"mouth_open": 8 <= i < 11}})
        engine.set_faces([f])
        shown.append(shown_color(engine.process(img, timestamp=i / 30)))
    # 10 fps sprite, 4 frames, played once from frame 8 (3 video frames per sprite frame), then hidden
    assert shown == [None] * 8 + [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3] + [None] * 10, shown


def test_stickers_stay_attached_at_every_roll_angle(tmp_path: Path) -> None:
    """On the tracking benchmark's full-roll sequences (each photo turned through 360 degrees in
    5-degree steps by a known transform), stickers anchored to mesh points are drawn where the
    tracker puts those points -- within 1 % of the inter-ocular distance at every roll angle -- and
    stay within 3 % of it from the ground truth at every roll angle: the anchor's true place is the
    consensus of the tracked point over a whole turn, mapped back into the photo by the known
    transforms (iBUG annotations cannot serve: mesh points differ from them by definition, 4 to
    12 %).

    The face turns from its first frame, and the turn held to 3 % follows a lead-in of 12 frames
    (0.4 s) in which the new track settles: its motion is known from its second frame, but its ROI
    takes about ten to settle on the face, and for some faces (einstein here) the mesh moves its
    points by about 2 % of the eye distance for a one-pixel shift of its crop, so those first
    frames reach 5 %. They are printed, and held to their median."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_tracking

    lead_in = 12
    anchors = {"nose_tip": 4, "right_eye_outer": 33, "left_eye_outer": 263, "chin": 152}
    manifest = {"format": "meiyan.effect", "version": 1, "name": "dots", "elements": [
        {"type": "sticker", "id": name, "frames": [f"{name}.png"], "anchor": [k], "width": 0.08,
         "foreshorten": False} for name, k in anchors.items()]}
    pkg = make_package(tmp_path / "dots", manifest, {f"{n}.png": COLORS[i] for i, n in enumerate(anchors)})
    draw_err, truth_err, lead_err = [], [], []
    for photo in bench_tracking._photos():
        engine = meiyan.Engine(tracker=meiyan.FaceTracker(max_faces=1), effect=pkg)
        frames = bench_tracking.sequences(photo, names=("roll_360",))["roll_360"]
        centres, tracked, transforms = [], [], []
        for j in range(lead_in + len(frames)):  # the lead-in, then a whole turn on from there
            i = j % len(frames)
            out = engine.process(frames[i].image, timestamp=j / 30)
            face = engine.faces[0]
            transforms.append(bench_tracking._placement(photo, 1.0, 5.0 * i, 0, 0))
            row = []
            for c, name in enumerate(anchors):
                mask = np.all(out == np.array(COLORS[c], np.uint8), axis=-1)
                assert mask.sum() > 4, f"{photo.name} {name}: sticker not drawn at roll {5 * i}"
                ys, xs = np.nonzero(mask)
                row.append((xs.mean() + 0.5, ys.mean() + 0.5))
            centres.append(row)
            tracked.append(face.landmarks[list(anchors.values()), :2])
        centres_a, tracked_a = np.array(centres), np.array(tracked)
        # in photo pixels: the tracked anchors of every frame of the turn, and their consensus
        back = np.stack([(t - m[:, 2]) @ np.linalg.inv(m[:, :2]).T
                         for t, m in zip(tracked_a[lead_in:], transforms[lead_in:], strict=True)])
        consensus = np.median(back, axis=0)
        for k, m in enumerate(transforms):
            truth = consensus @ m[:, :2].T + m[:, 2]
            iod = float(np.linalg.norm(tracked_a[k, 1] - tracked_a[k, 2]))
            draw_err.append(np.linalg.norm(centres_a[k] - tracked_a[k], axis=1) / iod)
            (truth_err if k >= lead_in else lead_err).append(np.linalg.norm(centres_a[k] - truth, axis=1) / iod)
    d, t, lead = np.array(draw_err), np.array(truth_err), np.array(lead_err)
    print(f"sticker centre vs tracked anchor: max {d.max():.4f} IOD; vs ground truth over the turn: median "
          f"{np.median(t):.4f}, 95th percentile {np.percentile(t, 95):.4f}, max {t.max():.4f} IOD (4 photos x 72 roll "
          f"angles x 4 anchors); the lead-in's {lead_in} frames: median {np.median(lead):.4f}, max {lead.max():.4f}")
    assert d.max() <= 0.01
    assert t.max() <= 0.03
    assert np.median(lead) <= 0.02


@pytest.mark.parametrize("name", effects.bundled())
def test_bundled_packages_render_alike_on_cpu_and_gl(name: str, photo_face: PhotoFace) -> None:
    ok, why = meiyan.gl_status()
    if not ok:
        pytest.skip(why)
    img, face = photo_face
    assert effects.validate(name) == []
    # every expression on, so that triggered elements show too
    face = face.__class__(**{**face.__dict__, "expressions_active": {
        "mouth_open": True, "blink_left": True, "blink_right": True, "brow_raise": True, "smile": True}})
    outs = []
    for backend in ("cpu", "gl"):
        engine = meiyan.Engine(backend, effect=name)
        engine.set_faces([face])
        outs.append(engine.process(img, timestamp=0.5))
    assert psnr(outs[0], img) < 45.0  # the effect shows
    value = psnr(outs[0], outs[1])
    print(f"{name}: CPU vs GL {value:.1f} dB")
    assert value >= 38.0


def test_engine_effect_errors(tmp_path: Path) -> None:
    engine = meiyan.Engine()
    with pytest.raises(FileNotFoundError, match="not a path, nor a bundled one"):
        engine.set_effect("no_such_effect")
    engine.set_effect(burst_package(tmp_path / "b"))
    assert engine.effect is not None
    engine.process(np.zeros((8, 8, 3), np.uint8), timestamp=1.0)
    with pytest.raises(ValueError, match="must not go backwards"):
        engine.process(np.zeros((8, 8, 3), np.uint8), timestamp=0.5)
    engine.set_effect(None)
    assert engine.effect is None
    native = meiyan._core.EffectPackage.parse(json.dumps({
        "format": "meiyan.effect", "version": 1, "name": "n",
        "elements": [{"type": "sticker", "frames": ["a.png"], "anchor": [1], "width": 1}]}))
    with pytest.raises(ValueError, match="a.png' was not given"):
        meiyan._core.Engine().set_effect(native)
    with pytest.raises(ValueError, match="must have shape"):
        native.set_image(0, np.zeros((4, 4), np.uint8))
    with pytest.raises(TypeError):
        native.set_image(0, np.zeros((4, 4, 4), np.float32))
    with pytest.raises(ValueError, match="larger than 2048"):
        native.set_image(0, np.zeros((1, 2049, 4), np.uint8))


def test_cli_effect_list_and_sheet(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "meiyan", "effect", "list"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.strip().splitlines()) == len(effects.bundled()) >= 12
    out = tmp_path / "sheet.png"
    r = subprocess.run([sys.executable, "-m", "meiyan", "effect", "sheet", str(out), "--tile", "64"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    sheet = cv2.imread(str(out))
    rows = -(-len(effects.bundled()) // 4)
    assert sheet.shape[0] == 64 * rows and sheet.shape[1] == 4 * 64  # square portrait tiles
    r = subprocess.run([sys.executable, "-m", "meiyan", "effect", "sheet", str(out), "--tile", "8"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--tile must be in 32..1024" in r.stderr


def test_a_package_look_sets_the_engine(tmp_path: Path) -> None:
    engine = meiyan.Engine(effect="sunglasses")
    look = engine.effect.look if engine.effect else {}
    assert engine.filter == look["filter"]
    assert engine.params.contrast == pytest.approx(look["color"]["contrast"])
    assert engine.params.lut_intensity == pytest.approx(look["filter_intensity"])
    engine = meiyan.Engine(effect="glam_night")
    look = engine.effect.look if engine.effect else {}
    assert engine.makeup.lips == pytest.approx(look["makeup"]["lipstick"]["opacity"])
    assert engine.makeup.lips_color == look["makeup"]["lipstick"]["color"]
    plain = meiyan.Engine()
    plain.set_effect("glam_night", apply_look=False)
    assert plain.makeup.lips == 0.0
    with pytest.raises(ValueError, match=r"look.makeup.mascara: unknown layer"):
        effects.parse_look({"makeup": {"mascara": {"color": "#000000", "opacity": 1}}})
    # the UV-layout layers, with a blend of their own
    eyes = effects.parse_look({"makeup": {"eyeliner": {"color": "#101010", "opacity": 0.9, "blend": "multiply"},
                                          "lashes": {"opacity": 0.7}, "highlight": {"opacity": 0.4}}})
    assert eyes.makeup is not None
    liner = (eyes.makeup.eyeliner, eyes.makeup.eyeliner_color, eyes.makeup.eyeliner_blend)
    assert liner == (0.9, "#101010", "multiply")
    assert (eyes.makeup.lashes, eyes.makeup.highlight, eyes.makeup.contour) == (0.7, 0.4, 0.0)
    with pytest.raises(ValueError, match=r"look.makeup.contour.blend: must be one of"):
        effects.parse_look({"makeup": {"contour": {"opacity": 0.5, "blend": "darken"}}})
    with pytest.raises(ValueError, match=r"look.filter: 'sepia' is not a bundled filter"):
        effects.parse_look({"filter": "sepia"})

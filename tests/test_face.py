"""Face tracking with the shipped models (onnxruntime backend) on real photos."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

pytest.importorskip("onnxruntime")

import meiyan  # noqa: E402
from meiyan.onnx_backend import FaceLandmarker  # noqa: E402


@pytest.fixture(scope="module")
def photos():
    from model_export.data import load_images

    return {p.name: p for p in load_images() if p.ibug68 is not None}


def rotate_image(img: np.ndarray, degrees: int) -> np.ndarray:
    k = {0: None, 90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}[degrees]
    return img if k is None else cv2.rotate(img, k)


def unrotate_points(pts: np.ndarray, degrees: int, w: int, h: int) -> np.ndarray:
    """Points found in the image rotated clockwise by `degrees` back to the original w x h frame."""
    x, y = pts[:, 0], pts[:, 1]
    if degrees == 90:
        return np.stack([y, h - x], 1)
    if degrees == 180:
        return np.stack([w - x, h - y], 1)
    if degrees == 270:
        return np.stack([w - y, x], 1)
    return pts[:, :2]


def roi_from_landmarks(pts: np.ndarray, scale: float = 1.5):
    """The tracker's ROI rule, written out independently: eye-corner rotation, extent, square, scale."""
    from meiyan.onnx_backend import RotatedRect

    d = pts[263, :2] - pts[33, :2]
    rot = float(np.arctan2(d[1], d[0]))
    c, s = np.cos(rot), np.sin(rot)
    u = c * pts[:, 0] + s * pts[:, 1]
    v = -s * pts[:, 0] + c * pts[:, 1]
    cu, cv = (u.min() + u.max()) / 2, (v.min() + v.max()) / 2
    side = max(u.max() - u.min(), v.max() - v.min()) * scale
    return RotatedRect(float(c * cu - s * cv), float(s * cu + c * cv), float(side), float(side), rot)


def test_native_tracker_matches_the_python_reference(photos):
    ref = FaceLandmarker(precision="fp32")
    for name in ("lenna", "takeo", "breakingbad"):
        img = photos[name].image
        tracker = meiyan.FaceTracker(smoothing=False, precision="fp32")
        dets = tracker._native.detect(meiyan.convert(img, "bgr", "rgba"), 0)
        expected_dets = ref.detector.detect(img)
        assert len(dets) == len(expected_dets) >= 1, name
        for d, e in zip(dets, expected_dets, strict=True):
            assert np.abs(np.array(d["box"]) - e.box).max() < 0.01, name
            assert np.abs(d["keypoints"] - e.keypoints).max() < 0.01, name
        faces = tracker.track(img, timestamp=0.0)
        assert len(faces) == len(expected_dets), name
        for f, e in zip(faces, expected_dets, strict=True):
            # a new face gets up to 3 refining passes, each on the ROI of the previous landmarks,
            # until that ROI settles (moves < 1 % of its width, turns < 0.02 rad, resizes < 1 %)
            from meiyan.onnx_backend import face_roi_from_detection

            prev = face_roi_from_detection(e)
            pts = ref.from_roi(img, prev).points
            for _ in range(3):
                roi = roi_from_landmarks(pts)
                pts = ref.from_roi(img, roi).points
                turned = abs(math.remainder(roi.rotation - prev.rotation, 2 * math.pi))
                if (math.hypot(roi.center_x - prev.center_x, roi.center_y - prev.center_y) < 0.01 * roi.width
                        and turned < 0.02 and abs(roi.width - prev.width) < 0.01 * roi.width):
                    break
                prev = roi
            assert np.abs(f.raw_landmarks[:, :2] - pts[:, :2]).max() < 0.01, name
            assert f.landmarks.shape == (468, 3) and f.presence > 0.9


def test_upside_down_and_sideways_faces_are_found(photos):
    img = photos["lenna"].image
    h, w = img.shape[:2]
    def steady(frame: np.ndarray, tracker: meiyan.FaceTracker) -> meiyan.FaceResult:
        for i in range(4):  # a new face converges within a few frames of tracking
            faces = tracker.track(frame, timestamp=i / 30)
            assert len(faces) == 1
        return faces[0]

    upright = steady(img, meiyan.FaceTracker(smoothing=False))
    iod = np.linalg.norm(upright.raw_landmarks[33, :2] - upright.raw_landmarks[263, :2])
    for deg in (90, 180, 270):
        face = steady(rotate_image(img, deg), meiyan.FaceTracker(smoothing=False))
        back = unrotate_points(face.raw_landmarks, deg, w, h)
        assert np.linalg.norm(back - upright.raw_landmarks[:, :2], axis=1).mean() / iod < 0.015, deg
        assert abs((face.pose.roll - upright.pose.roll - deg + 180) % 360 - 180) < 5, deg
        # With the camera orientation given, no sweep is needed: one detector run (the tile search
        # for small faces off here).
        tracker2 = meiyan.FaceTracker(smoothing=False, rotation_sweep=False, tile_search=False)
        assert len(tracker2.track(rotate_image(img, deg), timestamp=0.0, camera_rotation=deg)) == 1
        assert tracker2.stats["detector_runs"] == 1


def test_roll_follows_in_plane_rotation(photos):
    img = photos["takeo"].image
    big = cv2.resize(img, None, fx=3, fy=3)
    h, w = big.shape[:2]
    base = meiyan.FaceTracker(smoothing=False).track(big, timestamp=0.0)[0].pose.roll
    for angle in (-40, 25, 60):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)  # clockwise on screen by `angle`
        rotated = cv2.warpAffine(big, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        faces = meiyan.FaceTracker(smoothing=False).track(rotated, timestamp=0.0)
        assert len(faces) == 1
        assert abs(faces[0].pose.roll - base - angle) < 6, angle


def test_yaw_changes_sign_when_mirrored(photos):
    img = photos["lenna"].image
    a = meiyan.FaceTracker(smoothing=False).track(img, timestamp=0.0)[0].pose
    b = meiyan.FaceTracker(smoothing=False).track(img[:, ::-1].copy(), timestamp=0.0)[0].pose
    assert abs(a.yaw) > 10
    assert np.sign(a.yaw) != np.sign(b.yaw)
    assert abs(a.yaw + b.yaw) < 6


def face_tile(photo) -> np.ndarray:
    """The photo's annotated face centred on a 400x400 tile, the face 1/1.8 of it."""
    x0, y0, x1, y1 = photo.annotation_box()
    cx, cy, side = (x0 + x1) / 2, (y0 + y1) / 2, 1.8 * max(x1 - x0, y1 - y0)
    m = np.array([[400 / side, 0, 200 - cx * 400 / side], [0, 400 / side, 200 - cy * 400 / side]])
    return cv2.warpAffine(photo.image, m, (400, 400), borderMode=cv2.BORDER_REPLICATE)


def test_four_faces_keep_their_ids(photos):
    tiles = [face_tile(photos[n]) for n in ("lenna", "takeo", "breakingbad", "lenna")]
    canvas = np.vstack([np.hstack(tiles[:2]), np.hstack(tiles[2:])])
    tracker = meiyan.FaceTracker(max_faces=4)
    ids = None
    for i in range(12):
        frame = np.roll(canvas, 3 * i, axis=1)
        faces = tracker.track(frame, timestamp=i / 30)
        assert len(faces) == 4, i
        by_pos = sorted(faces, key=lambda f: (int(f.roi[1] // 400), int(f.roi[0] // 400)))  # tile row, column
        now = [f.id for f in by_pos]
        ids = ids or now
        assert now == ids
    assert len(set(ids)) == 4


def test_a_lost_face_is_found_again_as_soon_as_it_shows(photos):
    """While another face is tracked, a face that was lost (covered for a moment) is looked for on every
    frame for 2 s, not only at the periodic look for new faces (every 30 frames)."""
    tiles = [face_tile(photos[n]) for n in ("lenna", "takeo")]
    frame = np.hstack(tiles)
    covered = frame.copy()
    covered[:, :400] = 90
    tracker = meiyan.FaceTracker(max_faces=4)
    counts = []
    for i in range(30):
        img = covered if 5 <= i < 12 else frame
        counts.append(len(tracker.track(img, timestamp=i / 30)))
    assert counts[:5] == [2] * 5
    assert counts[6:12] == [1] * 6  # lenna covered: lost
    assert counts[12] == 2, counts  # uncovered at frame 12: found on that frame
    assert counts[13:] == [2] * 17
    # and then no more detector runs than the periodic look: frames 0, 5 (the loss) .. 12, none after
    assert tracker.stats["detector_frames"] <= 1 + 8


def test_a_face_found_again_keeps_its_id(photos):
    """A face lost for a moment (covered) and found again where it was within 2 s keeps its id, so its
    effects' state (sticker triggers) carries on; the other face's id never changes; a face found where
    none was lost, or after 2 s, gets a new id."""
    tiles = [face_tile(photos[n]) for n in ("lenna", "takeo")]
    frame = np.hstack(tiles)
    covered = frame.copy()
    covered[:, :400] = 90

    def ids(faces) -> list[int]:  # left face first
        return [f.id for f in sorted(faces, key=lambda f: f.roi[0])]

    tracker = meiyan.FaceTracker(max_faces=4)
    first = ids(tracker.track(frame, timestamp=0.0))
    assert len(first) == 2 and first[0] != first[1]
    for i in range(1, 12):  # lenna covered for 10 frames (a third of a second)
        assert ids(tracker.track(covered, timestamp=i / 30)) == [first[1]]
    assert ids(tracker.track(frame, timestamp=12 / 30)) == first

    # covered for 2.5 s: lenna comes back as a new face
    late = meiyan.FaceTracker(max_faces=4)
    first = ids(late.track(frame, timestamp=0.0))
    for i in range(1, 76):
        late.track(covered, timestamp=i / 30)
    again: list[int] = []
    for i in range(76, 110):  # found at the next periodic look for new faces
        again = ids(late.track(frame, timestamp=i / 30))
        if len(again) == 2:
            break
    assert len(again) == 2 and again[1] == first[1] and again[0] not in first

    # lost on the left, a face appears on the right of an empty scene: not the lost face
    swap = meiyan.FaceTracker(max_faces=4)
    left_only = frame.copy()
    left_only[:, 400:] = 90
    right_only = covered
    (a,) = swap.track(left_only, timestamp=0.0)
    assert swap.track(np.full_like(frame, 90), timestamp=1 / 30) == []
    (b,) = swap.track(right_only, timestamp=2 / 30)
    assert b.id != a.id


def test_detector_runs_rarely_while_tracking(photos):
    img = cv2.resize(photos["lenna"].image, (720, 720))
    frame = np.zeros((720, 1280, 3), np.uint8)
    tracker = meiyan.FaceTracker()
    for i in range(90):
        x = 200 + int(200 * np.sin(i / 15))
        frame[:] = 40
        frame[:, x : x + 720] = img
        assert len(tracker.track(frame, timestamp=i / 30)) == 1
    stats = tracker.stats
    assert stats["frames"] == 90
    # on 3 of 90 frames (the first and every 30th, looking for more faces: max_faces is 4)
    assert stats["detector_frames"] == 3
    assert stats["detector_frames"] / stats["frames"] <= 0.05
    # the first frame searches every tile for small faces (1 + 3 + 28 runs), later ones two tiles each
    assert stats["detector_runs"] == (1 + 31) + 2 * (1 + 2)
    # one face wanted: the tracked face is all there is to find, no tile search while it is tracked
    single = meiyan.FaceTracker(max_faces=1)
    for i in range(90):
        single.track(frame, timestamp=i / 30)
    assert single.stats["detector_frames"] == 1 and single.stats["detector_runs"] == 1


def _bench():
    import sys

    from .conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_tracking

    return bench_tracking


def _found(faces, truth: np.ndarray) -> bool:
    bench_tracking = _bench()
    face = bench_tracking._subject(faces, truth)
    return face is not None and bench_tracking._nme(face.landmarks, truth) < 0.2


def test_faces_from_64_px_wide_to_the_full_frame_are_found(photos):
    bench = _bench()
    missed, without_tiles = [], 0
    for photo in photos.values():
        for width in (64, 80, 120, 200, 400, 640):  # px at 1280x720; 640 wide is 700-820 px tall
            for dx, dy in bench.PLACES if width <= 200 else bench.PLACES[:1]:  # larger faces fill the frame
                f = bench.placed(photo, width, dx, dy)
                if not _found(meiyan.FaceTracker(smoothing=False).track(f.image, timestamp=0.0), f.truth):
                    missed.append((photo.name, width, dx, dy))
                if width <= 80:
                    plain = meiyan.FaceTracker(smoothing=False, tile_search=False)
                    without_tiles += _found(plain.track(f.image, timestamp=0.0), f.truth)
    print(f"missed: {missed}; found without the tile search: {without_tiles} of {2 * 4 * len(photos)} faces <= 80 px")
    assert not missed
    # the whole-frame detectors alone miss more than half of them (1280 px -> 128 or 192 px inputs;
    # measured: 10 of 32 found)
    assert without_tiles <= 4 * len(photos)


def test_small_faces_are_found_in_a_turned_camera_frame(photos):
    """The tiles turn with the camera: a 64-px face in a portrait frame (the camera turned 90 degrees)."""
    bench = _bench()
    for photo in photos.values():
        f = bench.placed(photo, 64, 430, 200)
        h, w = f.image.shape[:2]
        turned = rotate_image(f.image, 90)
        faces = meiyan.FaceTracker(smoothing=False, rotation_sweep=False).track(turned, timestamp=0.0,
                                                                               camera_rotation=90)
        back = [unrotate_points(face.landmarks, 90, w, h) for face in faces]
        assert any(bench._nme(pts, f.truth) < 0.2 for pts in back), photo.name


def test_a_small_face_that_appears_is_found_within_a_sweep_of_the_tiles(photos):
    f = _bench().placed(photos["takeo"], 64, 430, 200)
    empty = np.full_like(f.image, 40)
    tracker = meiyan.FaceTracker(smoothing=False)
    for i in range(5):
        assert tracker.track(empty, timestamp=i / 30) == []
    runs = tracker.stats["detector_runs"]
    assert tracker.stats["detector_frames"] == 5
    # on an empty scene: the whole frame (short and full range), two tiles, and on every third frame
    # the rotation sweep (3 more turns, both detectors) -- never the whole tile set again
    for i in range(5, 40):
        before = tracker.stats["detector_runs"]
        faces = tracker.track(f.image, timestamp=i / 30)
        assert tracker.stats["detector_runs"] - before <= 2 + 2 + 6
        if _found(faces, f.truth):
            break
    else:
        raise AssertionError("the 64-px face was never found")
    # 31 tiles, two a frame: found within 16 frames of appearing
    assert i - 5 < 16, i
    assert runs < 32 + 8 + 5 * 10


def test_smoothing_removes_jitter_on_a_still_face(photos):
    img = cv2.resize(photos["lenna"].image, (720, 720))
    rng = np.random.default_rng(3)
    raw_tracker, smooth_tracker = meiyan.FaceTracker(smoothing=False), meiyan.FaceTracker()
    raw, smooth = [], []
    for i in range(40):
        noisy = np.clip(img + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8)
        raw.append(raw_tracker.track(noisy, timestamp=i / 30)[0].landmarks[:, :2])
        smooth.append(smooth_tracker.track(noisy, timestamp=i / 30)[0].landmarks[:, :2])

    def jitter(seq: list[np.ndarray]) -> float:
        d = np.diff(np.stack(seq[10:]), axis=0)
        return float(np.sqrt((d**2).sum(-1).mean()))

    assert jitter(smooth) < 0.5 * jitter(raw)


def test_expressions(photos):
    tongue = meiyan.FaceTracker().track(photos["tongue"].image if "tongue" in photos else _tongue(), timestamp=0.0)
    assert tongue[0].expressions["mouth_open"] > 0.5
    assert tongue[0].expressions_active["mouth_open"]
    lenna = meiyan.FaceTracker().track(photos["lenna"].image, timestamp=0.0)[0]
    assert lenna.expressions["mouth_open"] < 0.2
    assert set(lenna.expressions) == set(meiyan.face.EXPRESSIONS)
    assert all(0.0 <= v <= 1.0 for v in lenna.expressions.values())


def _tongue() -> np.ndarray:
    from model_export.data import load_images

    return load_images(("tongue",))[0].image


def test_packed_formats_are_read_in_place_with_the_same_landmarks(photos):
    """BGR (the default), RGB, BGRA and RGBA frames give bit-identical landmarks; a view with
    non-contiguous pixels goes through a conversion and gives them too."""
    img = photos["lenna"].image
    frames = {"bgr": img, "rgb": np.ascontiguousarray(img[..., ::-1]), "bgra": cv2.cvtColor(img, cv2.COLOR_BGR2BGRA),
              "rgba": cv2.cvtColor(img, cv2.COLOR_BGR2RGBA)}
    results = {}
    for fmt, frame in frames.items():
        tracker = meiyan.FaceTracker(iris=True)
        results[fmt] = [tracker.track(frame, timestamp=i / 30, format=fmt)[0] for i in range(3)]
    results["rgb view"] = [meiyan.FaceTracker(iris=True).track(img[..., ::-1], timestamp=0.0, format="rgb")[0]]
    for fmt, faces in results.items():
        for a, b in zip(results["rgba"], faces, strict=False):
            assert np.array_equal(a.landmarks, b.landmarks), fmt
            assert np.array_equal(a.iris, b.iris), fmt


def test_bad_input(photos):
    tracker = meiyan.FaceTracker()
    with pytest.raises(ValueError, match="camera_rotation"):
        tracker.track(photos["lenna"].image, camera_rotation=45)
    with pytest.raises(TypeError, match="uint8"):
        tracker._native.track(np.zeros((8, 8, 4), np.float32), 0.0)
    with pytest.raises(ValueError, match="max_faces"):
        meiyan.FaceTracker(max_faces=0)
    with pytest.raises(ValueError, match="backend"):
        meiyan.FaceTracker(backend="tflite")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        meiyan.FaceTracker(models_dir="/nonexistent")
    assert tracker.track(np.zeros((50, 60, 3), np.uint8), timestamp=1.0) == []


def test_native_and_onnx_backends_agree(photos):
    img = photos["breakingbad"].image
    native = meiyan.FaceTracker("native", precision="fp32").track(img, timestamp=0.0)
    reference = meiyan.FaceTracker("onnx", precision="fp32").track(img, timestamp=0.0)
    assert len(native) == len(reference) == 2
    for a, b in zip(native, reference, strict=True):
        assert a.id == b.id
        assert np.abs(a.landmarks - b.landmarks).max() < 0.01

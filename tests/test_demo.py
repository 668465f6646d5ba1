"""meiyan demo: the bundled clip, headless mode, the errors users hit, and the window under Xvfb
(screenshots compared with the processed frame, panel clicks, keys, split, snapshot, recording)."""

from __future__ import annotations

import importlib.util
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import meiyan
from meiyan import demo
from meiyan.cli import main, parser

from .conftest import ROOT, psnr

CLIP = demo.BUNDLED_CLIP


def read_video(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


@pytest.fixture(scope="module")
def clip_frames() -> list[np.ndarray]:
    return read_video(CLIP)


def run_demo(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "meiyan", "demo", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


# --- the bundled clip -----------------------------------------------------------------------------


def test_bundled_clip_is_small_and_has_a_face(clip_frames):
    assert CLIP.stat().st_size < 1_000_000
    assert len(clip_frames) == 90
    assert all(f.shape == (360, 480, 3) for f in clip_frames)
    faces = meiyan.FaceTracker().track(clip_frames[0])
    assert len(faces) == 1
    x0, y0, x1, y1 = faces[0].box
    assert 80 < x1 - x0 < 200 and 0 <= y0 < y1 <= 360  # one real face, fully in the frame
    # The camera moves: consecutive frames differ, the clip is not a still.
    assert np.abs(clip_frames[0].astype(int) - clip_frames[10]).mean() > 5


def test_make_demo_clip_is_deterministic_and_matches_the_shipped_clip(tmp_path, clip_frames):
    spec = importlib.util.spec_from_file_location("make_demo_clip", ROOT / "tools" / "make_demo_clip.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    photo = tool.load_photo()  # from the pinned scikit-image wheel (downloaded into the source cache once)
    assert photo.shape == (512, 512, 3)
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    assert tool.main(["--out", str(a)]) == 0
    assert tool.main(["--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    synthesised = tool.frames(photo)
    assert len(synthesised) == len(clip_frames)
    # The shipped file decodes to what the tool synthesises, up to MPEG-4 compression.
    assert min(psnr(s, c) for s, c in zip(synthesised, clip_frames, strict=True)) > 30


# --- headless -------------------------------------------------------------------------------------


def test_headless_bundled_clip(tmp_path, clip_frames, capsys):
    out = tmp_path / "result.mp4"
    assert main(["demo", "--headless", "--output", str(out), "--preset", "party", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "synthetic camera motion" in printed  # says what the bundled clip is
    frames = read_video(out)
    assert len(frames) == len(clip_frames)
    assert all(f.shape == (360, 480, 3) for f in frames)
    # The party look (vivid filter, makeup, smoothing) changes the picture well beyond codec noise.
    for i in (0, 45, 89):
        assert psnr(frames[i], clip_frames[i]) < 30
        assert psnr(frames[i], clip_frames[i]) > 12  # the same picture, graded
    # Contact sheet: 6 columns of 240x180 tiles, input above, processed below.
    sheet = cv2.imread(str(tmp_path / "result_sheet.png"))
    assert sheet is not None and sheet.shape == (360, 6 * 240, 3)
    first_in = cv2.resize(clip_frames[0], (240, 180), interpolation=cv2.INTER_AREA)
    first_out = cv2.resize(frames[0], (240, 180), interpolation=cv2.INTER_AREA)
    below_caption = slice(30, 180)
    assert psnr(sheet[below_caption, :240], first_in[below_caption]) > 35
    assert psnr(sheet[180:][below_caption, :240], first_out[below_caption]) > 28
    assert psnr(sheet[180:][below_caption, :240], first_in[below_caption]) < 30


def test_headless_without_arguments_writes_to_the_default_place(tmp_path):
    out = run_demo("--headless", "--max-frames", "8", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = tmp_path / "meiyan-demo" / "demo_clip_demo.mp4"
    assert f"wrote {Path('meiyan-demo') / 'demo_clip_demo.mp4'}" in out.stdout
    assert len(read_video(result)) == 8
    assert (tmp_path / "meiyan-demo" / "demo_clip_demo_sheet.png").is_file()
    assert "8/8" in out.stderr  # the progress bar of meiyan apply's video loop
    assert "fps" in out.stdout and "tracking" in out.stdout


def test_headless_image_folder(tmp_path, clip_frames, sample_bgr):
    folder = tmp_path / "images"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), clip_frames[0])
    cv2.imwrite(str(folder / "b.jpg"), cv2.resize(clip_frames[30], (320, 240)))
    cv2.imwrite(str(folder / "c.png"), sample_bgr)
    (folder / "notes.txt").write_text("not an image")
    out = tmp_path / "out"
    assert main(["demo", "--headless", "--input", str(folder), "--output", str(out), "--filter", "mono",
                 "--quiet"]) == 0
    for name, src in (("a", clip_frames[0]), ("c", sample_bgr)):
        result = cv2.imread(str(out / f"{name}.png"))
        assert result.shape == src.shape
        b, g, r = cv2.split(result.astype(int))
        assert np.abs(b - r).mean() < 2 and np.abs(src[..., 0].astype(int) - src[..., 2]).mean() > 10
    assert cv2.imread(str(out / "b.png")).shape == (240, 320, 3)
    sheet = cv2.imread(str(out / "contact_sheet.png"))
    assert sheet.shape == (360, 3 * 240, 3)  # three images, tiles with the first image's aspect ratio


def test_contact_sheet_keeps_evenly_spread_frames_of_any_length():
    sheet = demo.ContactSheet(columns=4, tile_height=10)
    for i in range(1000):
        frame = np.full((20, 30, 3), i % 256, np.uint8)
        sheet.add(i, frame, frame)
    picked = sheet.indices()
    assert len(picked) == 4 and picked[0] == 0 and picked[-1] == 999
    assert all(abs(i - t) <= 128 for i, t in zip(picked, (0, 333, 666, 999), strict=True))  # stride 256 kept
    assert sheet.image().shape == (20, 4 * 15, 3)


# --- errors a user will hit -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--headless", "--input", "no/such/clip.mp4"], "input not found: no/such/clip.mp4"),
        (["--camera", "99"], "no camera 99"),
        (["--headless", "--camera", "0"], "--headless processes files"),
        (["--headless", "--preset", "nope"], "unknown preset 'nope'"),
    ],
)
def test_errors_are_plain_messages(args, message):
    out = run_demo(*args)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    if "camera" in args[0]:
        assert "--input FILE" in out.stderr


def test_unreadable_files_are_plain_messages(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00 this is not a video" * 100)
    out = run_demo("--headless", "--input", str(bad))
    assert out.returncode == 2 and f"cannot read {bad}" in out.stderr and "Traceback" not in out.stderr
    bad_image = tmp_path / "photo.png"
    bad_image.write_bytes(b"not a png")
    out = run_demo("--headless", "--input", str(bad_image), "--output", str(tmp_path / "o"))
    assert out.returncode == 2 and f"cannot decode image: {bad_image}" in out.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    out = run_demo("--headless", "--input", str(empty))
    assert out.returncode == 2 and f"no images in {empty}" in out.stderr


def test_no_display_suggests_headless_or_xvfb():
    # without the window's packages the demo first says to install them (the next test)
    pytest.importorskip("glfw")
    pytest.importorskip("moderngl")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    out = run_demo("--input", str(CLIP), env=env)
    assert out.returncode == 2, out.stderr
    assert "no display" in out.stderr and "--headless" in out.stderr and "xvfb-run" in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_window_packages_are_named():
    code = ("import sys; sys.modules['glfw'] = None; from meiyan.cli import main; "
            f"sys.exit(main(['demo', '--input', {str(CLIP)!r}]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stderr
    assert "needs glfw and moderngl" in out.stderr and "meiyan[demo]" in out.stderr and "--headless" in out.stderr
    assert "Traceback" not in out.stderr


def test_virtual_camera_without_a_device_says_why(monkeypatch):
    cam, text = demo.open_virtual_camera(64, 48, 15)
    if cam is not None:
        cam.close()
        pytest.skip("this machine has a virtual camera device")
    assert text.startswith("virtual camera: ")
    assert "no virtual camera device" in text or "not installed" in text
    monkeypatch.setitem(sys.modules, "pyvirtualcam", None)  # as if it were not installed
    cam, text = demo.open_virtual_camera(64, 48, 15)
    assert cam is None and "pip install 'meiyan[demo]'" in text


def test_feature_detection_matches_the_installed_api():
    f = demo.features()
    assert f.background == hasattr(meiyan.Engine, "set_background")
    assert f.effects == (importlib.util.find_spec("meiyan.effects") is not None
                         and hasattr(meiyan.Engine, "set_effect"))
    help_text = parser().parse_args(["demo", "--headless"])
    assert hasattr(help_text, "effect") == f.effects
    assert hasattr(help_text, "background") == f.background


# --- the window under Xvfb ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xvfb():
    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([exe, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 30)
        assert ready, "Xvfb did not start"
        display = f":{os.read(read_fd, 64).decode().strip()}"
        old = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = display
        yield display
        if old is None:
            del os.environ["DISPLAY"]
        else:
            os.environ["DISPLAY"] = old
    finally:
        os.close(read_fd)
        proc.terminate()
        proc.wait(10)


def screenshot(display: str) -> np.ndarray:
    """The whole X screen (BGR) through xwd: what the X server shows, not what GL thinks it drew."""
    raw = subprocess.run(["xwd", "-root", "-silent", "-display", display], capture_output=True, check=True).stdout
    header = np.frombuffer(raw[:100], ">u4")
    size, width, height, bits, line, colors = (int(header[i]) for i in (0, 4, 5, 11, 12, 19))
    assert int(header[7]) == 0 and bits in (24, 32)  # LSB first: B, G, R(, X)
    offset = size + 12 * colors
    rows = np.frombuffer(raw[offset:offset + line * height], np.uint8).reshape(height, line)
    return rows[:, :width * bits // 8].reshape(height, width, bits // 8)[..., :3].copy()


@pytest.fixture(scope="module")
def window(xvfb, tmp_path_factory):
    from meiyan import demo_ui

    save_dir = tmp_path_factory.mktemp("demo_window")
    args = parser().parse_args(["demo", "--input", str(CLIP), "--preset", "party", "--backend", "gl",
                                "--save-dir", str(save_dir)])
    w = demo_ui.DemoWindow(demo_ui.open_source(args), args)
    yield w
    w.close()


def video_region(image: np.ndarray, window) -> np.ndarray:
    x, y, w, h = window.video_rect
    return image[y:y + h, x:x + w]


def masked_psnr(shown: np.ndarray, expected: np.ndarray, window) -> float:
    """PSNR outside the FPS overlay box, with ``expected`` scaled to the video rectangle."""
    x, y, w, h = window.video_rect
    expected = cv2.resize(expected, (w, h), interpolation=cv2.INTER_LINEAR)
    keep = np.ones((h, w), bool)
    ox, oy, ow, oh = window.overlay_rect
    keep[max(0, oy - y):oy - y + oh, max(0, ox - x):ox - x + ow] = False
    return psnr(shown[keep], expected[keep])


def test_window_shows_the_processed_frame(window, xvfb):
    for _ in range(6):
        assert window.step()
    assert window.pipeline.engine.backend == "gl" and len(window.pipeline.faces) == 1
    images = {"read back": window.read_window()}
    if shutil.which("xwd"):  # x11-apps; tools/test_all.sh installs it
        wx, wy = window.glfw.get_window_pos(window.window)
        fw, fh = window.glfw.get_framebuffer_size(window.window)
        images["screenshot"] = screenshot(xvfb)[wy:wy + fh, wx:wx + fw]
    shot = images.get("screenshot", images["read back"])
    assert shot.shape == images["read back"].shape
    for image in images.values():
        shown = video_region(image, window)
        assert shown.mean() > 40  # not a black window
        match = masked_psnr(shown, window.output, window)
        assert match > 40  # measured 54 dB: GL's bilinear scaling against OpenCV's
        assert match > masked_psnr(shown, window.frame, window) + 10  # the processed frame, not the input (27 dB)
    # The panel and the overlay are drawn too: not the clear colour, and the overlay darkens the frame under it.
    assert shot[:, window.panel_x:].std() > 20
    x, y, w, h = window.video_rect
    ox, oy, ow, oh = window.overlay_rect
    assert ow > 100 and oh > 40
    under = cv2.resize(window.output, (w, h))[oy - y:oy - y + oh, ox - x:ox - x + ow]
    assert shot[oy:oy + oh, ox:ox + ow].mean() < under.mean() - 20
    assert set(window.timing.stages) >= {"capture", "tracking", "effects", "display"}
    assert window.timing.fps > 0


def test_window_split_shows_input_left_and_result_right(window):
    window.split = -1.0
    window.press("B")
    assert window.step()
    assert window.split == 0.5
    shown = video_region(window.read_window(), window)[120:]  # below the overlay
    h, w = shown.shape[:2]
    before = cv2.resize(window.frame, window.video_rect[2:])[120:]
    after = cv2.resize(window.output, window.video_rect[2:])[120:]
    left, right = slice(0, w // 2 - 4), slice(w // 2 + 4, w)
    for half, want, other in ((left, before, after), (right, after, before)):
        match = psnr(shown[:, half], want[:, half])
        assert match > 40 and match > psnr(shown[:, half], other[:, half]) + 10, half
    window.press("B")
    window.step()
    assert window.split < 0


def click(window, key: str, fraction: float = 0.5) -> None:
    """Moves the pointer onto a panel widget (at ``fraction`` of its width) and clicks it on the next step."""
    x0, y0, x1, y1 = window.panel.hits[key]
    sx, sy = window._pixel_scale()
    window.glfw.set_cursor_pos(window.window, (window.panel_x + x0 + fraction * (x1 - x0)) / sx, (y0 + y1) / 2 / sy)
    window.mouse.pressed = True
    window.mouse.down = True
    window.step()
    window.mouse.down = False


def test_window_panel_and_keys_drive_the_engine(window):
    click(window, "Presets/vintage")
    assert window.pipeline.preset == "vintage" and window.pipeline.engine.filter == "vintage"
    click(window, "Filters/mono")
    assert window.pipeline.engine.filter == "mono"
    click(window, "tabs/Beauty")
    window.step()  # lay out the new tab
    click(window, "Beauty/smoothing", fraction=0.75)
    assert window.pipeline.engine.beauty.smoothing == pytest.approx(0.75, abs=0.02)
    click(window, "tabs/Looks")
    window.step()
    presets = [None, *meiyan.preset_names()]
    current = presets.index(window.pipeline.preset)
    window.press("RIGHT")
    window.step()
    assert window.pipeline.preset == presets[(current + 1) % len(presets)]
    window.press("UP")
    window.step()
    assert window.pipeline.engine.filter != "mono"


def test_window_snapshot_record_and_virtual_camera(window):
    window.step()
    path = window.snapshot()
    assert path.suffix == ".png" and np.array_equal(cv2.imread(str(path)), window.output)
    assert "recording to" in window.toggle_record()
    for _ in range(5):
        window.step()
    text = window.toggle_record()
    assert text.startswith("recorded 5 frames to ")
    frames = read_video(Path(text.rsplit(" ", 1)[1]))
    assert len(frames) == 5 and frames[0].shape == window.output.shape
    text = window.toggle_virtual_camera()
    assert text.startswith("virtual camera: ")
    if window.virtual_camera is None:
        assert "no virtual camera device" in text or "not installed" in text
    else:
        window.toggle_virtual_camera()
    assert window.step()  # the demo goes on either way


def test_window_cli_runs_frames_and_exits(xvfb, tmp_path):
    out = run_demo("--input", str(CLIP), "--max-frames", "12", "--filter", "film", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "12 frames shown" in out.stdout


@pytest.mark.parametrize("mode", demo.BACKGROUND_MODES)
def test_pipeline_background_modes_and_effect(mode, clip_frames):
    """Every background mode the panel offers, with a bundled effect package, changes the frame."""
    pipe = demo.DemoPipeline()
    pipe.set_preset(None)
    pipe.set_effect("bunny_ears")
    pipe.set_background(mode)
    out = None
    for i, frame in enumerate(clip_frames[:4]):
        out, _ = pipe.process(frame, timestamp=i / 15)
    assert out is not None and pipe.faces
    assert psnr(out, clip_frames[3]) < 40  # the ears at least
    if mode != "none":
        mask = pipe.engine.person_mask
        assert mask is not None and 0.05 < float((mask > 0.5).mean()) < 0.95

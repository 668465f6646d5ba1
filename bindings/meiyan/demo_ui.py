"""The demo window: GLFW + moderngl, the frame on a textured quad, and a small immediate-mode control
panel drawn with OpenCV into a texture (mouse hit-tested, with keyboard shortcuts).

Every list in the panel (presets, filters, effect packages, parameters) is read from the installed
data and the parameter classes at start-up, so a new preset, filter, effect package or parameter
shows up without changes here.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import meiyan
from meiyan.beauty import SIGNED_FIELDS
from meiyan.demo import (
    BACKGROUND_MODES,
    CameraSource,
    DemoError,
    DemoPipeline,
    FrameSource,
    Recorder,
    effect_names,
    features,
    next_free_path,
    open_input,
    open_virtual_camera,
    resolve_backend,
)
from meiyan.draw import draw_faces

PANEL_WIDTH = 320
MIN_WINDOW_HEIGHT = 540
COLOR_SIGNED = frozenset({"brightness", "contrast", "saturation", "warmth"})
TABS = ("Looks", "Beauty", "Reshape", "Makeup", "Colour")
KEYS_HELP = [
    "B split  S snapshot  R record  V virtual cam",
    "Space pause  O overlay  M mesh  H panel",
    "Tab next tab  Left/Right preset  Up/Down filter",
    "E next effect  Esc/Q quit  drag on video: split",
]

# Panel colours (BGRA).
BG = (38, 38, 38, 255)
FG = (235, 235, 235, 255)
DIM = (150, 150, 150, 255)
ACCENT = (60, 170, 255, 255)
BUTTON = (70, 70, 70, 255)
BUTTON_ON = (40, 120, 220, 255)
BUTTON_HOT = (95, 95, 95, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass
class Mouse:
    """Mouse state in panel pixels for one frame; the press edges are consumed by the first widget hit."""

    x: float = -1.0
    y: float = -1.0
    down: bool = False
    pressed: bool = False
    right_pressed: bool = False
    wheel: float = 0.0


class Panel:
    """Immediate-mode widgets: call them every frame in layout order; each returns what the user did."""

    ROW = 24
    PAD = 8

    def __init__(self, width: int = PANEL_WIDTH) -> None:
        self.width = width
        self.scroll = 0.0
        self.active: str | None = None  # the slider being dragged
        self.canvas = np.zeros((1, width, 4), np.uint8)
        self.mouse = Mouse()
        self.hits: dict[str, tuple[int, int, int, int]] = {}  # "section/label" -> widget box, for scripts and tests
        self._section = ""
        self._y = 0
        self._content = 0

    def begin(self, height: int, mouse: Mouse) -> None:
        self.mouse = mouse
        if not mouse.down:
            self.active = None
        max_scroll = max(0, self._content - height)
        self.scroll = float(min(max(self.scroll - 40 * mouse.wheel, 0), max_scroll))
        self.canvas = np.zeros((height, self.width, 4), np.uint8)
        self.canvas[:] = BG
        self.hits = {}
        self._y = self.PAD - round(self.scroll)

    def end(self) -> np.ndarray:
        self._content = self._y + round(self.scroll) + self.PAD
        if self._content > self.canvas.shape[0]:  # a scroll bar when the content is taller than the window
            h = self.canvas.shape[0]
            bar = max(20, h * h // self._content)
            top = round(self.scroll / max(1, self._content - h) * (h - bar))
            cv2.rectangle(self.canvas, (self.width - 4, top), (self.width - 1, top + bar), DIM, -1)
        return self.canvas

    def _hit(self, x0: int, y0: int, x1: int, y1: int) -> bool:
        return x0 <= self.mouse.x < x1 and y0 <= self.mouse.y < y1

    def _text(self, text: str, x: int, y: int, color: tuple[int, ...] = FG, scale: float = 0.42) -> None:
        cv2.putText(self.canvas, text, (x, y), FONT, scale, color, 1, cv2.LINE_AA)

    def header(self, text: str) -> None:
        self._section = text
        self._y += 6
        self._text(text, self.PAD, self._y + 14, ACCENT, 0.5)
        self._y += 22

    def text(self, line: str) -> None:
        self._text(line, self.PAD, self._y + 13, DIM, 0.38)
        self._y += 17

    def _button(self, label: str, x0: int, y0: int, x1: int, y1: int, on: bool) -> bool:
        self.hits[f"{self._section}/{label}"] = (x0, y0, x1, y1)
        hot = self._hit(x0, y0, x1, y1)
        color = BUTTON_ON if on else (BUTTON_HOT if hot else BUTTON)
        cv2.rectangle(self.canvas, (x0, y0), (x1 - 1, y1 - 1), color, -1)
        size = cv2.getTextSize(label, FONT, 0.42, 1)[0]
        self._text(label, x0 + max(4, (x1 - x0 - size[0]) // 2), y0 + (y1 - y0 + size[1]) // 2)
        if hot and self.mouse.pressed:
            self.mouse.pressed = False
            return True
        return False

    def buttons(self, labels: list[str], selected: list[bool], columns: int = 2) -> int | None:
        """A grid of buttons; the index clicked, if any."""
        clicked = None
        gap = 4
        w = (self.width - 2 * self.PAD - (columns - 1) * gap) // columns
        for i, label in enumerate(labels):
            r, c = divmod(i, columns)
            x0 = self.PAD + c * (w + gap)
            y0 = self._y + r * (self.ROW + gap)
            if self._button(label, x0, y0, x0 + w, y0 + self.ROW, selected[i]):
                clicked = i
        rows = (len(labels) + columns - 1) // columns
        self._y += rows * (self.ROW + gap) + 2
        return clicked

    def tabs(self, names: tuple[str, ...], current: int) -> int:
        self._section = "tabs"
        clicked = self.buttons(list(names), [i == current for i in range(len(names))], columns=len(names))
        return current if clicked is None else clicked

    def slider(self, key: str, label: str, value: float, lo: float, hi: float) -> float | None:
        """A labelled slider; the new value while it is dragged, the neutral value on a right click."""
        self._text(label, self.PAD, self._y + 13)
        self._text(f"{value:+.2f}" if lo < 0 else f"{value:.2f}", self.width - self.PAD - 44, self._y + 13, DIM)
        x0, x1 = self.PAD, self.width - self.PAD
        y0, y1 = self._y + 18, self._y + 32
        cv2.rectangle(self.canvas, (x0, y0 + 5), (x1 - 1, y1 - 6), BUTTON, -1)
        zero = x0 + round((min(max(0.0, lo), hi) - lo) / (hi - lo) * (x1 - x0))
        pos = x0 + round((value - lo) / (hi - lo) * (x1 - x0))
        cv2.rectangle(self.canvas, (min(zero, pos), y0 + 5), (max(zero, pos), y1 - 6), BUTTON_ON, -1)
        cv2.rectangle(self.canvas, (pos - 3, y0), (pos + 3, y1 - 1), FG, -1)
        self.hits[f"{self._section}/{label}"] = (x0, y0, x1, y1)
        hot = self._hit(x0 - 4, y0, x1 + 4, y1)
        self._y += 38
        if hot and self.mouse.right_pressed:
            self.mouse.right_pressed = False
            return min(max(0.0, lo), hi)
        if hot and self.mouse.pressed:
            self.mouse.pressed = False
            self.active = key
        if self.active == key and self.mouse.down:
            new = lo + (self.mouse.x - x0) / (x1 - x0) * (hi - lo)
            new = round(min(max(new, lo), hi), 2)
            return new if new != value else None
        return None


def param_ranges(params: Any, signed: frozenset[str]) -> list[tuple[str, float, float]]:
    """(field, low, high) of every numeric field of a parameter dataclass."""
    out = []
    for f in dataclasses.fields(params):
        if isinstance(getattr(params, f.name), float):
            out.append((f.name, -1.0 if f.name in signed else 0.0, 1.0))
    return out


VERTEX_SHADER = """
#version 330 core
in vec2 in_unit;        // (0,0) top left .. (1,1) bottom right
uniform vec4 rect;      // left, top, right, bottom in clip space
out vec2 uv;
void main() {
    uv = in_unit;
    gl_Position = vec4(mix(rect.x, rect.z, in_unit.x), mix(rect.y, rect.w, in_unit.y), 0.0, 1.0);
}
"""

FRAGMENT_SHADER = """
#version 330 core
in vec2 uv;
uniform sampler2D image;   // BGR(A) rows top first, as OpenCV stores them
uniform sampler2D before;
uniform float split;       // < 0: no split; else the input shows left of this x (0..1)
uniform float line_width;  // of the split line, in uv units
out vec4 color;
void main() {
    vec4 c = (split >= 0.0 && uv.x < split) ? texture(before, uv) : texture(image, uv);
    if (split >= 0.0 && abs(uv.x - split) < line_width) c = vec4(1.0);
    color = c.bgra;
}
"""


@dataclass
class Timing:
    """Per-stage milliseconds and the frame rate, each the mean over the last ``window`` frames."""

    window: int = 30
    samples: dict[str, deque[float]] = field(default_factory=dict)
    ends: deque[float] = field(default_factory=lambda: deque(maxlen=31))

    def add(self, stage: str, seconds: float) -> None:
        self.samples.setdefault(stage, deque(maxlen=self.window)).append(1000.0 * seconds)

    def drop(self, stage: str) -> None:
        self.samples.pop(stage, None)

    @property
    def stages(self) -> dict[str, float]:
        return {k: sum(v) / len(v) for k, v in self.samples.items() if v}

    def frame_done(self, now: float) -> None:
        self.ends.append(now)

    @property
    def fps(self) -> float:
        if len(self.ends) < 2 or self.ends[-1] <= self.ends[0]:
            return 0.0
        return (len(self.ends) - 1) / (self.ends[-1] - self.ends[0])


class DemoWindow:
    """The window, its GL objects, the panel and the actions behind each control."""

    def __init__(self, source: FrameSource, args: argparse.Namespace, *, visible: bool = True) -> None:
        try:
            import glfw
            import moderngl  # noqa: F401  (checked here, used in _open)
        except ImportError as exc:
            raise DemoError(f"the demo window needs glfw and moderngl ({exc}): pip install 'meiyan[demo]', "
                            "or run meiyan demo --headless") from None
        self.glfw, self.source = glfw, source
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise DemoError("no display (DISPLAY is not set): run 'meiyan demo --headless', "
                            "or give the window a virtual display: xvfb-run -a meiyan demo ...")
        errors: list[str] = []
        glfw.set_error_callback(lambda code, text: errors.append(text.decode() if isinstance(text, bytes) else text))
        if not glfw.init():
            raise DemoError(f"no display: GLFW cannot start ({'; '.join(errors) or 'unknown error'}); "
                            "run 'meiyan demo --headless', or xvfb-run -a meiyan demo ...")
        try:
            self._open(source, args, visible, errors)
        except BaseException:
            glfw.terminate()
            raise

    def _open(self, source: FrameSource, args: argparse.Namespace, visible: bool, errors: list[str]) -> None:
        glfw = self.glfw
        import moderngl

        first = source.read()
        if first is None:
            raise DemoError(f"{source.name} gave no frame")
        self.frame: np.ndarray = cv2.flip(first, 1) if args.mirror else first
        h, w = self.frame.shape[:2]
        scale = min(1280 / w, 720 / h, max(1.0, MIN_WINDOW_HEIGHT / h))
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
        glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
        glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)
        glfw.window_hint(glfw.VISIBLE, visible)
        size = (round(w * scale) + PANEL_WIDTH, max(round(h * scale), MIN_WINDOW_HEIGHT))
        self.window = glfw.create_window(size[0], size[1], f"meiyan demo - {source.name}", None, None)
        if not self.window:
            raise DemoError(f"no display: cannot open an OpenGL 3.3 window ({'; '.join(errors) or 'unknown error'}); "
                            "run 'meiyan demo --headless', or xvfb-run -a meiyan demo ...")
        glfw.make_context_current(self.window)
        glfw.swap_interval(0)  # the loop paces itself; vsync would hide the display cost in the timings
        # GLFW's X11 build makes GLX contexts; name the runtime libGL (the unversioned one needs dev packages).
        linux: dict[str, Any] = {"libgl": "libGL.so.1"} if sys.platform.startswith("linux") else {}
        self.ctx = moderngl.create_context(require=330, **linux)
        self.program: Any = self.ctx.program(vertex_shader=VERTEX_SHADER, fragment_shader=FRAGMENT_SHADER)
        unit = np.array([0, 0, 1, 0, 0, 1, 1, 1], np.float32)
        self.vbo = self.ctx.buffer(unit.tobytes())
        self.vao = self.ctx.vertex_array(self.program, [(self.vbo, "2f", "in_unit")])
        self.textures: dict[str, Any] = {}

        backend = resolve_backend(args, str(self.ctx.info.get("GL_RENDERER", "")))
        # The GL engine renders on this window's context (its state is restored after each frame).
        self.pipeline = DemoPipeline(backend, gl_context="current" if backend == "gl" else "own", threads=args.threads)
        self.pipeline.apply_options(args)
        self.effects = effect_names()
        self.presets = meiyan.preset_names()
        self.filters = meiyan.filter_names()

        self.args = args
        self.panel = Panel()
        self.mouse = Mouse()
        self.keys: list[tuple[int, int]] = []
        self.tab = 0
        self.split = 0.5 if args.split else -1.0
        self.paused = False
        self.show_overlay = True
        self.show_panel = True
        self.show_mesh = False
        self.mirror = bool(args.mirror)
        self.save_dir: Path = args.save_dir
        self.recorder: Recorder | None = None
        self.virtual_camera: Any = None
        self.messages: list[tuple[str, float]] = []
        self.timing = Timing()
        self.frames_shown = 0
        self.output = self.frame
        self.video_rect = (0, 0, 1, 1)
        self.panel_x = 0
        self.overlay_rect = (0, 0, 0, 0)
        self.start = time.perf_counter()
        self._pending_first = True
        self.closed = False
        self._last_panel: np.ndarray | None = None
        self._last_overlay: np.ndarray | None = None
        glfw.set_key_callback(self.window, self._on_key)
        glfw.set_mouse_button_callback(self.window, self._on_mouse_button)
        glfw.set_scroll_callback(self.window, self._on_scroll)
        self.message(f"{source.name}: {w}x{h}, {self.pipeline.describe(renderer=False)}, {backend} renderer")

    # --- input --------------------------------------------------------------------------------------

    def _on_key(self, _window: Any, key: int, _scancode: int, action: int, mods: int) -> None:
        if action in (self.glfw.PRESS, self.glfw.REPEAT):
            self.keys.append((key, mods))

    def _on_mouse_button(self, _window: Any, button: int, action: int, _mods: int) -> None:
        if button == self.glfw.MOUSE_BUTTON_LEFT:
            self.mouse.down = action == self.glfw.PRESS
            self.mouse.pressed = self.mouse.pressed or action == self.glfw.PRESS
        elif button == self.glfw.MOUSE_BUTTON_RIGHT and action == self.glfw.PRESS:
            self.mouse.right_pressed = True

    def _on_scroll(self, _window: Any, _dx: float, dy: float) -> None:
        self.mouse.wheel += dy

    def press(self, key: str) -> None:
        """Acts as if a key were pressed (e.g. "B", "SPACE", "RIGHT"); for scripts and tests."""
        self.keys.append((getattr(self.glfw, f"KEY_{key.upper()}"), 0))

    def _handle_keys(self) -> None:
        g = self.glfw
        actions: dict[int, Callable[[], Any]] = {
            g.KEY_B: self.toggle_split, g.KEY_S: self.snapshot, g.KEY_R: self.toggle_record,
            g.KEY_V: self.toggle_virtual_camera, g.KEY_SPACE: self.toggle_pause, g.KEY_O: self.toggle_overlay,
            g.KEY_M: self.toggle_mesh, g.KEY_H: self.toggle_panel, g.KEY_E: lambda: self.step_effect(1),
            g.KEY_LEFT: lambda: self.step_preset(-1), g.KEY_RIGHT: lambda: self.step_preset(1),
            g.KEY_UP: lambda: self.step_filter(-1), g.KEY_DOWN: lambda: self.step_filter(1),
        }
        keys, self.keys = self.keys, []
        for key, mods in keys:
            if key in (g.KEY_ESCAPE, g.KEY_Q):
                g.set_window_should_close(self.window, True)
            elif key == g.KEY_TAB:
                self.tab = (self.tab + (-1 if mods & g.MOD_SHIFT else 1)) % len(TABS)
            elif key in actions:
                self._guarded(actions[key])

    def _guarded(self, action: Callable[[], Any]) -> None:
        """Runs a control's action; a bad value or a missing file becomes a message, not a crash."""
        try:
            action()
        except (ValueError, TypeError, FileNotFoundError, DemoError, meiyan.MeiyanError) as exc:
            self.message(f"error: {exc}")

    # --- actions ------------------------------------------------------------------------------------

    def message(self, text: str, seconds: float = 4.0) -> str:
        print(f"meiyan demo: {text}", flush=True)
        self.messages = [m for m in self.messages if m[1] > time.perf_counter()][-2:]
        self.messages.append((text, time.perf_counter() + seconds))
        return text

    def toggle_split(self) -> None:
        self.split = 0.5 if self.split < 0 else -1.0

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def toggle_overlay(self) -> None:
        self.show_overlay = not self.show_overlay

    def toggle_mesh(self) -> None:
        self.show_mesh = not self.show_mesh

    def toggle_panel(self) -> None:
        self.show_panel = not self.show_panel

    def snapshot(self) -> Path:
        """Writes the processed frame (no overlay, no split) as PNG."""
        path = next_free_path(self.save_dir, "snapshot", ".png")
        if not cv2.imwrite(str(path), self.output):
            raise DemoError(f"cannot write {path}")
        self.message(f"snapshot: {path}")
        return path

    def toggle_record(self) -> str:
        if self.recorder is None:
            h, w = self.output.shape[:2]
            path = next_free_path(self.save_dir, "recording", ".mp4")
            self.recorder = Recorder(path, self.source.fps, (w, h))
            return self.message(f"recording to {path} (R stops)")
        recorder, self.recorder = self.recorder, None
        return self.message(recorder.close())

    def toggle_virtual_camera(self) -> str:
        if self.virtual_camera is not None:
            self.virtual_camera.close()
            self.virtual_camera = None
            return self.message("virtual camera: stopped")
        h, w = self.output.shape[:2]
        self.virtual_camera, text = open_virtual_camera(w, h, self.source.fps)
        return self.message(text, seconds=8.0)

    def select_preset(self, name: str | None) -> None:
        self.pipeline.set_preset(name)

    def step_preset(self, delta: int) -> None:
        names: list[str | None] = [None, *self.presets]
        i = names.index(self.pipeline.preset) if self.pipeline.preset in names else 0
        self.select_preset(names[(i + delta) % len(names)])
        self.message(f"preset: {self.pipeline.preset or 'none'}", 1.5)

    def step_filter(self, delta: int) -> None:
        names: list[str | None] = [None, *self.filters]
        current = self.pipeline.engine.filter
        i = names.index(current) if current in names else 0
        self.pipeline.set_filter(names[(i + delta) % len(names)])
        self.message(f"filter: {self.pipeline.engine.filter or 'none'}", 1.5)

    def step_effect(self, delta: int) -> None:
        if not features().effects:
            return
        names: list[str | None] = [None, *self.effects]
        i = names.index(self.pipeline.effect) if self.pipeline.effect in names else 0
        self.pipeline.set_effect(names[(i + delta) % len(names)])
        self.message(f"effect: {self.pipeline.effect or 'none'}", 1.5)

    # --- the panel ----------------------------------------------------------------------------------

    def _build_panel(self, height: int, panel_x: int) -> np.ndarray:
        mx, my = self.glfw.get_cursor_pos(self.window)
        sx, sy = self._pixel_scale()
        mouse = dataclasses.replace(self.mouse, x=mx * sx - panel_x, y=my * sy)
        p = self.panel
        p.begin(height, mouse)
        p.header("meiyan demo")
        toggles = [("Split B", self.split >= 0, self.toggle_split), ("Snap S", False, self.snapshot),
                   ("Rec R", self.recorder is not None, self.toggle_record),
                   ("VCam V", self.virtual_camera is not None, self.toggle_virtual_camera),
                   ("Pause", self.paused, self.toggle_pause), ("Overlay O", self.show_overlay, self.toggle_overlay),
                   ("Mesh M", self.show_mesh, self.toggle_mesh), ("Mirror", self.mirror, self._toggle_mirror)]
        i = p.buttons([t[0] for t in toggles], [t[1] for t in toggles], columns=4)
        if i is not None:
            self._guarded(toggles[i][2])
        self.tab = p.tabs(TABS, self.tab)
        getattr(self, f"_tab_{TABS[self.tab].lower()}")(p)
        p.header("Keys")
        for line in KEYS_HELP:
            p.text(line)
        self.mouse.pressed = mouse.pressed  # unconsumed presses may still act on the video area
        self.mouse.right_pressed = False
        self.mouse.wheel = 0.0
        return p.end()

    def _toggle_mirror(self) -> None:
        self.mirror = not self.mirror

    def _tab_looks(self, p: Panel) -> None:
        p.header("Presets")
        names: list[str | None] = [None, *self.presets]
        i = p.buttons([n or "none" for n in names], [n == self.pipeline.preset for n in names])
        if i is not None:
            self._guarded(functools.partial(self.select_preset, names[i]))
        p.header("Filters")
        filters: list[str | None] = [None, *self.filters]
        current = self.pipeline.engine.filter
        i = p.buttons([n or "none" for n in filters], [n == current for n in filters], columns=3)
        if i is not None:
            self._guarded(functools.partial(self.pipeline.set_filter, filters[i]))
        value = p.slider("lut_intensity", "filter strength", self.pipeline.engine.params.lut_intensity, 0.0, 1.0)
        if value is not None:
            self._guarded(functools.partial(self.pipeline.engine.set_params, lut_intensity=value))
        if features().effects:
            p.header("Effect packages")
            effects: list[str | None] = [None, *self.effects]
            i = p.buttons([n or "none" for n in effects], [n == self.pipeline.effect for n in effects])
            if i is not None:
                self._guarded(functools.partial(self.pipeline.set_effect, effects[i]))
        if features().background:
            p.header("Background")
            modes = list(BACKGROUND_MODES)
            i = p.buttons(modes, [m == self.pipeline.background for m in modes], columns=len(modes))
            if i is not None:
                self._guarded(functools.partial(self.pipeline.set_background, modes[i]))

    def _sliders(self, p: Panel, group: str, params: Any, signed: frozenset[str],
                 setter: Callable[..., None], skip: tuple[str, ...] = ()) -> None:
        for name, lo, hi in param_ranges(params, signed):
            if name in skip:
                continue
            value = p.slider(f"{group}.{name}", name.replace("_", " "), getattr(params, name), lo, hi)
            if value is not None:
                self._guarded(functools.partial(setter, **{name: value}))

    def _tab_beauty(self, p: Panel) -> None:
        p.header("Beauty")
        self._sliders(p, "beauty", self.pipeline.engine.beauty, frozenset(), self.pipeline.engine.set_beauty)

    def _tab_reshape(self, p: Panel) -> None:
        p.header("Reshape")
        self._sliders(p, "reshape", self.pipeline.engine.reshape, SIGNED_FIELDS, self.pipeline.engine.set_reshape)

    def _tab_makeup(self, p: Panel) -> None:
        p.header("Makeup")
        self._sliders(p, "makeup", self.pipeline.engine.makeup, frozenset(), self.pipeline.engine.set_makeup)

    def _tab_colour(self, p: Panel) -> None:
        p.header("Colour")
        self._sliders(p, "colour", self.pipeline.engine.params, COLOR_SIGNED, self.pipeline.engine.set_params,
                      skip=("lut_intensity",))

    # --- drawing ------------------------------------------------------------------------------------

    def _pixel_scale(self) -> tuple[float, float]:
        """Framebuffer pixels per window coordinate (2 on a HiDPI screen)."""
        fw, fh = self.glfw.get_framebuffer_size(self.window)
        ww, wh = self.glfw.get_window_size(self.window)
        return fw / max(ww, 1), fh / max(wh, 1)

    def _texture(self, name: str, image: np.ndarray, linear: bool) -> Any:
        h, w = image.shape[:2]
        c = image.shape[2]
        tex = self.textures.get(name)
        if tex is None or tex.size != (w, h) or tex.components != c:
            if tex is not None:
                tex.release()
            tex = self.ctx.texture((w, h), c, alignment=1)
            filt = self.ctx.LINEAR if linear else self.ctx.NEAREST
            tex.filter = (filt, filt)
            tex.repeat_x = tex.repeat_y = False
            self.textures[name] = tex
        tex.write(np.ascontiguousarray(image).tobytes(), alignment=1)
        return tex

    def _overlay_image(self) -> np.ndarray:
        t = self.timing.stages
        out_h, out_w = self.output.shape[:2]
        lines = [(f"{self.timing.fps:5.1f} fps  {out_w}x{out_h}  {len(self.pipeline.faces)} face(s)", FG)]
        stages = "  ".join(f"{k} {t[k]:.1f}" for k in ("capture", "tracking", "effects", "display", "output") if k in t)
        lines.append((f"ms: {stages}", FG))
        lines.append((f"{self.pipeline.describe()}", DIM))
        if self.recorder is not None:
            lines.append((f"REC {self.recorder.frames / max(self.source.fps, 1):.1f} s", (60, 60, 255, 255)))
        if self.paused:
            lines.append(("paused", ACCENT))
        now = time.perf_counter()
        lines += [(text, ACCENT) for text, until in self.messages if until > now]
        width = min(self.video_rect[2], 20 + max(cv2.getTextSize(s, FONT, 0.42, 1)[0][0] for s, _ in lines))
        image = np.zeros((10 + 18 * len(lines), max(width, 1), 4), np.uint8)
        image[:] = (0, 0, 0, 150)
        for i, (s, color) in enumerate(lines):
            cv2.putText(image, s, (8, 20 + 18 * i), FONT, 0.42, color, 1, cv2.LINE_AA)
        return image

    def _layout(self) -> tuple[int, int, int]:
        fw, fh = self.glfw.get_framebuffer_size(self.window)
        area = fw - (PANEL_WIDTH if self.show_panel else 0)
        h, w = self.output.shape[:2]
        s = min(area / w, fh / h)
        vw, vh = max(1, round(w * s)), max(1, round(h * s))
        self.video_rect = ((area - vw) // 2, (fh - vh) // 2, vw, vh)
        return fw, fh, area

    def _quad(self, texture: Any, rect: tuple[int, int, int, int], fb: tuple[int, int], split: float = -1.0,
              before: Any = None) -> None:
        x, y, w, h = rect
        fw, fh = fb
        self.program["rect"].value = (2 * x / fw - 1, 1 - 2 * y / fh, 2 * (x + w) / fw - 1, 1 - 2 * (y + h) / fh)
        self.program["split"].value = split
        self.program["line_width"].value = 1.0 / max(w, 1)
        texture.use(0)
        (before or texture).use(1)
        self.program["image"].value = 0
        self.program["before"].value = 1
        self.vao.render(self.ctx.TRIANGLE_STRIP)

    def _draw(self, panel: np.ndarray | None, overlay: np.ndarray | None) -> None:
        fw, fh, area = self._layout()
        self.ctx.screen.use()
        self.ctx.viewport = (0, 0, fw, fh)
        self.ctx.disable(self.ctx.DEPTH_TEST | self.ctx.CULL_FACE)
        self.ctx.clear(0.06, 0.06, 0.06, 1.0)
        self._quad(self.textures["processed"], self.video_rect, (fw, fh), self.split, self.textures["before"])
        self.ctx.enable(self.ctx.BLEND)
        self.ctx.blend_func = self.ctx.SRC_ALPHA, self.ctx.ONE_MINUS_SRC_ALPHA
        if overlay is not None:
            x, y = self.video_rect[:2]
            self.overlay_rect = (x + 8, y + 8, overlay.shape[1], overlay.shape[0])
            self._quad(self.textures["overlay"], self.overlay_rect, (fw, fh))
        else:
            self.overlay_rect = (0, 0, 0, 0)
        if panel is not None:
            self._quad(self.textures["panel"], (area, 0, PANEL_WIDTH, fh), (fw, fh))
        self.ctx.disable(self.ctx.BLEND)

    def read_window(self) -> np.ndarray:
        """What the window shows now (BGR, top row first), drawn again into the back buffer and read back."""
        if "processed" not in self.textures:
            raise RuntimeError("read_window needs a frame shown first (call step())")
        self._draw(self._last_panel, self._last_overlay)
        fw, fh = self.glfw.get_framebuffer_size(self.window)
        data = self.ctx.screen.read(viewport=(0, 0, fw, fh), components=3, alignment=1)
        # moderngl selects a colour attachment as read buffer, which the default framebuffer lacks: GL flags
        # GL_INVALID_OPERATION and reads the back buffer anyway. Clear the flag so the engine's check stays clean.
        _ = self.ctx.error
        rgb = np.frombuffer(data, np.uint8).reshape(fh, fw, 3)[::-1]
        return np.ascontiguousarray(rgb[..., ::-1])

    # --- the loop -----------------------------------------------------------------------------------

    def step(self) -> bool:
        """Reads (unless paused), processes and shows one frame; False when the source has ended."""
        self.glfw.poll_events()
        self._handle_keys()
        t0 = time.perf_counter()
        if self._pending_first:
            self._pending_first = False
        elif not self.paused:
            frame = self.source.read()
            if frame is None:
                return False
            self.frame = cv2.flip(frame, 1) if self.mirror else frame
        t1 = time.perf_counter()
        out, times = self.pipeline.process(self.frame, t1 - self.start)
        if self.show_mesh:
            out = draw_faces(out, self.pipeline.faces)
        self.output = out
        t2 = time.perf_counter()
        if self.recorder is not None:
            self.recorder.write(out)
        if self.virtual_camera is not None:
            h, w = out.shape[:2]
            if (self.virtual_camera.width, self.virtual_camera.height) == (w, h):
                self.virtual_camera.send(out)
        t3 = time.perf_counter()
        fw, fh, area = self._layout()
        self._texture("processed", out, linear=True)
        self._texture("before", self.frame, linear=True)
        self.panel_x = area
        panel = self._build_panel(fh, area) if self.show_panel else None
        overlay = self._overlay_image() if self.show_overlay else None
        if panel is not None:
            self._texture("panel", panel, linear=False)
        if overlay is not None:
            self._texture("overlay", overlay, linear=False)
        self._last_panel, self._last_overlay = panel, overlay
        self._drag_split()
        self._draw(panel, overlay)
        self.glfw.swap_buffers(self.window)
        t4 = time.perf_counter()
        self.timing.add("capture", t1 - t0)
        self.timing.add("tracking", times.tracking)
        self.timing.add("effects", times.effects)
        if self.recorder is not None or self.virtual_camera is not None:
            self.timing.add("output", t3 - t2)
        else:
            self.timing.drop("output")
        self.timing.add("display", t4 - t3)
        self.timing.frame_done(t4)
        self.frames_shown += 1
        return True

    def _drag_split(self) -> None:
        """A press or drag on the video moves the split line (and turns the split on)."""
        x, y, w, h = self.video_rect
        mx, my = self.glfw.get_cursor_pos(self.window)
        sx, sy = self._pixel_scale()
        px, py = mx * sx, my * sy
        inside = x <= px < x + w and y <= py < y + h
        if inside and (self.mouse.pressed or (self.mouse.down and self.split >= 0)):
            self.split = min(max((px - x) / w, 0.0), 1.0)
        self.mouse.pressed = self.mouse.right_pressed = False
        self.mouse.wheel = 0.0

    def should_close(self) -> bool:
        return bool(self.glfw.window_should_close(self.window))

    def run(self, max_frames: int | None = None) -> int:
        """Until the window closes, the source ends or max_frames; files play at their own frame rate."""
        period = 0.0 if self.source.live else 1.0 / max(self.source.fps, 1.0)
        next_due = time.perf_counter()
        while not self.should_close() and (max_frames is None or self.frames_shown < max_frames):
            if not self.step():
                break
            if period:
                next_due += period
                delay = next_due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                else:
                    next_due = time.perf_counter()
        return self.frames_shown

    def close(self) -> None:
        """Finishes a recording, stops the virtual camera, releases the source and closes the window."""
        if self.closed:
            return
        self.closed = True
        if self.recorder is not None:
            self.message(self.recorder.close())
            self.recorder = None
        if self.virtual_camera is not None:
            self.virtual_camera.close()
            self.virtual_camera = None
        self.source.close()
        for tex in self.textures.values():
            tex.release()
        self.textures.clear()
        del self.pipeline  # its GL objects live in this context: free them while it is current
        self.glfw.destroy_window(self.window)
        self.glfw.terminate()


def open_source(args: argparse.Namespace) -> FrameSource:
    if args.input:
        return open_input(Path(args.input), loop=True, hold=30)
    return CameraSource(args.camera or 0, width=args.width, height=args.height)


def run_window(args: argparse.Namespace) -> int:
    source = open_source(args)  # a missing camera or file is reported before a window opens
    try:
        window = DemoWindow(source, args)
    except BaseException:
        source.close()
        raise
    try:
        n = window.run(args.max_frames)
        print(f"meiyan demo: {n} frames shown, {window.timing.fps:.1f} fps at the end")
    except KeyboardInterrupt:  # Ctrl-C in the terminal: close as the window's button would (finishing a recording)
        print("meiyan demo: interrupted")
    finally:
        window.close()
    return 0

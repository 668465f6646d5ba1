"""The Python face of the native engine: typed parameters, filters by name, NumPy in and out."""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from meiyan import _core
from meiyan.background import BackgroundMixin, BackgroundParams
from meiyan.beauty import (
    UV_LAYERS,
    BeautyParams,
    MakeupParams,
    Preset,
    ReshapeParams,
    bundled_makeup_mask,
    coverage_of,
    load_makeup_mask,
    load_preset,
)
from meiyan.face import FaceResult, FaceTracker
from meiyan.filters import load_filter

if TYPE_CHECKING:
    from meiyan.effects import EffectPackage

# The order of meiyan_expression (the bits of the engine's expression masks).
EXPRESSIONS = ("mouth_open", "blink_left", "blink_right", "brow_raise", "smile")

Backend = Literal["cpu", "gl"]
GlContext = Literal["own", "current"]
PixelFormat = Literal["rgba", "bgra", "rgb", "bgr", "nv12", "nv21", "i420"]


@dataclass(frozen=True)
class ColorParams:
    """Frame-wide colour grading. Zero is neutral for every field except ``lut_intensity``."""

    brightness: float = 0.0  # -1..1
    contrast: float = 0.0  # -1..1
    saturation: float = 0.0  # -1..1, -1 is greyscale
    warmth: float = 0.0  # -1..1, negative is cooler
    whitening: float = 0.0  # 0..1
    lut_intensity: float = 1.0  # 0..1, strength of the filter (LUT)

    def replace(self, **changes: float) -> ColorParams:
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown colour parameter(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)


class Engine(BackgroundMixin):
    """Processes frames through the effect stack on the CPU or with OpenGL.

    Args:
        backend: ``"cpu"`` (reference) or ``"gl"`` (OpenGL 3.3 core / GLES 3.0).
        gl_context: ``"own"`` makes a headless EGL context; ``"current"`` renders on the context
            current on the calling thread (e.g. one made by moderngl).
        filter: a bundled filter name (see :func:`meiyan.filter_names`) or a ``.cube`` path.
        params: colour parameters; keyword arguments override single fields.
        tracker: a face tracker; each processed frame's faces then drive the face effects.
        beauty: face beautification (needs faces: a tracker, or :meth:`set_faces`).
        reshape: face reshaping (needs faces, as beauty).
        makeup: lipstick, blush, brow tint, eyeshadow, eyeliner, lashes, contour, highlight (needs faces,
            as beauty), contact lenses (needs iris points: see :meth:`set_makeup`).
        background: blur, a colour or an image behind the person (:meth:`set_background`).
        effect: an effect package (bundled name, folder/.zip path or :class:`meiyan.effects.EffectPackage`):
            stickers and face masks drawn on every face, and its look.
    """

    def __init__(
        self,
        backend: Backend = "cpu",
        *,
        gl_context: GlContext = "own",
        filter: str | Path | None = None,
        params: ColorParams | None = None,
        tracker: FaceTracker | None = None,
        beauty: BeautyParams | None = None,
        reshape: ReshapeParams | None = None,
        makeup: MakeupParams | None = None,
        effect: str | Path | EffectPackage | None = None,
        background: BackgroundParams | None = None,
        **color: float,
    ) -> None:
        self._native = _core.Engine(backend, gl_context)
        self._params = ColorParams()
        self._filter: str | None = None
        self.tracker = tracker
        self._faces: list[FaceResult] = []
        self._beauty = BeautyParams()
        self.set_params(params, **color)
        self._reshape = ReshapeParams()
        if beauty is not None:
            self.set_beauty(beauty)
        if reshape is not None:
            self.set_reshape(reshape)
        self._makeup = MakeupParams()
        if makeup is not None:
            self.set_makeup(makeup)
        if filter is not None:
            self.set_filter(filter)
        self._effect: EffectPackage | None = None
        self._t0 = time.monotonic()
        self._last_time = -math.inf
        if effect is not None:
            self.set_effect(effect)
        self._background = BackgroundParams()
        if background is not None:
            self.set_background(background)

    @property
    def backend(self) -> str:
        return self._native.backend

    @property
    def renderer_name(self) -> str:
        return self._native.renderer_name

    @property
    def params(self) -> ColorParams:
        return self._params

    @property
    def filter(self) -> str | None:
        return self._filter

    @property
    def faces(self) -> list[FaceResult]:
        """The faces the tracker found in the last processed frame (empty without a tracker)."""
        return self._faces

    def set_params(self, params: ColorParams | None = None, **changes: float) -> None:
        """Sets colour parameters; out-of-range values raise ValueError and change nothing."""
        new = (params or self._params).replace(**changes)
        self._native.set_color(**dataclasses.asdict(new))
        self._params = new

    @property
    def beauty(self) -> BeautyParams:
        return self._beauty

    def set_beauty(self, params: BeautyParams | None = None, **changes: float) -> None:
        """Sets beauty parameters; out-of-range values raise ValueError and change nothing."""
        new = (params or self._beauty).replace(**changes)
        self._native.set_beauty(**dataclasses.asdict(new))
        self._beauty = new

    @property
    def reshape(self) -> ReshapeParams:
        return self._reshape

    def set_reshape(self, params: ReshapeParams | None = None, **changes: float) -> None:
        """Sets reshape parameters; out-of-range values raise ValueError and change nothing."""
        new = (params or self._reshape).replace(**changes)
        self._native.set_reshape(**dataclasses.asdict(new))
        self._reshape = new

    @property
    def makeup(self) -> MakeupParams:
        return self._makeup

    def set_makeup(self, params: MakeupParams | None = None, **changes: Any) -> None:
        """Sets makeup parameters; bad values raise ValueError naming the field and change nothing.
        A UV-layout layer switched on without a mask of its own gets the bundled one.

        ``contacts`` (coloured contact lenses) needs the faces' iris points: with a tracker that gives
        none (made without ``iris=True``, or no iris network in its models folder) switching it on
        raises ValueError; faces given by :meth:`set_faces` without iris points are left as they are."""
        new = (params or self._makeup).replace(**changes)
        if new.contacts > 0 and self.tracker is not None and not self.tracker.has_iris:
            raise ValueError("contacts needs iris points: make the tracker with FaceTracker(iris=True) (and a models "
                             "folder with the iris_landmark network)")
        kwargs = new.native_kwargs()
        for layer in new.uv_layers_on():
            if not self._native.has_makeup_mask(layer):
                self._native.set_makeup_mask(layer, bundled_makeup_mask(layer))
        self._native.set_makeup(**kwargs)
        self._makeup = new

    def set_makeup_mask(self, layer: str, mask: str | Path | np.ndarray | None) -> None:
        """The mask of a UV-layout makeup layer (eyeshadow, eyeliner, lashes, contour, highlight): a PNG
        path or an image painted in the face UV layout (docs/face_uv_layout.md; the alpha channel is the
        coverage, or the grey level where there is none), or None for the bundled one."""
        if layer not in UV_LAYERS:
            raise ValueError(f"unknown makeup mask layer {layer!r} (known: {', '.join(UV_LAYERS)})")
        if mask is None:
            coverage = bundled_makeup_mask(layer)
        elif isinstance(mask, (str, Path)):
            coverage = load_makeup_mask(mask)
        else:
            coverage = coverage_of(mask)
        self._native.set_makeup_mask(layer, coverage)

    def set_preset(self, preset: str | Path | Preset) -> Preset:
        """Applies a look (bundled name, JSON path or Preset): beauty, reshape, makeup and its filter."""
        p = preset if isinstance(preset, Preset) else load_preset(preset)
        self.set_beauty(p.beauty)
        self.set_reshape(p.reshape)
        self.set_makeup(p.makeup)
        self.set_filter(p.filter, intensity=p.filter_intensity if p.filter else None)
        return p

    def set_faces(self, landmarks: list[np.ndarray] | list[FaceResult],
                  iris: list[np.ndarray | None] | None = None) -> None:
        """The faces the face effects act on until the next call: (468, 2|3) arrays in frame pixels,
        or tracker results (whose ids, pose, expressions and iris points then drive the effects).
        ``iris``, with arrays: per face None or its 10 iris points ((10, 2|3): the right eye's centre
        and 4 boundary points, then the left eye's), which the contacts makeup layer needs.

        With a tracker the engine calls this itself on every frame.
        """
        faces = list(landmarks)
        if faces and all(isinstance(f, FaceResult) for f in faces):
            results: list[FaceResult] = faces  # type: ignore[assignment]
            self._native.set_faces(
                [f.landmarks for f in results], ids=[f.id for f in results], yaws=[f.pose.yaw for f in results],
                scales=[f.pose.scale for f in results],
                expressions=[sum(1 << k for k, name in enumerate(EXPRESSIONS) if f.expressions_active.get(name))
                             for f in results],
                iris=[f.iris for f in results])
        else:
            # arrays; the binding checks each
            self._native.set_faces(faces, iris=iris)  # type: ignore[arg-type]

    @property
    def effect(self) -> EffectPackage | None:
        return self._effect

    def set_effect(self, effect: str | Path | EffectPackage | None, *, apply_look: bool = True) -> None:
        """Draws an effect package on every face from the next frame on (None: none); with
        ``apply_look`` its look (preset, beauty, makeup, filter) is set too. Triggers restart."""
        from meiyan import effects

        pkg = effect if isinstance(effect, effects.EffectPackage) or effect is None else effects.load(effect)
        self._native.set_effect(None if pkg is None else pkg.native)
        self._effect = pkg
        if pkg is not None and apply_look:
            effects.apply_look(self, pkg)

    def set_filter(self, name_or_path: str | Path | None, intensity: float | None = None) -> None:
        """Sets the LUT filter by bundled name or .cube path; None removes it."""
        if name_or_path is None:
            self._native.set_lut(None)
            self._filter = None
        else:
            self._native.set_lut(load_filter(name_or_path))
            self._filter = str(name_or_path)
        if intensity is not None:
            self.set_params(lut_intensity=intensity)

    def set_lut(self, lut: _core.Lut | None) -> None:
        self._native.set_lut(lut)
        self._filter = None if lut is None else "<custom>"

    def process(
        self,
        image: np.ndarray,
        *,
        format: PixelFormat | None = None,
        out: np.ndarray | None = None,
        out_format: PixelFormat | None = None,
        timestamp: float | None = None,
        camera_rotation: int = 0,
    ) -> np.ndarray:
        """Processes one frame and returns the result (``out`` when given).

        3-channel arrays are taken as BGR and 4-channel ones as RGBA unless ``format`` says
        otherwise; YUV frames are 2-D arrays of shape (H*3/2, W). The input is read in place
        when its rows are contiguous; ``out`` may be the input itself. With a tracker, the faces
        of this frame are in :attr:`faces` afterwards (``timestamp`` in seconds, for smoothing).
        """
        if not isinstance(image, np.ndarray):
            raise TypeError(f"image must be a numpy.ndarray, got {type(image).__name__}")
        ts = time.monotonic() - self._t0 if timestamp is None else float(timestamp)
        if not math.isfinite(ts) or ts < self._last_time:
            raise ValueError(f"timestamp must be finite and must not go backwards (last {self._last_time}, got {ts})")
        if self.tracker is not None:
            fmt = format or ("bgr" if image.ndim == 3 and image.shape[2] == 3 else "rgba")
            # the tracker reads packed frames where they are; other formats it converts to RGBA
            self._faces = self.tracker.track(image, timestamp=ts, camera_rotation=camera_rotation, format=fmt)
            self.set_faces(self._faces)
        self._native.set_frame_time(ts)
        self._last_time = ts
        return self._native.process(image, format=format, out=out, out_format=out_format)

    def process_texture(self, in_texture: int, out_texture: int, width: int, height: int) -> None:
        """GL backend with gl_context="current": renders texture ``in_texture`` into ``out_texture``."""
        self._native.process_texture(in_texture, out_texture, width, height)


def gl_status() -> tuple[bool, str]:
    """(True, renderer string) when an OpenGL engine can be made here, else (False, the reason)."""
    if not _core.gl_built:
        return False, "this build of meiyan has no OpenGL renderer"
    try:
        engine = _core.Engine("gl", "own")
    except (_core.MeiyanError, RuntimeError) as exc:
        return False, str(exc)
    return True, engine.renderer_name

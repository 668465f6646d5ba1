"""Background effects: blur, a colour or an image behind the person.

>>> engine = meiyan.Engine("cpu")
>>> engine.set_background(mode="blur", strength=0.6)   # segmentation starts with the shipped model
>>> engine.set_background(mode="color", color=(0.1, 0.8, 0.2))
>>> engine.set_background(mode="image", image=cv2.imread("beach.jpg"))
>>> engine.set_background(mode="none")
>>> engine.person_mask                                   # HxW float32 of the last frame
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from meiyan import _core

BackgroundMode = Literal["none", "blur", "color", "image"]
MODES = ("none", "blur", "color", "image")


@dataclass(frozen=True)
class BackgroundParams:
    """What to draw behind the person. Out-of-range values raise ValueError naming the field."""

    mode: BackgroundMode = "none"
    strength: float = 0.6  # blur: lens radius = strength * 5% of the frame's short side (0..1)
    color: tuple[float, float, float] = (0.0, 0.0, 0.0)  # mode "color": RGB 0..1
    image: npt.NDArray[np.uint8] | None = field(default=None, compare=False)  # (H, W, 3) BGR or (H, W, 4) RGBA
    feather: float = 0.3  # 0: a steep person edge .. 1: the segmenter's soft probabilities

    def replace(self, **changes: Any) -> BackgroundParams:
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown background parameter(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def native_kwargs(self) -> dict[str, Any]:
        if self.mode not in MODES:
            raise ValueError(f"background mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        strength = float(self.strength)
        if not 0.0 <= strength <= 1.0:  # (the native check calls it "blur")
            raise ValueError(f"background strength must be in [0, 1], got {self.strength}")
        if len(self.color) != 3:
            raise ValueError(f"background color must be 3 values (R, G, B in 0..1), got {self.color!r}")
        if self.mode == "image" and self.image is None:
            raise ValueError("background image: mode 'image' needs an image")
        return {"mode": self.mode, "blur": strength, "color": tuple(float(c) for c in self.color),
                "image": self.image if self.mode == "image" else None, "feather": float(self.feather)}


class BackgroundMixin:
    """The Engine's background methods (see :class:`meiyan.Engine`)."""

    _native: _core.Engine
    _background: BackgroundParams
    _own_mask: bool = False  # set_person_mask gave a mask

    @property
    def background(self) -> BackgroundParams:
        return self._background

    def set_background(self, params: BackgroundParams | BackgroundMode | None = None, **changes: Any) -> None:
        """Sets the background effect: ``set_background(mode="blur", strength=0.6)``,
        ``set_background("color", color=(r, g, b))``, ``set_background("image", image=bgr)``,
        ``set_background("none")``; or a :class:`BackgroundParams`. Fields not given keep their
        values. A mode other than "none" starts segmentation with the shipped model unless
        :meth:`enable_segmentation` or :meth:`set_person_mask` supplied the mask. Bad values raise
        ValueError (TypeError for a wrong image type) and change nothing.
        """
        if isinstance(params, str):
            changes = {"mode": params, **changes}
            params = None
        new = (params or self._background).replace(**changes)
        kwargs = new.native_kwargs()
        if new.mode != "none" and not self._native.segmentation and not self._own_mask:
            self._native.set_background(**{**kwargs, "mode": "none"})  # checks the values before loading the model
            try:
                self.enable_segmentation()
            except Exception:
                self._native.set_background(**self._background.native_kwargs())
                raise
        self._native.set_background(**kwargs)
        self._background = new

    def enable_segmentation(
        self,
        models_dir: str | Path | None = None,
        *,
        interval: int = 2,
        smoothing: float = 0.7,
        refine: bool = True,
    ) -> None:
        """Segments every processed frame while a background mode is set: the network (the shipped
        ``selfie_segmentation.fp32.mynn`` by default) on every ``interval``-th frame (1..10), its
        unsure pixels blended with earlier frames (``smoothing`` 0..0.95), the edge refined against
        each frame (``refine``)."""
        from meiyan.onnx_backend import default_models_dir

        root = Path(models_dir) if models_dir is not None else default_models_dir()
        self._native.enable_segmentation(str(root), interval=interval, smoothing=smoothing, refine=refine)

    def disable_segmentation(self) -> None:
        self._native.disable_segmentation()

    @property
    def segmentation_stats(self) -> dict[str, Any]:
        """Frames, network runs and the seconds spent in each stage (empty without segmentation)."""
        return dict(self._native.segmentation_stats())

    def set_person_mask(self, mask: npt.NDArray[Any] | None) -> None:
        """A person mask of your own, (H, W) float 0..1 or uint8, any size (it covers the frame):
        used while the engine's segmentation is off. None removes it."""
        self._native.set_person_mask(mask)
        self._own_mask = mask is not None

    @property
    def person_mask(self) -> npt.NDArray[np.float32] | None:
        """The person mask of the last frame drawn with a background, (H, W) float32 0..1, as the
        renderers upsample it (before the feather curve); None before the first."""
        mask: npt.NDArray[np.float32] | None = self._native.person_mask
        return mask


def segmenter(
    models_dir: str | Path | None = None, *, interval: int = 2, smoothing: float = 0.7, refine: bool = True,
    threads: int = 1,
) -> _core.PersonSegmenter:
    """A stand-alone :class:`meiyan._core.PersonSegmenter` on the shipped model (for tools and benchmarks)."""
    from meiyan.onnx_backend import default_models_dir

    root = Path(models_dir) if models_dir is not None else default_models_dir()
    return _core.PersonSegmenter(str(root), interval=interval, smoothing=smoothing, refine=refine, threads=threads)


# ---------------------------------------------------------------------------------------------
# `meiyan apply` options


def parse_color(text: str) -> tuple[float, float, float]:
    """``R,G,B`` in 0..1 or ``#rrggbb``."""
    t = text.strip()
    try:
        if t.startswith("#") and len(t) == 7:
            return (int(t[1:3], 16) / 255.0, int(t[3:5], 16) / 255.0, int(t[5:7], 16) / 255.0)
        parts = [float(p) for p in t.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 3:
        raise ValueError(f"--background-color must be R,G,B in 0..1 or #rrggbb, got {text!r}")
    return (parts[0], parts[1], parts[2])


def add_cli_options(parser: Any) -> None:
    """The background options of ``meiyan apply``."""
    parser.add_argument("--background", choices=MODES, default=None,
                        help="blur, replace with a colour or an image, behind the person (segments every frame)")
    parser.add_argument("--background-strength", type=float, default=None, help="blur strength 0..1 (default 0.6)")
    parser.add_argument("--background-color", type=parse_color, default=None, help="R,G,B in 0..1 or #rrggbb")
    parser.add_argument("--background-image", type=Path, default=None, help="image drawn behind the person")
    parser.add_argument("--feather", type=float, default=None, help="person edge softness 0..1 (default 0.3)")


def apply_cli_options(engine: BackgroundMixin, args: Any) -> None:
    """Sets the engine's background from ``meiyan apply``'s options (nothing when --background is absent)."""
    mode = getattr(args, "background", None)
    if mode is None:
        for option in ("background_strength", "background_color", "background_image", "feather"):
            if getattr(args, option, None) is not None:
                raise ValueError(f"--{option.replace('_', '-')} needs --background")
        return
    changes: dict[str, Any] = {"mode": mode}
    if args.background_strength is not None:
        changes["strength"] = args.background_strength
    if args.background_color is not None:
        changes["color"] = args.background_color
    if args.feather is not None:
        changes["feather"] = args.feather
    if args.background_image is not None:
        from meiyan import media

        changes["image"] = media.read_image(args.background_image)
    elif mode == "image":
        raise ValueError("--background image needs --background-image PATH")
    engine.set_background(**changes)

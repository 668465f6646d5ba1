"""meiyan: real-time on-device face effects.

>>> import meiyan
>>> engine = meiyan.Engine(backend="cpu", filter="film", brightness=0.2)
>>> out = engine.process(bgr_image)  # HxWx3 uint8 BGR (as OpenCV gives) or HxWx4 RGBA
"""

from meiyan import effects
from meiyan._core import (
    GLError,
    Lut,
    MeiyanError,
    UnsupportedError,
    convert,
    cpu_features,
    resize,
    rotate,
    simd_active,
    simd_detected,
    simd_force,
)
from meiyan._core import __version__ as __version__
from meiyan.background import BackgroundParams
from meiyan.beauty import BeautyParams, MakeupParams, Preset, ReshapeParams, load_preset, preset_names
from meiyan.engine import ColorParams, Engine, gl_status
from meiyan.face import FaceResult, FaceTracker, HeadPose
from meiyan.filters import filter_names, filter_path, load_filter

__all__ = [
    "BackgroundParams",
    "BeautyParams",
    "ColorParams",
    "Engine",
    "FaceResult",
    "FaceTracker",
    "GLError",
    "HeadPose",
    "Lut",
    "MakeupParams",
    "MeiyanError",
    "Preset",
    "ReshapeParams",
    "UnsupportedError",
    "convert",
    "cpu_features",
    "effects",
    "filter_names",
    "filter_path",
    "gl_status",
    "load_filter",
    "load_preset",
    "preset_names",
    "resize",
    "rotate",
    "simd_active",
    "simd_detected",
    "simd_force",
]

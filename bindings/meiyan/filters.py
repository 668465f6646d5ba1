"""The bundled colour filters: 3D LUTs in data/luts, made by tools/generate_luts.py."""

from __future__ import annotations

from pathlib import Path

from meiyan._core import Lut

LUT_DIR = Path(__file__).parent / "data" / "luts"


def filter_names() -> list[str]:
    """Names of the bundled filters, sorted."""
    return sorted(p.stem for p in LUT_DIR.glob("*.cube"))


def filter_path(name_or_path: str | Path) -> Path:
    """Resolves a bundled filter name or a path to a .cube file.

    Raises ValueError for an unknown name and FileNotFoundError for a missing path.
    """
    text = str(name_or_path)
    if text.endswith(".cube") or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_file():
            raise FileNotFoundError(f"LUT file not found: {path}")
        return path
    path = LUT_DIR / f"{text}.cube"
    if not path.is_file():
        raise ValueError(f"unknown filter {text!r}; bundled filters: {', '.join(filter_names())}")
    return path


def load_filter(name_or_path: str | Path) -> Lut:
    """Loads a bundled filter by name, or any .cube file by path."""
    return Lut.load(str(filter_path(name_or_path)))

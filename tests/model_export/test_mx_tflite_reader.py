"""The flatbuffer reader on the real MediaPipe files and on damaged ones."""

from __future__ import annotations

import pytest

from model_export.specs import MODELS
from model_export.tflite_reader import TFLiteFormatError, read_tflite

EXPECTED_INPUT = {
    "face_detection_short_range": (1, 128, 128, 3),
    "face_detection_full_range": (1, 192, 192, 3),
    "face_landmark": (1, 192, 192, 3),
    "iris_landmark": (1, 64, 64, 3),
    "selfie_segmentation": (1, 256, 256, 3),
}


@pytest.mark.parametrize("spec", MODELS, ids=lambda s: s.task)
def test_reads_source_models(spec, tflite_bytes):
    m = read_tflite(spec.member, tflite_bytes[spec.task])
    assert m.tensors[m.inputs[0]].shape == EXPECTED_INPUT[spec.task]
    assert tuple(m.tensors[i].name for i in m.outputs) == spec.tflite_output_names
    hist = m.op_histogram()
    assert hist.get("CONV_2D", 0) > 10
    # every operator's tensors exist and constant weights have data
    for op in m.operators:
        if op.op in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            w = m.tensors[op.inputs[1]]
            producers = [o for o in m.operators if w.index in o.outputs]
            assert w.data is not None or producers


def test_sparse_and_custom_ops_are_parsed(tflite_bytes):
    full = read_tflite("full", tflite_bytes["face_detection_full_range"])
    assert full.op_histogram()["DENSIFY"] == 46
    sparse = [t for t in full.tensors if t.sparsity is not None]
    assert sparse and all(t.dtype.name == "float16" for t in sparse)
    seg = read_tflite("seg", tflite_bytes["selfie_segmentation"])
    custom = [op for op in seg.operators if op.op == "Convolution2DTransposeBias"]
    assert len(custom) == 1 and len(custom[0].custom_options) >= 12


def test_corrupt_file_gives_clear_error(tmp_path, tflite_bytes):
    data = bytearray(tflite_bytes["face_detection_short_range"])
    data[4:8] = b"XXXX"
    bad = tmp_path / "bad_ident.tflite"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="bad_ident.tflite"):
        read_tflite(bad)
    # damage the root table offset
    data = bytearray(tflite_bytes["face_detection_short_range"])
    data[0:4] = (len(data) + 1000).to_bytes(4, "little")
    bad2 = tmp_path / "bad_root.tflite"
    bad2.write_bytes(bytes(data))
    with pytest.raises(TFLiteFormatError, match="bad_root.tflite"):
        read_tflite(bad2)


@pytest.mark.parametrize("keep", [0.02, 0.5, 0.98])
def test_truncated_file_gives_clear_error(tmp_path, tflite_bytes, keep):
    data = tflite_bytes["face_landmark"]
    p = tmp_path / f"trunc_{keep}.tflite"
    p.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match=p.name):
        read_tflite(p)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.tflite"):
        read_tflite(tmp_path / "nope.tflite")

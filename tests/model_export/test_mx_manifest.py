"""models/manifest.json describes the shipped files exactly."""

from __future__ import annotations

import hashlib
import json

import pytest

from model_export.sources import MEDIAPIPE
from model_export.specs import MODELS

TASKS = {s.task for s in MODELS}


@pytest.fixture(scope="module")
def manifest(models_dir):
    return json.loads((models_dir / "manifest.json").read_text())


def test_every_file_matches_manifest(manifest, models_dir):
    totals = {".onnx": 0, ".mynn": 0}
    for name, e in manifest["models"].items():
        data = (models_dir / name).read_bytes()
        assert len(data) == e["size"], name
        assert hashlib.sha256(data).hexdigest() == e["sha256"], name
        totals[name[name.rindex(".") :]] += len(data)
    assert totals[".onnx"] == manifest["total_size"]
    assert totals[".onnx"] <= 8 * 1024 * 1024  # the ONNX set's budget
    assert totals[".mynn"] == manifest["native_total_size"]
    on_disk = {p.name for p in models_dir.iterdir() if p.suffix in (".onnx", ".mynn")}
    assert on_disk == set(manifest["models"]) | set(manifest.get("trained", {}))


def test_manifest_content(manifest):
    tasks = {e["task"] for e in manifest["models"].values()}
    assert tasks == TASKS
    for name, e in manifest["models"].items():
        src = e["source"]
        assert src["package"] == "mediapipe" and src["version"] == MEDIAPIPE.version
        assert MEDIAPIPE.members[src["file"]] == src["sha256"]
        assert e["normalization"]["color"] == "RGB"
        assert e["normalization"]["range"] in ([-1.0, 1.0], [0.0, 1.0])
        assert e["inputs"][0]["shape"][0] == 1 and e["inputs"][0]["shape"][3] == 3
        assert e["precision"] in ("fp32", "int8")
        if name.endswith(".mynn"):  # the native engine's copy of a shipped ONNX file
            src_name = e["converted_from"]["name"]
            assert src_name == f"{e['task']}.{e['precision']}.onnx"
            if src_name in manifest["models"]:  # else built but not shipped (the fp32 full-range detector)
                assert e["converted_from"]["sha256"] == manifest["models"][src_name]["sha256"]
            continue
        assert name == f"{e['task']}.{e['precision']}.onnx"
        if e["precision"] == "int8":
            assert e["quantization"]["format"] == "QDQ"
            assert "int8_vs_fp32" in e["metrics"]


def test_io_names_match_files(manifest, models_dir):
    ort = pytest.importorskip("onnxruntime")
    for name, e in manifest["models"].items():
        if not name.endswith(".onnx"):
            continue
        s = ort.InferenceSession(str(models_dir / name), providers=["CPUExecutionProvider"])
        assert [i.name for i in s.get_inputs()] == [i["name"] for i in e["inputs"]]
        assert [o.name for o in s.get_outputs()] == [o["name"] for o in e["outputs"]]
        assert list(s.get_inputs()[0].shape) == e["inputs"][0]["shape"]


def test_int8_files_are_quantised(manifest, models_dir):
    onnx = pytest.importorskip("onnx")
    for name, e in manifest["models"].items():
        if e["precision"] != "int8" or not name.endswith(".onnx"):
            continue
        m = onnx.load(str(models_dir / name))
        ops = {n.op_type for n in m.graph.node}
        assert "QuantizeLinear" in ops and "DequantizeLinear" in ops
        int8_weights = [i for i in m.graph.initializer if i.data_type == onnx.TensorProto.INT8]
        assert int8_weights, name


def test_notice(models_dir):
    text = (models_dir / "NOTICE").read_text()
    assert "Apache" in text and "License, Version 2.0" in text and "menpo" in text and "BSD" in text


def test_trained_models_are_recorded(manifest, models_dir):
    """The lite mesh trained here: file, teacher, training and the held-out figures that let it ship."""
    trained = manifest["trained"]
    assert set(trained) == {"face_landmark_lite.fp32.mynn"}
    for name, e in trained.items():
        data = (models_dir / name).read_bytes()
        assert len(data) == e["size"] and hashlib.sha256(data).hexdigest() == e["sha256"]
        assert e["teacher"]["sha256"] == manifest["models"]["face_landmark.fp32.onnx"]["sha256"]
        assert e["training"]["held_out"] and e["data_sources"]
        held = set(e["held_out_evaluation"]["held_out_identities"])
        trained_on = {p for p, d in e["data_sources"].items() if not d["held_out"]}
        assert held and not held & trained_on  # evaluated on people it never saw
        d = e["held_out_evaluation"]["decision"]
        prec = d["precision"]
        assert d["ships"] and prec == e["precision"]
        assert d[prec]["nme_ratio"] <= 1.3 and d[prec]["speedup"] >= 2.0
        assert e["inputs"][0]["shape"] == [1, 128, 128, 3]
        from meiyan.nn import NativeModel

        m = NativeModel(models_dir / name, expected_name="face_landmark_lite")
        assert m.input_shape == (1, 128, 128, 3)
    assert "lite face mesh" in (models_dir / "NOTICE").read_text()

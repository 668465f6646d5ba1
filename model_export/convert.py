"""TFLite -> torch -> ONNX fp32 -> ONNX int8 (static, QDQ, per-channel)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from .sources import MEDIAPIPE, read_member
from .specs import ModelSpec
from .tflite_reader import TFLiteModel, read_tflite

OPSET = 17
__all__ = ["OPSET", "build_torch", "export_onnx", "load_source", "quantize_int8"]


def load_source(spec: ModelSpec, cache: Path | None = None) -> tuple[bytes, TFLiteModel]:
    data = read_member(MEDIAPIPE, spec.member, cache)
    model = read_tflite(spec.member, data)
    names = tuple(model.tensors[i].name for i in model.outputs)
    if names != spec.tflite_output_names:
        raise ValueError(f"{spec.member}: outputs {names}, expected {spec.tflite_output_names}")
    return data, model


def build_torch(model: TFLiteModel) -> Any:
    import torch

    from .torch_graph import TFLiteGraphModule

    torch.manual_seed(0)
    return TFLiteGraphModule(model).eval()


def _clean(model: onnx.ModelProto, spec: ModelSpec, precision: str) -> onnx.ModelProto:
    """Deterministic, self-describing metadata."""
    model.producer_name = "meiyan.model_export"
    model.producer_version = "1"
    model.doc_string = f"{spec.description}; converted from {MEDIAPIPE.requirement}:{spec.member}"
    del model.metadata_props[:]
    for k, v in (
        ("source", f"{MEDIAPIPE.requirement}:{spec.member}"),
        ("source_sha256", spec.source_sha256),
        ("license", "Apache-2.0"),
        ("precision", precision),
        ("input_range", f"[{spec.value_range[0]:g}, {spec.value_range[1]:g}] RGB NHWC"),
    ):
        p = model.metadata_props.add()
        p.key, p.value = k, v
    return model


def export_onnx(module: Any, spec: ModelSpec, input_shape: Sequence[int], path: Path) -> None:
    """Export with the TorchScript-based exporter (deterministic, no onnxscript)."""
    import warnings

    import torch

    x = torch.zeros(tuple(input_shape), dtype=torch.float32)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (x,),
            buf,
            input_names=[spec.input_name],
            output_names=list(spec.output_names),
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    model = fold_constants(onnx.load_from_string(buf.getvalue()))
    # strip exporter-specific debug strings
    for node in model.graph.node:
        node.doc_string = ""
    model = _clean(model, spec, "fp32")
    onnx.checker.check_model(model, full_check=True)
    path.write_bytes(model.SerializeToString(deterministic=True))


class _Reader:
    """onnxruntime CalibrationDataReader over a list of input arrays."""

    def __init__(self, name: str, inputs: Iterable[np.ndarray]) -> None:
        self.name = name
        self.items = [np.ascontiguousarray(x, dtype=np.float32) for x in inputs]
        self.i = 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self.i >= len(self.items):
            return None
        self.i += 1
        return {self.name: self.items[self.i - 1]}

    def rewind(self) -> None:
        self.i = 0


def quantize_int8(
    fp32_path: Path,
    int8_path: Path,
    spec: ModelSpec,
    calibration: Sequence[np.ndarray],
    nodes_to_exclude: Sequence[str] = (),
    op_types: Sequence[str] | None = None,
    tensor_overrides: dict[str, list[dict[str, Any]]] | None = None,
) -> None:
    """Static QDQ quantisation: uint8 activations (asymmetric, per tensor), int8
    symmetric per-channel weights.  Activation ranges: MinMax over ``calibration``,
    or the ``rmin``/``rmax`` given in ``tensor_overrides`` (onnxruntime's
    ``TensorQuantOverrides``)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    with tempfile.TemporaryDirectory(prefix="meiyan_q_") as tmp:
        tmp_out = Path(tmp) / "q.onnx"
        quantize_static(
            model_input=str(fp32_path),
            model_output=str(tmp_out),
            calibration_data_reader=_Reader(spec.input_name, calibration),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=list(op_types) if op_types else None,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=list(nodes_to_exclude),
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={
                "CalibTensorRangeSymmetric": False,
                **({"TensorQuantOverrides": tensor_overrides} if tensor_overrides else {}),
            },
        )
        model = onnx.load(str(tmp_out))
    model = _clean(model, spec, "int8")
    onnx.checker.check_model(model, full_check=True)
    int8_path.write_bytes(model.SerializeToString(deterministic=True))


def fold_constants(model: onnx.ModelProto) -> onnx.ModelProto:
    """Fold every node computable from constants (and static shapes).

    The TorchScript exporter emits small subgraphs for ``F.pad`` paddings and
    ``F.interpolate`` sizes (Shape/Gather/Concat/ConstantOfShape/Slice/Cast...)
    that only depend on constants.  They are evaluated here with ONNX's
    reference evaluator and replaced by initializers; ``Identity`` of a weight
    (the exporter's way of sharing one tensor) is resolved to the weight itself.
    """
    from onnx import helper, numpy_helper, shape_inference
    from onnx.reference import ReferenceEvaluator

    model = shape_inference.infer_shapes(model, strict_mode=True)
    g = model.graph
    shapes: dict[str, list[int] | None] = {}
    for vi in list(g.value_info) + list(g.input) + list(g.output):
        dims = vi.type.tensor_type.shape.dim
        shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else -1 for d in dims]
    consts: dict[str, np.ndarray] = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    alias: dict[str, str] = {}
    kept = []
    opset = [o for o in model.opset_import if o.domain in ("", "ai.onnx")][0].version
    for node in g.node:
        ins = [alias.get(i, i) for i in node.input]
        del node.input[:]
        node.input.extend(ins)
        if node.op_type == "Identity" and ins[0] in consts and ins[0] in {i.name for i in g.initializer}:
            alias[node.output[0]] = ins[0]
            continue
        if node.op_type == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
            continue
        if node.op_type == "Shape" and ins[0] in shapes and shapes[ins[0]] and -1 not in shapes[ins[0]]:
            if not node.attribute:
                consts[node.output[0]] = np.array(shapes[ins[0]], dtype=np.int64)
                continue
        if ins and all((i == "" or i in consts) for i in ins):
            feeds = {i: consts[i] for i in ins if i}
            sub = helper.make_model(
                helper.make_graph(
                    [node],
                    "fold",
                    [
                        helper.make_tensor_value_info(i, helper.np_dtype_to_tensor_dtype(consts[i].dtype), None)
                        for i in feeds
                    ],
                    [helper.make_tensor_value_info(o, onnx.TensorProto.UNDEFINED, None) for o in node.output],
                ),
                opset_imports=[helper.make_opsetid("", opset)],
            )
            outs = ReferenceEvaluator(sub).run(None, feeds)
            for name, val in zip(node.output, outs, strict=True):
                consts[name] = np.asarray(val)
            continue
        kept.append(node)
    # graph outputs that became aliases need an explicit Identity
    for out in g.output:
        if out.name in alias:
            kept.append(helper.make_node("Identity", [alias[out.name]], [out.name]))
    used = {i for n in kept for i in n.input}
    init_names = [i.name for i in g.initializer]
    new_inits = [i for i in g.initializer if i.name in used]
    for name in sorted(used - set(init_names)):
        if name in consts:
            new_inits.append(numpy_helper.from_array(consts[name], name))
    del g.node[:]
    g.node.extend(kept)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    del g.value_info[:]
    return shape_inference.infer_shapes(model, strict_mode=True)

"""Exact rewrites of an exported ONNX graph that onnxruntime does not make itself.

``fold_repeated_conv_inputs``: a Conv (group 1) whose input is a channel Concat naming the same
tensor more than once, ``conv(cat([x, x]), W)``, equals ``conv(x, W[:, :C] + W[:, C:])``: the
weight slices of repeats are summed once at export and the conv reads each input once (liae's
decoder reads ``[AB(x), AB(x)]``: its first RGB and mask convs do half the multiply-adds).
Only the order of additions changes (~1e-7); the export's parity check still covers it.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper


def _channels(model: onnx.ModelProto) -> dict[str, int]:
    """Static channel count (axis 1) of every value shape inference can tell."""
    try:
        graph = onnx.shape_inference.infer_shapes(model).graph
    except Exception:  # e.g. over 2 GB in memory: fall back to what the exporter recorded
        graph = model.graph
    found = {}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        dims = value.type.tensor_type.shape.dim
        if len(dims) > 1 and dims[1].HasField("dim_value"):
            found[value.name] = dims[1].dim_value
    return found


def fold_repeated_conv_inputs(model: onnx.ModelProto) -> int:
    """Rewrite ``model`` in place; returns how many convs were folded."""
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    channels = None
    folded = 0
    for conv in list(graph.node):
        cat = producer.get(conv.input[0])
        if conv.op_type != "Conv" or conv.domain not in ("", "ai.onnx") or cat is None or cat.op_type != "Concat":
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in [*conv.attribute, *cat.attribute]}
        parts = list(cat.input)
        if (
            attrs.get("group", 1) != 1
            or attrs["axis"] != 1
            or len(set(parts)) == len(parts)
            or conv.input[1] not in weights
        ):
            continue
        w = numpy_helper.to_array(weights[conv.input[1]])
        if len(set(parts)) == 1:
            widths = [w.shape[1] // len(parts)] * len(parts)
        else:
            channels = channels if channels is not None else _channels(model)
            widths = [channels.get(p, -1) for p in parts]
        if min(widths) <= 0 or sum(widths) != w.shape[1]:
            continue
        slices: dict[str, np.ndarray] = {}
        for name, start, width in zip(parts, np.cumsum([0, *widths[:-1]]), widths):
            piece = w[:, start : start + width].astype(np.float32)
            slices[name] = slices[name] + piece if name in slices else piece
        unique = list(slices)
        name = f"{conv.input[1]}__folded"
        graph.initializer.append(
            numpy_helper.from_array(np.concatenate([slices[p] for p in unique], 1).astype(w.dtype), name)
        )
        if len(unique) == 1:
            conv.input[0] = unique[0]
        else:
            dedup = onnx.helper.make_node("Concat", unique, [f"{cat.output[0]}__dedup"], axis=1)
            graph.node.insert(list(graph.node).index(conv), dedup)
            conv.input[0] = dedup.output[0]
        conv.input[1] = name
        folded += 1
    if folded:
        _drop_unused(graph)
    return folded


def _drop_unused(graph: onnx.GraphProto) -> None:
    """Remove nodes and initializers nothing reaches any more (the bypassed Concat, the old weights)."""
    needed = {out.name for out in graph.output}
    kept = []
    for node in reversed(list(graph.node)):
        if any(out in needed for out in node.output):
            kept.append(node)
            needed.update(node.input)
            for attr in node.attribute:  # names read inside subgraphs (If/Loop bodies)
                for sub in [attr.g, *attr.graphs]:
                    needed.update(i for n in sub.node for i in n.input)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    live = [init for init in graph.initializer if init.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(live)

"""The exact graph rewrites applied at export."""

import numpy as np
import onnx
import torch

from faceplate.export.graph_passes import fold_repeated_conv_inputs
from faceplate.export.onnx_export import export_module


class Doubled(torch.nn.Module):
    """conv(cat([x, y, x])) as liae's decoder reads [AB(x), AB(x)]; the concat also feeds an output."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b = torch.nn.Conv2d(3, 4, 1), torch.nn.Conv2d(3, 2, 1)
        self.conv = torch.nn.Conv2d(10, 5, 3, padding=1)

    def forward(self, x):
        a, b = self.a(x), self.b(x)
        cat = torch.cat([a, b, a], 1)
        return self.conv(cat) * 3, cat


def test_repeated_concat_inputs_are_folded_into_the_conv_weights(tmp_path):
    report = export_module(Doubled(), torch.rand(2, 3, 8, 8), tmp_path / "d.onnx", ["x"], ["y", "cat"], {})
    assert report.max_abs_diff <= 1e-5
    graph = onnx.load(str(report.path)).graph
    weights = {i.name: list(i.dims) for i in graph.initializer}
    shapes = [weights[n.input[1]] for n in graph.node if n.op_type == "Conv"]
    assert [5, 6, 3, 3] in shapes and [5, 10, 3, 3] not in shapes  # reads a and b once each


def test_a_graph_without_repeats_is_left_alone():
    x = onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 2, 4, 4])
    y = onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)
    w = onnx.numpy_helper.from_array(np.ones((1, 4, 1, 1), np.float32), "w")
    nodes = [
        onnx.helper.make_node("Concat", ["x", "x2"], ["c"], axis=1),
        onnx.helper.make_node("Conv", ["c", "w"], ["y"]),
    ]
    x2 = onnx.helper.make_tensor_value_info("x2", onnx.TensorProto.FLOAT, [1, 2, 4, 4])
    model = onnx.helper.make_model(onnx.helper.make_graph(nodes, "g", [x, x2], [y], [w]))
    before = model.SerializeToString()
    assert fold_repeated_conv_inputs(model) == 0 and model.SerializeToString() == before

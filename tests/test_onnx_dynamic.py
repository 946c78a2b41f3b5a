"""The dynamic-batch rewrite on hand-built graphs: what it can express, and what it refuses."""
import mindspore  # noqa: F401  (before onnx, see src/onnx_dynamic.py)
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from src.errors import CRNNError
from src.onnx_dynamic import make_batch_dynamic


def _model(batch, shape_target, state_shape):
    """x (batch, 6) -> Reshape(shape_target) -> + zeros(state_shape): what MindSpore's exports look like."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 6])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 2, 3])
    target = numpy_helper.from_array(np.array(shape_target, np.int64), "target")
    state = numpy_helper.from_array(np.zeros(state_shape, np.float32), "state")
    nodes = [helper.make_node("Reshape", ["x", "target"], ["r"]), helper.make_node("Add", ["r", "state"], ["y"])]
    graph = helper.make_graph(nodes, "g", [x], [y], initializer=[target, state])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("targets", [([5, 2, 3], [7, 2, 3]), ([5, 2, -1], [7, 2, -1]), ([10, 3], [14, 3])])
def test_batch_dependent_constants_become_dynamic(targets):
    first, second = targets
    state_1 = (5, 2, 3) if len(first) == 3 else (10, 3)
    state_2 = (7, 2, 3) if len(first) == 3 else (14, 3)
    model = make_batch_dynamic(_model(5, first, state_1), _model(7, second, state_2), 5, 7)
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for batch in (1, 3, 64):
        x = np.arange(batch * 6, dtype=np.float32).reshape(batch, 6)
        (y,) = session.run(None, {"x": x})
        assert y.size == x.size and np.array_equal(y.reshape(-1), x.reshape(-1))


def test_a_constant_that_is_not_proportional_to_the_batch_is_refused():
    with pytest.raises(CRNNError, match="cannot express"):
        make_batch_dynamic(_model(5, [5, 2, 3], (5, 2, 3)), _model(7, [9, 2, 3], (5, 2, 3)), 5, 7)


def test_a_batch_shaped_constant_with_varied_values_is_refused():
    a, b = _model(5, [5, 2, 3], (5, 2, 3)), _model(7, [7, 2, 3], (7, 2, 3))
    b.graph.initializer[1].CopyFrom(numpy_helper.from_array(np.arange(42, dtype=np.float32).reshape(7, 2, 3), "state"))
    a.graph.initializer[1].CopyFrom(numpy_helper.from_array(np.arange(30, dtype=np.float32).reshape(5, 2, 3), "state"))
    with pytest.raises(CRNNError, match="not a filled tensor"):
        make_batch_dynamic(a, b, 5, 7)

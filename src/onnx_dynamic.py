"""Give an exported ONNX graph a dynamic batch dimension.

MindSpore 2.8 exports ONNX with static shapes only: the batch size is baked into the input, the output
and every shape constant (Reshape targets, LSTM initial states). We export the same network at two
batch sizes; a constant that differs between the two is batch-dependent, and the ratio tells how: a
Reshape target entry equal to k * batch becomes k * B, where B is read from the input at run time; a
constant tensor filled with one value becomes ConstantOfShape of its shape with B in place of the
batch. Anything else is refused with an error rather than exported wrong.
"""
import mindspore  # noqa: F401  (before onnx: it selects the protobuf implementation its checkpoints need)
import numpy as np
import onnx
from onnx import helper, numpy_helper

from src.errors import CRNNError

BATCH_DIM_NAME = "batch"


def _constants(graph):
    """name -> numpy value of every initializer and Constant node output."""
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    return values


def _batch_factor(v1, v2, b1, b2):
    """k if v1 == k*b1 and v2 == k*b2 for a positive integer k, else None."""
    if v1 % b1 or v2 % b2 or v1 // b1 != v2 // b2 or v1 // b1 <= 0:
        return None
    return v1 // b1


class _Rewriter:
    def __init__(self, graph, b1, b2):
        self.graph = graph
        self.b1, self.b2 = b1, b2
        self.new_nodes = []
        self.batch = None  # name of the int64 [1] tensor holding the run-time batch size
        self.count = 0

    def _name(self, stem):
        self.count += 1
        return f"dynamic_batch/{stem}_{self.count}"

    def _const(self, values):
        name = self._name("const")
        self.new_nodes.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(
            np.asarray(values, np.int64), name)))
        return name

    def batch_tensor(self):
        if self.batch is None:
            shape, index, self.batch = self._name("input_shape"), self._const([0]), self._name("batch")
            self.new_nodes.append(helper.make_node("Shape", [self.graph.input[0].name], [shape]))
            self.new_nodes.append(helper.make_node("Gather", [shape, index], [self.batch], axis=0))
        return self.batch

    def shape_vector(self, v1, v2, output, reshape_target=True):
        """Nodes computing a shape vector like v1 with every batch-proportional entry taken from B.

        A Reshape target with a single such entry just gets -1 there (Reshape infers it)."""
        factors = [None if a == b else _batch_factor(int(a), int(b), self.b1, self.b2) for a, b in zip(v1, v2)]
        if any(a != b and f is None for a, b, f in zip(v1, v2, factors)):
            raise CRNNError(f"ONNX dynamic batch: shape constant {output} changes with the batch in a way "
                            f"we cannot express ({list(v1)} at batch {self.b1}, {list(v2)} at {self.b2})")
        dynamic = [i for i, f in enumerate(factors) if f is not None]
        if reshape_target and len(dynamic) == 1 and -1 not in v1:
            fixed = np.array(v1, np.int64)
            fixed[dynamic[0]] = -1
            self.new_nodes.append(helper.make_node("Constant", [], [output],
                                                   value=numpy_helper.from_array(fixed, output)))
            return
        parts = []
        for value, factor in zip(v1, factors):
            if factor is None:
                parts.append(self._const([value]))
            elif factor == 1:
                parts.append(self.batch_tensor())
            else:
                scaled = self._name("scaled_batch")
                self.new_nodes.append(helper.make_node("Mul", [self.batch_tensor(), self._const([factor])], [scaled]))
                parts.append(scaled)
        self.new_nodes.append(helper.make_node("Concat", parts, [output], axis=0))

    def filled_tensor(self, t1, t2, output):
        """ConstantOfShape for a constant of one repeated value whose shape follows the batch."""
        flat = t1.reshape(-1)
        if flat.size == 0 or not np.all(flat == flat[0]) or t1.ndim != t2.ndim:
            raise CRNNError(f"ONNX dynamic batch: constant {output} of shape {t1.shape} changes with the batch "
                            "and is not a filled tensor")
        shape = self._name("shape")
        self.shape_vector(np.array(t1.shape), np.array(t2.shape), shape, reshape_target=False)
        fill = numpy_helper.from_array(np.array([flat[0]], dtype=t1.dtype), self._name("fill"))
        self.new_nodes.append(helper.make_node("ConstantOfShape", [shape], [output], value=fill))


def _set_batch_dims(values_1, values_2, b1, b2):
    for info_1, info_2 in zip(values_1, values_2):
        dims_1, dims_2 = info_1.type.tensor_type.shape.dim, info_2.type.tensor_type.shape.dim
        for dim_1, dim_2 in zip(dims_1, dims_2):
            if dim_1.dim_value == b1 and dim_2.dim_value == b2:
                dim_1.dim_param = BATCH_DIM_NAME


def make_batch_dynamic(model_1, model_2, b1, b2):
    """model_1 (exported at batch b1) rewritten so its batch dimension is dynamic, using model_2
    (the same network exported at batch b2) to find what depends on the batch. Returns a new model."""
    if [n.op_type for n in model_1.graph.node] != [n.op_type for n in model_2.graph.node]:
        raise CRNNError("ONNX dynamic batch: the two exports differ in structure; cannot compare them")
    model = onnx.ModelProto()
    model.CopyFrom(model_1)
    graph = model.graph
    consts_1, consts_2 = _constants(graph), _constants(model_2.graph)
    rewriter = _Rewriter(graph, b1, b2)
    replaced = set()
    for name, value_1 in consts_1.items():
        value_2 = consts_2.get(name)
        if value_2 is None:
            raise CRNNError(f"ONNX dynamic batch: constant {name} is missing from the second export")
        if value_1.shape == value_2.shape and np.array_equal(value_1, value_2):
            continue
        if value_1.shape == value_2.shape and value_1.ndim == 1 and np.issubdtype(value_1.dtype, np.integer):
            rewriter.shape_vector(value_1, value_2, name)
        else:
            rewriter.filled_tensor(value_1, value_2, name)
        replaced.add(name)
    kept_inits = [init for init in graph.initializer if init.name not in replaced]
    kept_nodes = [node for node in graph.node if not (node.op_type == "Constant" and node.output[0] in replaced)]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits)
    del graph.node[:]
    graph.node.extend(rewriter.new_nodes + kept_nodes)
    _set_batch_dims(graph.input, model_2.graph.input, b1, b2)
    _set_batch_dims(graph.output, model_2.graph.output, b1, b2)
    del graph.value_info[:]  # static intermediate shapes would contradict the dynamic batch
    onnx.checker.check_model(model)
    return model

"""V2 checkpoints saved by MindSpore 1.x -> today's parameter names and layout.

MindSpore 1.x's nn.LSTM on Ascend (where the zoo trained) kept one DynamicRNN weight per layer and
direction, `<prefix>.weight_fw0` / `weight_bw0` of shape (input + hidden, 4 * hidden) acting on [x; h]
with gates in the order i, j, f, o, and one bias `bias_fw0` / `bias_bw0` with forget bias 0. MindSpore
2.x's nn.LSTM keeps `weight_ih_l0` (4 * hidden, input), `weight_hh_l0` (4 * hidden, hidden), `bias_ih_l0`
and `bias_hh_l0` with gates i, f, g (= j), o. Everything else keeps its name.
"""
import os
import re

import mindspore as ms
import numpy as np

from src.checkpoint import load_network_checkpoint, network_weights, read_checkpoint, save_checkpoint_atomic
from src.crnn import crnn
from src.errors import CRNNError

_DYNAMIC_RNN = re.compile(r"^(?P<prefix>.*)\.(?P<kind>weight|bias)_(?P<direction>fw|bw)(?P<layer>\d+)$")
_DYNAMIC_TO_TORCH_GATES = (0, 2, 1, 3)  # i, j, f, o -> i, f, j, o


def _gates(array, axis):
    blocks = np.split(array, 4, axis=axis)
    return np.concatenate([blocks[g] for g in _DYNAMIC_TO_TORCH_GATES], axis=axis)


def has_ms1_lstm_names(names):
    return any(_DYNAMIC_RNN.match(name) for name in names)


def convert_ms1_lstm(weights):
    """{name: numpy array} with MindSpore 1.x DynamicRNN LSTM entries rewritten to nn.LSTM's; CRNNError
    when a weight has no bias or a shape that is not (input + hidden, 4 * hidden)."""
    out, pending = {}, {}
    for name, value in weights.items():
        match = _DYNAMIC_RNN.match(name)
        if match:
            pending[(match["prefix"], match["direction"], match["layer"], match["kind"])] = np.asarray(value)
        else:
            out[name] = np.asarray(value)
    for (prefix, direction, layer, kind), value in sorted(pending.items()):
        if kind != "weight":
            continue
        bias = pending.get((prefix, direction, layer, "bias"))
        source = f"{prefix}.weight_{direction}{layer}"
        if bias is None or value.ndim != 2 or value.shape[1] % 4 or bias.shape != (value.shape[1],):
            raise CRNNError(f"{source}: expected a (input + hidden, 4 * hidden) weight with a bias of 4 * hidden, "
                            f"got {value.shape} and {None if bias is None else bias.shape}")
        hidden = value.shape[1] // 4
        in_size = value.shape[0] - hidden
        suffix = f"_l{layer}" + ("_reverse" if direction == "bw" else "")
        reordered = _gates(value, axis=1)
        out[f"{prefix}.weight_ih{suffix}"] = np.ascontiguousarray(reordered[:in_size].T)
        out[f"{prefix}.weight_hh{suffix}"] = np.ascontiguousarray(reordered[in_size:].T)
        out[f"{prefix}.bias_ih{suffix}"] = _gates(bias, axis=0)
        out[f"{prefix}.bias_hh{suffix}"] = np.zeros_like(bias)
    return out


def convert_checkpoint(config):
    """Write <file_name>.ckpt converted from config.ckpt_file; return its path."""
    if config.is_explicit("model_version") and config.model_version != "V2":
        raise CRNNError("convert_checkpoint: only V2 changed its parameter names (V1's are the same in "
                        "MindSpore 1.x)")
    config.model_version = "V2"
    weights = {k: v.asnumpy() for k, v in network_weights(read_checkpoint(config.ckpt_file)).items()}
    if not has_ms1_lstm_names(weights):
        raise CRNNError(f"{config.ckpt_file} has no MindSpore 1.x LSTM entries (weight_fw0, bias_fw0, ...): "
                        "nothing to convert; it may load as it is")
    converted = convert_ms1_lstm(weights)
    path = config.file_name if config.file_name.endswith(".ckpt") else config.file_name + ".ckpt"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    save_checkpoint_atomic([{"name": k, "data": ms.Tensor(v)} for k, v in sorted(converted.items())], path)
    load_network_checkpoint(crnn(config, full_precision=True), path, "V2")  # strict: every weight, right shape
    print(f"converted {config.ckpt_file} (MindSpore 1.x names) to {path}")
    return path

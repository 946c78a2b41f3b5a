"""An exponential moving average of the network's weights, kept beside the trained ones (ema_decay).

After every optimizer step each averaged value moves towards its parameter:
    average = d * average + (1 - d) * weight,   d = min(ema_decay, (1 + n) / (10 + n)),
n being the global step, so that the average forgets its starting point quickly early in a run and then
settles on ema_decay. BatchNorm's moving statistics are averaged too. The averages are saved in every
training checkpoint under AVERAGE_PREFIX and restored by a resume, so a resumed run continues the same
average bit for bit; eval.py and export.py take them with --ckpt_weights average.
"""
import logging

import mindspore as ms
import mindspore.nn as nn
import mindspore.ops as ops
import numpy as np

from src.errors import CRNNError

logger = logging.getLogger("crnn")

AVERAGE_PREFIX = "ema."
WEIGHT_CHOICES = ("trained", "average")  # what --ckpt_weights selects from a training checkpoint

_update = ops.MultitypeFuncGraph("update")


@_update.register("Tensor", "Tensor", "Tensor")
def _update_one(decay, average, weight):
    return ops.assign(average, average * decay + weight * (1.0 - decay))


class _AverageStep(nn.Cell):
    """One update of every average, compiled once as a graph (one call instead of ~100 small ops)."""

    def __init__(self, averages, weights):
        super().__init__(auto_prefix=False)
        self.averages = averages
        self.weights = weights
        self.hyper_map = ops.HyperMap()

    def construct(self, decay):
        return self.hyper_map(ops.partial(_update, decay), self.averages, self.weights)


class WeightAverage:
    """The running average of net's parameters; decay as ema_decay (0 < decay < 1)."""

    def __init__(self, net, decay):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"ema_decay must be between 0 and 1, got {decay}")
        self.decay = decay
        self.weights = ms.ParameterTuple(net.get_parameters())
        self.averages = ms.ParameterTuple(
            [ms.Parameter(p.value().copy(), name=AVERAGE_PREFIX + p.name, requires_grad=False) for p in self.weights])
        self._step = _AverageStep(self.averages, self.weights)

    def decay_at(self, global_step):
        """The decay applied after global_step's update (1-based)."""
        return min(self.decay, (1.0 + global_step) / (10.0 + global_step))

    def update(self, global_step):
        self._step(ms.Tensor(np.float32(self.decay_at(global_step))))

    def entries(self):
        """{checkpoint name: Parameter} of the averages, for a checkpoint's append_dict."""
        return {p.name: p for p in self.averages}

    def restore(self, params, path):
        """Take the averages from a checkpoint's parameter dict; a checkpoint without them starts the
        average from the current weights, with one log line."""
        names = [p.name for p in self.averages]
        if not all(name in params for name in names):
            logger.warning("%s holds no weight average (saved without ema_decay): the average starts from "
                           "its weights", path)
            self.reset()
            return
        for average in self.averages:
            average.set_data(ms.Tensor(params[average.name].asnumpy().astype(np.float32)))

    def reset(self):
        for average, weight in zip(self.averages, self.weights):
            average.set_data(weight.value().copy())

    def swapped_in(self):
        """A context in which the network holds the averages (for scoring them); its own weights after."""
        return _Swapped(self.weights, self.averages)


class _Swapped:
    def __init__(self, weights, averages):
        self.weights, self.averages, self.kept = weights, averages, None

    def __enter__(self):
        self.kept = [w.value().copy() for w in self.weights]
        for weight, average in zip(self.weights, self.averages):
            weight.set_data(average.value().copy())
        return self

    def __exit__(self, *exc):
        for weight, kept in zip(self.weights, self.kept):
            weight.set_data(kept)
        return False


def average_weights(params, path):
    """{network name: value} of the weight average held in a training checkpoint's parameter dict."""
    found = {k[len(AVERAGE_PREFIX):]: v for k, v in params.items() if k.startswith(AVERAGE_PREFIX)}
    if not found:
        raise CRNNError(f"checkpoint {path} holds no weight average (train with --ema_decay, e.g. 0.999), "
                        "so --ckpt_weights average has nothing to load")
    return found

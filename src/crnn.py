"""CRNN (Shi, Bai, Yao 2015): VGG backbone -> bidirectional LSTM neck -> per-frame CTC head.

Attribute names (vgg.convN.conv/bn, rnn.N.rnn/embedding, w1/b1/..., fc) are the zoo's, so its
checkpoints load by name. The batch size is read from the input, never built into the graph:
one network object runs batch 1 and batch 64.
"""
import math

import mindspore.nn as nn
import mindspore.ops as ops
from mindspore import Parameter
from mindspore.common import dtype as mstype
from mindspore.common.initializer import TruncatedNormal, Uniform, initializer

from src.errors import CRNNError
from src.native_conv import (BATCH_NORM_EPS, NativeBidirectionalLstm, NativeConvBiasRelu, NativeConvBlock, fold_batch_norm,
                             native_conv_dtype)


def _batch_norm(channels):
    return nn.BatchNorm2d(channels, eps=BATCH_NORM_EPS, momentum=0.9, gamma_init="ones", beta_init="zeros",
                          moving_mean_init="zeros", moving_var_init="ones")


class Conv(nn.Cell):
    """3x3 (or 2x2 'valid') convolution without bias, batch norm, ReLU, and max pooling when pool (the
    window, equal to its stride) is given.

    native_dtype ('float32'/'bfloat16') runs the layer on the native CPU library with the nn.Conv2d's and
    nn.BatchNorm2d's own parameters; None uses nn.Conv2d and nn.BatchNorm2d. Parameters are the same
    either way. Training: the whole layer is one native block (the first one returns no gradient for its
    input, the image); inference (set_train(False)) folds the BatchNorm into the convolution and runs
    convolution, bias, ReLU and the pooling as one kernel. position: where the layer sits in the chain of
    native layers (see POSITIONS), whose activations are channels-last between them.
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, pad_mode="same", native_dtype=None, pool=None,
                 position="Only"):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, pad_mode=pad_mode,
                              has_bias=False, weight_init=TruncatedNormal(0.02))
        self.block = None if native_dtype is None else \
            NativeConvBlock(kernel_size, pad_mode, native_dtype, pool, position)
        self.native_inference = None if native_dtype is None else \
            NativeConvBiasRelu(kernel_size, pad_mode, native_dtype, pool, position)
        self.bn = _batch_norm(out_channels)
        self.relu = nn.ReLU()
        self.pool = None if pool is None else nn.MaxPool2d(kernel_size=pool, stride=pool, pad_mode="same")

    def _native_training(self, x):
        """The native block, then the moving statistics updated from the batch's as nn.BatchNorm2d does
        (momentum, the variance made unbiased)."""
        bn = self.bn
        out = self.block(x, self.conv.weight, bn.gamma, bn.beta)
        # out[i], not unpacking: unused outputs taken apart beside the assignments upset MindSpore's auto-monad
        conv_shape = out[1].shape
        count = conv_shape[0] * conv_shape[2] * conv_shape[3]
        mean, variance = ops.stop_gradient(out[2]), ops.stop_gradient(out[3])
        ops.assign(bn.moving_mean, bn.moving_mean * (1 - bn.momentum) + mean * bn.momentum)
        ops.assign(bn.moving_variance,
                   bn.moving_variance * (1 - bn.momentum) + variance * (bn.momentum * count / (count - 1)))
        return out[0]

    def construct(self, x):
        if self.block is not None:
            if self.training:
                return self._native_training(x)
            bn = self.bn
            weight, bias = fold_batch_norm(self.conv.weight, bn.gamma, bn.beta, bn.moving_mean,
                                           bn.moving_variance, bn.eps)
            return self.native_inference(x, weight, bias)
        x = self.relu(self.bn(self.conv(x)))
        if self.pool is not None:
            x = self.pool(x)
        return x


class VGG(nn.Cell):
    """Backbone: (B, 3, 32, 100) image -> (B, 512, 1, 24) feature map."""

    def __init__(self, native_dtype=None):
        super().__init__()
        # Max pooling 2x2 after conv1 and conv2, 2x1 (height only) after conv4 and conv6.
        # Native layers hand channels-last activations on from conv1's output to conv7's input; conv1 reads
        # the image (and computes no gradient for it in training).
        self.conv1 = Conv(3, 64, native_dtype=native_dtype, pool=(2, 2), position="First")
        self.conv2 = Conv(64, 128, native_dtype=native_dtype, pool=(2, 2), position="Middle")
        self.conv3 = Conv(128, 256, native_dtype=native_dtype, position="Middle")
        self.conv4 = Conv(256, 256, native_dtype=native_dtype, pool=(2, 1), position="Middle")
        self.conv5 = Conv(256, 512, native_dtype=native_dtype, position="Middle")
        self.conv6 = Conv(512, 512, native_dtype=native_dtype, pool=(2, 1), position="Middle")
        self.conv7 = Conv(512, 512, kernel_size=2, pad_mode="valid", native_dtype=native_dtype, position="Last")
        # Never used in the forward pass; kept because the zoo's checkpoints carry its parameters.
        self.bn1 = _batch_norm(512)

    def construct(self, x):
        x = self.conv2(self.conv1(x))
        x = self.conv4(self.conv3(x))
        x = self.conv6(self.conv5(x))
        return self.conv7(x)


def feature_map_to_sequence(features, channels):
    """(B, C, 1, W) -> time-major (W, B, C)."""
    sequence = ops.reshape(features, (features.shape[0], channels, -1))
    return ops.transpose(sequence, (2, 0, 1))


class BidirectionalLSTM(nn.Cell):
    """One bidirectional LSTM layer followed by a Dense layer on every time step: (T, B, in) -> (T, B, out).

    one_op (CPU only): both directions as one bidirectional CPU LSTM operator on the nn.LSTM's own
    parameters. nn.LSTM runs one LSTM per direction and reverses the sequence before and after the
    backward one; the CPU operator walks both directions itself, with the same numbers (equal outputs
    and gradients), and a training step gets ~2% faster (evaluation: no change measured).
    native_dtype ('float32'/'bfloat16', CPU only): inference runs the layer as one native call on the
    nn.LSTM's own parameters instead.
    """

    def __init__(self, in_size, hidden_size, out_size, one_op=False, native_dtype=None):
        super().__init__()
        self.rnn = nn.LSTM(in_size, hidden_size, bidirectional=True)
        self.embedding = nn.Dense(2 * hidden_size, out_size)
        self.hidden_size = hidden_size
        self.bidirectional_op = ops.LSTM(in_size, hidden_size, 1, True, True, 0.0) if one_op else None
        self.native_inference = None if native_dtype is None else NativeBidirectionalLstm(native_dtype)

    def _native(self, x):
        rnn = self.rnn
        return self.native_inference(x, ops.stack([rnn.w_ih_list[0], rnn.w_ih_list[1]]),
                                     ops.stack([rnn.w_hh_list[0], rnn.w_hh_list[1]]),
                                     ops.stack([rnn.b_ih_list[0] + rnn.b_hh_list[0], rnn.b_ih_list[1] + rnn.b_hh_list[1]]))

    def _both_directions(self, x):
        rnn = self.rnn
        # The CPU operator's flat weights: input weights, recurrent weights, summed biases; forward first.
        flat = [rnn.w_ih_list[0], rnn.w_ih_list[1], rnn.w_hh_list[0], rnn.w_hh_list[1],
                rnn.b_ih_list[0] + rnn.b_hh_list[0], rnn.b_ih_list[1] + rnn.b_hh_list[1]]
        weights = ops.concat([ops.reshape(w, (-1, 1, 1)) for w in flat])
        state = ops.zeros((2, x.shape[1], self.hidden_size), x.dtype)
        return self.bidirectional_op(x, state, state, weights)[0]

    def construct(self, x):
        if self.native_inference is not None and not self.training:
            recurrent = self._native(x)
        elif self.bidirectional_op is None:
            recurrent, _ = self.rnn(x)
        else:
            recurrent = self._both_directions(x)
        steps, batch, width = recurrent.shape
        out = self.embedding(ops.reshape(recurrent, (steps * batch, width)))
        return ops.reshape(out, (steps, batch, -1))


class CRNNV2(nn.Cell):
    """VGG -> BiLSTM(512->256) -> BiLSTM(256->class_num): logits (T=24, B, class_num)."""

    def __init__(self, config, native_dtype=None, one_op_lstm=False):
        super().__init__()
        self.input_size = config.input_size
        self.vgg = VGG(native_dtype)
        self.rnn = nn.SequentialCell([
            BidirectionalLSTM(config.input_size, config.hidden_size, config.hidden_size, one_op_lstm, native_dtype),
            BidirectionalLSTM(config.hidden_size, config.hidden_size, config.class_num, one_op_lstm, native_dtype)])

    def construct(self, x):
        return self.rnn(feature_map_to_sequence(self.vgg(x), self.input_size))


def _uniform(shape, bound):
    """U(-bound, bound) weights drawn from MindSpore's seeded generator: ms.set_seed fixes them."""
    return Parameter(initializer(Uniform(bound), shape, mstype.float32))


class CRNNV1(nn.Cell):
    """The zoo's V1: DynamicRNN-layout LSTM weights, bidirectional layer 1, forward-only layer 2, FC head.

    The zoo runs these weights through Ascend's DynamicRNN operator; here the same LSTM
    (gate order i, j, f, o; forget_bias 0; weight acting on [x; h]) is written with matmuls so it
    runs on every device. w2_bw/b2_bw are never used, as in the zoo, but kept for its checkpoints.
    """

    def __init__(self, config, native_dtype=None):
        super().__init__()
        self.input_size = config.input_size
        self.hidden_size = hidden = config.hidden_size
        bound = 1.0 / math.sqrt(hidden)
        layer1 = (config.input_size + hidden, 4 * hidden)
        layer2 = (2 * hidden + hidden, 4 * hidden)
        self.w1, self.b1 = _uniform(layer1, bound), _uniform((4 * hidden,), bound)
        self.w1_bw, self.b1_bw = _uniform(layer1, bound), _uniform((4 * hidden,), bound)
        self.w2, self.b2 = _uniform(layer2, bound), _uniform((4 * hidden,), bound)
        self.w2_bw, self.b2_bw = _uniform(layer2, bound), _uniform((4 * hidden,), bound)
        self.fc = nn.Dense(hidden, config.class_num).to_float(mstype.float32)
        self.vgg = VGG(native_dtype)
        self.use_dropout = config.use_dropout
        self.rnn_dropout = nn.Dropout(p=0.1)

    def _lstm(self, x, weight, bias):
        """Unidirectional LSTM over time-major x (T, B, in) -> (T, B, hidden), zero initial state."""
        steps, batch, in_size = x.shape
        hidden = self.hidden_size
        x_part = ops.matmul(ops.reshape(x, (steps * batch, in_size)), weight[:in_size]) + bias
        x_part = ops.reshape(x_part, (steps, batch, 4 * hidden))
        h_weight = weight[in_size:]
        h = ops.zeros((batch, hidden), x.dtype)
        c = ops.zeros((batch, hidden), x.dtype)
        outputs = ()  # a tuple, not a list: MindSpore's ONNX exporter cannot export make_list
        for t in range(steps):
            gates = x_part[t] + ops.matmul(h, h_weight)
            i, j, f, o = ops.split(gates, hidden, axis=1)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(j)
            h = ops.sigmoid(o) * ops.tanh(c)
            outputs += (h,)
        return ops.stack(outputs, axis=0)

    def construct(self, x):
        x = feature_map_to_sequence(self.vgg(x), self.input_size)
        forward = self._lstm(x, self.w1, self.b1)
        backward = ops.flip(self._lstm(ops.flip(x, (0,)), self.w1_bw, self.b1_bw), (0,))
        y = ops.concat((forward, backward), axis=2)
        if self.use_dropout and self.training:
            y = self.rnn_dropout(y)
        y = self._lstm(y, self.w2, self.b2)
        steps, batch, hidden = y.shape
        logits = self.fc(ops.reshape(y, (steps * batch, hidden)))
        return ops.reshape(logits, (steps, batch, -1))


MODEL_VERSIONS = {"V1": CRNNV1, "V2": CRNNV2}


def crnn(config, full_precision=False, for_export=False):
    """Build the network named by config.model_version; cast to float16 unless full_precision.

    On the CPU the convolutions follow config.cpu_conv (the native library or MindSpore's Conv2D) and
    V2's bidirectional LSTMs run as one CPU operator each; a network built for_export always uses
    MindSpore's Conv2D and nn.LSTM, which every exporter knows.
    """
    if config.model_version not in MODEL_VERSIONS:
        raise CRNNError(f"model_version must be one of {sorted(MODEL_VERSIONS)}, got {config.model_version!r}")
    native_dtype = None if for_export or not full_precision else native_conv_dtype(config)
    network = MODEL_VERSIONS[config.model_version]
    if network is CRNNV2:  # V1's LSTMs are its own matmuls (the zoo's DynamicRNN weights): nothing to choose
        one_op_lstm = config.device_target == "CPU" and full_precision and not for_export
        net = network(config, native_dtype, one_op_lstm)
    else:
        net = network(config, native_dtype)
    if not full_precision:
        net = net.to_float(mstype.float16)
    return net

"""The native CPU convolution: oneDNN's channels-last kernels (src/native/crnn_conv.cc) as MindSpore Custom ops.

MindSpore 2.8's CPU Conv2D hands oneDNN plain NCHW tensors and gets im2col + GEMM; the library built by
scripts/build_native.sh runs oneDNN 3's kernels on channels-last activations instead (brgemm). Training runs
each VGG layer (convolution, BatchNorm on batch statistics, ReLU, max pooling) as one native block forward
and one backward, its activations channels-last from block to block; inference runs each layer as one
convolution with the BatchNorm folded in. The network keeps its nn.Conv2d and nn.BatchNorm2d (parameter
names, shapes, initialisation and checkpoints are unchanged) and only routes the computation through these
ops. Chosen by the config keys cpu_conv (native | mindspore) and cpu_conv_dtype (float32 | bfloat16,
the convolutions computing in bf16 with float32 weights and activations); export and GPU/Ascend always use
MindSpore's Conv2D.
"""
import ctypes
import functools
import hashlib
import logging
import os

import mindspore.nn as nn
import mindspore.ops as ops
from mindspore.common import dtype as mstype

from src.errors import ConfigError

NATIVE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "native")
LIBRARY = os.path.join(NATIVE_DIR, "build", "libcrnn_conv.so")
SOURCE = os.path.join(NATIVE_DIR, "crnn_conv.cc")
CPU_CONV_CHOICES = ("native", "mindspore")
CPU_CONV_DTYPES = ("float32", "bfloat16")
_ENTRY_SUFFIX = {"float32": "", "bfloat16": "Bf16"}
# The kernels the network calls, each in every dtype's variant, and the library's own queries.
# Where a layer sits in the chain of native layers: NCHW in (the image: First) and/or NCHW out (to the
# LSTMs: Last), channels-last between them; Only is NCHW at both ends.
POSITIONS = ("First", "Middle", "Last", "Only")
KERNELS = tuple(f"{kernel}{position}" for kernel in ("CrnnConvBiasRelu", "CrnnConvBiasReluPool", "CrnnBlockForward",
                                                     "CrnnBlockBackward") for position in POSITIONS) + (
    "CrnnLstmInference",)
BATCH_NORM_EPS = 1e-4  # the library's BatchNorm epsilon (kBatchNormEpsilon), the network's
ENTRY_POINTS = tuple(k + suffix for k in KERNELS for suffix in _ENTRY_SUFFIX.values()) + (
    "CrnnConvHasBf16", "CrnnConvOnednnVersion", "CrnnConvCachedPlans", "CrnnConvSourceSha256")

logger = logging.getLogger(__name__)


def library_path():
    """The library file; CRNN_NATIVE_CONV_LIB overrides (tests point it at a file that cannot load)."""
    return os.environ.get("CRNN_NATIVE_CONV_LIB", LIBRARY)


def source_sha256():
    """sha256 of src/native/crnn_conv.cc, which a library built from it carries ('' without the source)."""
    try:
        with open(SOURCE, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return ""


@functools.lru_cache(maxsize=None)
def library_problem(path):
    """None when the library at path loads, has every entry point and was built from today's source,
    else one line saying why not (a library built before the source changed fails only inside
    MindSpore's kernel loader, mid-run, so it is caught here)."""
    if not os.path.isfile(path):
        return f"{path} is not built (bash scripts/build_native.sh)"
    try:
        lib = ctypes.CDLL(path, mode=os.RTLD_LOCAL)
    except OSError as err:
        return f"{path} does not load ({str(err).splitlines()[0][:200]})"
    missing = [name for name in ENTRY_POINTS if not hasattr(lib, name)]
    if missing:
        return (f"{path} lacks {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}: it was built from "
                "another version of src/native/crnn_conv.cc; rebuild it with bash scripts/build_native.sh")
    lib.CrnnConvSourceSha256.restype = ctypes.c_char_p
    built_from, source = lib.CrnnConvSourceSha256().decode(), source_sha256()
    if source and built_from != source:
        return (f"{path} was built from another version of src/native/crnn_conv.cc; rebuild it with "
                "bash scripts/build_native.sh")
    lib.CrnnConvOnednnVersion.restype = ctypes.c_char_p
    logger.info("native convolution: %s on oneDNN %s", path, lib.CrnnConvOnednnVersion().decode())
    return None


@functools.lru_cache(maxsize=None)
def library_has_bf16(path):
    """Whether the library at path (which loads) computes bf16 on this CPU: AVX512_BF16 or AMX. Elsewhere
    oneDNN only emulates bf16, at about half the float32 speed, so the library runs float32 instead."""
    lib = ctypes.CDLL(path, mode=os.RTLD_LOCAL)
    return bool(lib.CrnnConvHasBf16())


@functools.lru_cache(maxsize=None)
def _warn_once(message):
    logger.warning(message)


def native_conv_dtype(config):
    """The compute type of the native convolution this config runs ('float32' or 'bfloat16'), or None
    for MindSpore's Conv2D: on the CPU only, with cpu_conv native and a library that loads; bfloat16
    only where the CPU has bf16 instructions (float32 elsewhere, after one log line)."""
    choice = getattr(config, "cpu_conv", "mindspore")
    dtype = getattr(config, "cpu_conv_dtype", "float32")
    if choice not in CPU_CONV_CHOICES:
        raise ConfigError(f"cpu_conv must be one of {', '.join(CPU_CONV_CHOICES)}, got {choice!r}")
    if dtype not in CPU_CONV_DTYPES:
        raise ConfigError(f"cpu_conv_dtype must be one of {', '.join(CPU_CONV_DTYPES)}, got {dtype!r}")
    if dtype != "float32" and choice != "native":
        raise ConfigError(f"cpu_conv_dtype {dtype} needs cpu_conv native")
    if choice != "native" or config.device_target != "CPU":
        return None
    problem = library_problem(library_path())
    if problem:
        _warn_once(f"cpu_conv native unavailable, using MindSpore's convolution: {problem}")
        return None
    if dtype == "bfloat16" and not library_has_bf16(library_path()):
        _warn_once("cpu_conv_dtype bfloat16: this CPU has no bf16 instructions (AVX512_BF16 or AMX), "
                   "computing in float32")
        return "float32"
    return dtype


def _output_hw(height, width, kernel, pad_mode):
    if pad_mode == "same":
        return height, width
    return height - kernel[0] + 1, width - kernel[1] + 1


def _kernel_hw(kernel_size, pad_mode):
    if pad_mode not in ("same", "valid"):
        raise ValueError(f"pad_mode must be 'same' or 'valid', got {pad_mode!r}")
    return (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)


def _check_position_and_pool(position, pool, pad_mode):
    if position not in POSITIONS:
        raise ValueError(f"position must be one of {', '.join(POSITIONS)}, got {position!r}")
    if pool is not None and (pad_mode != "same" or any(size not in (1, 2) for size in pool)):
        raise ValueError(f"pooling needs a 'same' convolution and a window of 2 or 1, got {pad_mode!r}, {pool}")


def _pooled_shape(shape, pool):
    return shape if pool is None else [shape[0], shape[1], -(-shape[2] // pool[0]), -(-shape[3] // pool[1])]


def _custom_op(entry, dtype, out_shape, out_dtype, bprop=None, **attributes):
    """One library entry as a Custom aot op, with attributes that make each op distinct (Custom primitives
    with equal attributes share one shape inference)."""
    custom = ops.Custom(f"{library_path()}:{entry}{_ENTRY_SUFFIX[dtype]}", out_shape=out_shape, out_dtype=out_dtype,
                        func_type="aot", bprop=bprop)
    for name, value in dict(attributes, dtype=dtype).items():
        custom.add_prim_attr(f"crnn_{name}", value)
    return custom


class NativeConvBiasRelu(nn.Cell):
    """Inference only: relu(conv(x, weight) + bias) in one native kernel, stride 1, 'same' or 'valid';
    with pool (a (height, width) window of 2 or 1, its own stride), max-pooled in the same call, as
    nn.MaxPool2d(pool, pool, pad_mode="same") would after it ('same' convolutions only).

    For a convolution followed by BatchNorm and ReLU whose BatchNorm has been folded into weight and
    bias (fold_batch_norm); no gradient. position: one of POSITIONS.
    """

    def __init__(self, kernel_size, pad_mode, dtype="float32", pool=None, position="Only"):
        super().__init__()
        kernel = _kernel_hw(kernel_size, pad_mode)
        _check_position_and_pool(position, pool, pad_mode)

        def output_shape(x, w, b):
            return _pooled_shape([x[0], w[0], *_output_hw(x[2], x[3], kernel, pad_mode)], pool)

        # bfloat16: the activations handed to the next layer are bf16 (half the memory traffic)
        handed_on = mstype.bfloat16 if dtype == "bfloat16" and position in ("First", "Middle") else mstype.float32
        entry = ("CrnnConvBiasRelu" if pool is None else "CrnnConvBiasReluPool") + position
        self.kernel = _custom_op(entry, dtype, output_shape, lambda x, *_: handed_on, role="bias_relu",
                                 kernel=list(kernel), pad_mode=pad_mode, pool=list(pool or (1, 1)), position=position)

    def construct(self, x, weight, bias):
        return self.kernel(x, weight, bias)


class NativeConvBlock(nn.Cell):
    """Training: max_pool(relu(batch_norm(conv(x, weight)))) on the batch's statistics (BatchNorm epsilon
    BATCH_NORM_EPS), forward in one native call and backward in one; between blocks the activations stay
    channels-last (position: one of POSITIONS, where the network's NCHW tensors meet them).

    Returns (y, conv, mean, variance, relu mask, pool workspace): y is the block's output, mean and
    variance the batch's (biased) per channel, from which the caller updates the moving statistics;
    the rest is kept for the backward call. pool as in NativeConvBiasRelu ('same' convolutions only).
    Gradients reach x, weight, gamma and beta; the first block's input (the image) gets zeros.
    """

    def __init__(self, kernel_size, pad_mode, dtype="float32", pool=None, position="Only"):
        super().__init__()
        kernel = _kernel_hw(kernel_size, pad_mode)
        _check_position_and_pool(position, pool, pad_mode)

        def forward_shape(x, w, gamma, beta):
            conv = [x[0], w[0], *_output_hw(x[2], x[3], kernel, pad_mode)]
            out = _pooled_shape(conv, pool)
            return out, conv, [w[0]], [w[0]], conv, out if out != conv else [1, 1, 1, 1]

        attributes = {"kernel": list(kernel), "pad_mode": pad_mode, "pool": list(pool or (1, 1)), "position": position}
        backward = _custom_op(f"CrnnBlockBackward{position}", dtype, lambda dy, x, w, gamma, *_: (x, w, gamma, gamma),
                              lambda dy, x, w, gamma, *_: (x, w, gamma, gamma), role="block_backward", **attributes)

        def bprop(x, w, gamma, beta, out, dout):
            _, conv, mean, variance, mask, workspace = out
            return backward(dout[0], x, w, gamma, conv, mean, variance, mask, workspace)

        self.forward = _custom_op(f"CrnnBlockForward{position}", dtype, forward_shape,
                                  lambda x, *_: (x, x, x, x, mstype.uint8, mstype.uint8), bprop,
                                  role="block_forward", **attributes)

    def construct(self, x, weight, gamma, beta):
        return self.forward(x, weight, gamma, beta)


def fold_batch_norm(weight, gamma, beta, mean, variance, eps):
    """Weight and bias of one convolution equal to conv(., weight) then inference BatchNorm."""
    scale = gamma / ops.sqrt(variance + eps)
    return weight * ops.reshape(scale, (-1, 1, 1, 1)), beta - mean * scale


class NativeBidirectionalLstm(nn.Cell):
    """Inference only: one bidirectional LSTM layer, zero initial states, (T, N, C) -> (T, N, 2H) with the
    forward direction's outputs first, as nn.LSTM(C, H, bidirectional=True) computes it, in one native call.

    Takes the weights stacked per direction: w_layer (2, 4H, C), w_iter (2, 4H, H), bias (2, 4H), the sum of
    nn.LSTM's two biases. bfloat16 computes in bf16 where the CPU has bf16 instructions; no gradient.
    """

    def __init__(self, dtype="float32"):
        super().__init__()
        self.kernel = _custom_op("CrnnLstmInference", dtype, lambda x, w_layer, w_iter, bias: [x[0], x[1], 2 * w_iter[2]],
                                 lambda x, *_: x, role="lstm_inference")

    def construct(self, x, w_layer, w_iter, bias):
        return self.kernel(x, w_layer, w_iter, bias)


# The cells that run the library: a network holding any of them cannot be exported.
NATIVE_CELLS = (NativeConvBlock, NativeConvBiasRelu, NativeBidirectionalLstm)

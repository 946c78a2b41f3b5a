"""The native CPU convolution: oneDNN's channels-last kernels (src/native/crnn_conv.cc) as MindSpore Custom ops.

MindSpore 2.8's CPU Conv2D hands oneDNN plain NCHW tensors and gets im2col + GEMM; the library built by
scripts/build_native.sh runs oneDNN 3's kernels on channels-last activations instead (brgemm), forward,
backward-data and backward-weights. The network keeps its nn.Conv2d (parameter names, shapes, initialisation and
checkpoints are unchanged) and only routes the computation through these ops. Chosen by the config
keys cpu_conv (native | mindspore) and cpu_conv_dtype (float32 | bfloat16, bfloat16 computing in
bf16 with float32 weights, inputs and outputs); export and GPU/Ascend always use MindSpore's Conv2D.
"""
import ctypes
import functools
import hashlib
import logging
import os

import mindspore.nn as nn
import mindspore.ops as ops

from src.errors import ConfigError

NATIVE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "native")
LIBRARY = os.path.join(NATIVE_DIR, "build", "libcrnn_conv.so")
SOURCE = os.path.join(NATIVE_DIR, "crnn_conv.cc")
CPU_CONV_CHOICES = ("native", "mindspore")
CPU_CONV_DTYPES = ("float32", "bfloat16")
_ENTRY_SUFFIX = {"float32": "", "bfloat16": "Bf16"}
# The kernels the network calls, each in every dtype's variant, and the library's own queries.
KERNELS = ("CrnnConvForward", "CrnnConvBackward", "CrnnConvBackwardWeights", "CrnnConvBiasRelu",
           "CrnnConvBiasReluPool")
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


def _custom_op(entry, out_shape, role, kernel, pad_mode, dtype, bprop=None, outputs=1):
    """One library entry as a Custom aot op, float32 out (outputs > 1: a tuple of that many), with
    attributes that make each op distinct (Custom primitives with equal attributes share one shape inference)."""
    out_dtype = (lambda x, *_: x) if outputs == 1 else (lambda x, *_: (x,) * outputs)
    custom = ops.Custom(f"{library_path()}:{entry}{_ENTRY_SUFFIX[dtype]}", out_shape=out_shape,
                        out_dtype=out_dtype, func_type="aot", bprop=bprop)
    custom.add_prim_attr("crnn_role", role)
    custom.add_prim_attr("crnn_kernel", list(kernel))
    custom.add_prim_attr("crnn_pad_mode", pad_mode)
    custom.add_prim_attr("crnn_dtype", dtype)
    return custom


class NativeConv2d(nn.Cell):
    """y = conv(x, weight), stride 1, no bias, 'same' or 'valid' padding, through the native library.

    Called with the nn.Conv2d's own weight Parameter, so gradients reach it as they would through
    nn.Conv2d; the backward pass is the library's backward-data and backward-weights kernels, in one
    call. With input_grad False (the first layer, whose input is the image) the input's gradient is zeros
    instead: nothing reads it, and computing it reads the largest output gradient of the network once more.
    """

    def __init__(self, kernel_size, pad_mode, dtype="float32", input_grad=True):
        super().__init__()
        kernel = _kernel_hw(kernel_size, pad_mode)

        def forward_shape(x, w):
            return [x[0], w[0], *_output_hw(x[2], x[3], kernel, pad_mode)]

        def input_shape(dy, w):
            height, width = (dy[2], dy[3]) if pad_mode == "same" else (dy[2] + kernel[0] - 1, dy[3] + kernel[1] - 1)
            return [dy[0], w[1], height, width]

        def weight_shape(dy, x):
            return [dy[1], x[1], kernel[0], kernel[1]]

        # both gradients in one call, which reorders the output gradient once for the two kernels
        backward = _custom_op("CrnnConvBackward", lambda dy, x, w: (input_shape(dy, w), weight_shape(dy, x)),
                              "backward", kernel, pad_mode, dtype, outputs=2)
        backward_weights = _custom_op("CrnnConvBackwardWeights", weight_shape, "backward_weights", kernel, pad_mode,
                                      dtype)

        def bprop(x, w, out, dout):
            return backward(dout, x, w)

        def bprop_weights_only(x, w, out, dout):
            return ops.zeros_like(x), backward_weights(dout, x)

        if not input_grad:
            bprop = bprop_weights_only

        self.forward = _custom_op("CrnnConvForward", forward_shape, "forward", kernel, pad_mode, dtype, bprop)

    def construct(self, x, weight):
        return self.forward(x, weight)


class NativeConvBiasRelu(nn.Cell):
    """Inference only: relu(conv(x, weight) + bias) in one native kernel, stride 1, 'same' or 'valid';
    with pool (a (height, width) window of 2 or 1, its own stride), max-pooled in the same call, as
    nn.MaxPool2d(pool, pool, pad_mode="same") would after it ('same' convolutions only).

    For a convolution followed by BatchNorm and ReLU whose BatchNorm has been folded into weight and
    bias (fold_batch_norm); no gradient.
    """

    def __init__(self, kernel_size, pad_mode, dtype="float32", pool=None):
        super().__init__()
        kernel = _kernel_hw(kernel_size, pad_mode)
        if pool is not None and (pad_mode != "same" or any(size not in (1, 2) for size in pool)):
            raise ValueError(f"pooling needs a 'same' convolution and a window of 2 or 1, got {pad_mode!r}, {pool}")

        def output_shape(x, w, b):
            height, width = _output_hw(x[2], x[3], kernel, pad_mode)
            if pool is not None:
                height, width = -(-height // pool[0]), -(-width // pool[1])
            return [x[0], w[0], height, width]

        entry = "CrnnConvBiasRelu" if pool is None else "CrnnConvBiasReluPool"
        self.kernel = _custom_op(entry, output_shape, "bias_relu", kernel, pad_mode, dtype)
        self.kernel.add_prim_attr("crnn_pool", list(pool or (1, 1)))

    def construct(self, x, weight, bias):
        return self.kernel(x, weight, bias)


def fold_batch_norm(weight, gamma, beta, mean, variance, eps):
    """Weight and bias of one convolution equal to conv(., weight) then inference BatchNorm."""
    scale = gamma / ops.sqrt(variance + eps)
    return weight * ops.reshape(scale, (-1, 1, 1, 1)), beta - mean * scale

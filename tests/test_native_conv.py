"""The native CPU library against MindSpore's ops: every V1/V2 layer in training (convolution, BatchNorm,
ReLU, pooling) and inference, the whole network, BatchNorm statistics, the fallback."""
import logging
import os
import platform
import re
import subprocess
import sys

import numpy as np
import pytest
import mindspore as ms
import mindspore.nn as nn
import mindspore.ops as ops

from src.crnn import crnn
from src.errors import ConfigError
from src.label import LabelCodec
from src.loss import CTCLoss
from src.model_utils.config import load_config
from src.native_conv import (BATCH_NORM_EPS, NATIVE_CELLS, NativeBidirectionalLstm, NativeConvBiasRelu, NativeConvBlock,
                             fold_batch_norm, library_has_bf16, library_path, library_problem, native_conv_dtype)
from tests.conftest import DEMO_WORDS, REALDATA, REPO, SHIPPED, needs_realdata, run_script

ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")

# (in, out, height, width, kernel, pad mode) of conv1..conv7 for a 32x100 input; V1 and V2 share the VGG.
LAYERS = [(3, 64, 32, 100, 3, "same"), (64, 128, 16, 50, 3, "same"), (128, 256, 8, 25, 3, "same"),
          (256, 256, 8, 25, 3, "same"), (256, 512, 4, 25, 3, "same"), (512, 512, 4, 25, 3, "same"),
          (512, 512, 2, 25, 2, "valid")]
POOLS = [(2, 2), (2, 2), None, (2, 1), None, (2, 1), None]  # V2's max pooling after each layer


def config(*extra):
    return load_config(["--device_target", "CPU", *extra])


def relative_error(got, want):
    return float(np.abs(got - want).max() / np.abs(want).max())


def norm_error(got, want):
    """Relative error over all elements together, for results where a few elements may move alone."""
    return float(np.linalg.norm(got - want) / np.linalg.norm(want))


class LayerUnderTest(nn.Cell):
    """sum(layer(x) * probe) for one VGG layer in training (convolution, BatchNorm on the batch's statistics,
    ReLU, pooling): MindSpore's ops (dtype None) or the native block. Its gradients are the layer's backward."""

    def __init__(self, index, dtype, position="Only"):
        super().__init__()
        cin, cout, _, _, kernel, pad_mode = LAYERS[index]
        pool = POOLS[index]
        self.conv = nn.Conv2d(cin, cout, kernel, pad_mode=pad_mode, has_bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=BATCH_NORM_EPS)
        self.pool = None if pool is None else nn.MaxPool2d(pool, pool, pad_mode="same")
        self.block = None if dtype is None else NativeConvBlock(kernel, pad_mode, dtype, pool, position)

    def construct(self, x, probe):
        if self.block is not None:
            y = self.block(x, self.conv.weight, self.bn.gamma, self.bn.beta)[0]
        else:
            y = ops.relu(self.bn(self.conv(x)))
            if self.pool is not None:
                y = self.pool(y)
        return (y * probe).sum(), y


def layer_outputs(index, dtype, weight, x, probe, position="Only"):
    """y and the gradients of x, weight, gamma and beta."""
    net = LayerUnderTest(index, dtype, position)
    net.set_train(True)
    rng = np.random.default_rng(index)
    net.conv.weight.set_data(ms.Tensor(weight))
    cout = weight.shape[0]
    net.bn.gamma.set_data(ms.Tensor(rng.uniform(0.5, 2, cout).astype(np.float32)))
    net.bn.beta.set_data(ms.Tensor(rng.uniform(-0.5, 0.5, cout).astype(np.float32)))  # the ReLU matters
    grad = ms.value_and_grad(net, grad_position=0, weights=net.trainable_params(), has_aux=True)
    (_, y), (dx, (dw, dgamma, dbeta)) = grad(ms.Tensor(x), ms.Tensor(probe))
    return tuple(t.asnumpy() for t in (y, dx, dw, dgamma, dbeta))


def test_the_library_builds_and_loads_on_x86_64():
    # install.sh builds it; on x86_64 the wheels it links exist, so not loading there is a failure.
    if platform.machine() != "x86_64":
        pytest.skip("the oneDNN wheels are x86_64 only")
    assert library_problem(library_path()) is None
    assert native_conv_dtype(config()) == "float32"  # the default on the CPU


def layer_inputs(index):
    """(weight, x, probe) for one layer, the same for every implementation compared."""
    cin, cout, height, width, kernel, pad_mode = LAYERS[index]
    rng = np.random.default_rng(cin + cout)
    x = rng.standard_normal((2, cin, height, width)).astype(np.float32)
    weight = (rng.standard_normal((cout, cin, kernel, kernel)) * 0.05).astype(np.float32)
    out_hw = (height, width) if pad_mode == "same" else (height - kernel + 1, width - kernel + 1)
    if POOLS[index] is not None:
        out_hw = tuple(-(-size // window) for size, window in zip(out_hw, POOLS[index]))
    probe = rng.standard_normal((2, cout, *out_hw)).astype(np.float32)
    return weight, x, probe


LAYER_IDS = [f"conv{i + 1}" for i in range(len(LAYERS))]
OUTPUTS = ("y", "dx", "dw", "dgamma", "dbeta")


@pytest.mark.parametrize("index", range(len(LAYERS)), ids=LAYER_IDS)
def test_training_block_forward_and_gradients_match_mindspores_ops_on_every_layer(index):
    want = layer_outputs(index, None, *layer_inputs(index))
    got = layer_outputs(index, "float32", *layer_inputs(index))
    for name, g, w in zip(OUTPUTS, got, want):
        assert g.shape == w.shape, name
        assert relative_error(g, w) < 1e-5, name  # fp32, other summation orders: <= 2e-6 measured


# Where the CPU has no bf16 instructions the bf16 entries run the float32 kernels (tested by
# test_bfloat16_on_a_cpu_without_bf16_instructions_runs_float32_with_one_log_line): bf16 numerics can be
# checked only on a CPU that has them.
needs_bf16 = pytest.mark.skipif(platform.machine() != "x86_64" or not library_has_bf16(library_path()),
                                reason="this CPU has no bf16 instructions (AVX512_BF16 or AMX): the bf16 entries "
                                       "run float32 here")


def test_the_first_block_writes_channels_last_and_skips_its_input_gradient():
    """conv1's block ("First") returns nhwc data in an (N, C, H, W) tensor, reads its output gradient so, and
    returns zeros for the image's gradient; its other numbers are those of the NCHW block ("Only")."""
    weight, x, probe = layer_inputs(0)
    y, dx, dw, dgamma, dbeta = layer_outputs(0, "float32", weight, x, probe)
    n, c, h, w = probe.shape
    probe_nhwc = np.ascontiguousarray(probe.transpose(0, 2, 3, 1)).reshape(n, c, h, w)
    first = layer_outputs(0, "float32", weight, x, probe_nhwc, position="First")
    assert np.array_equal(first[0].reshape(n, h, w, c).transpose(0, 3, 1, 2), y)
    assert not first[1].any() and dx.any()
    for name, got, want in zip(("dw", "dgamma", "dbeta"), first[2:], (dw, dgamma, dbeta)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=name)


class TwoBlocks(nn.Cell):
    """sum(conv3(conv2(x)) * probe), conv2 and conv3 each a training block, at the given positions."""

    def __init__(self, positions, weights, probe):
        super().__init__()
        self.first = NativeConvBlock(3, "same", pool=(2, 2), position=positions[0])
        self.second = NativeConvBlock(3, "same", position=positions[1])
        self.weights, self.probe = weights, probe
        self.scale = [ms.Tensor(np.full(w.shape[0], 1.5, np.float32)) for w in weights]
        self.shift = [ms.Tensor(np.full(w.shape[0], 0.1, np.float32)) for w in weights]

    def construct(self, x):
        y = self.first(x, self.weights[0], self.scale[0], self.shift[0])[0]
        return (self.second(y, self.weights[1], self.scale[1], self.shift[1])[0] * self.probe).sum()


def test_blocks_keep_activations_channels_last_between_them():
    """conv2 -> conv3 as "Middle" -> "Last": the first reads nhwc and hands nhwc on, the second reads it
    and writes NCHW; the input gradient comes back nhwc. The chain equals the two layers as NCHW ("Only")
    blocks."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 64, 16, 50)).astype(np.float32)
    weights = [ms.Tensor((rng.standard_normal(s) * 0.05).astype(np.float32)) for s in ((128, 64, 3, 3), (256, 128, 3, 3))]
    probe = ms.Tensor(rng.standard_normal((2, 256, 8, 25)).astype(np.float32))
    x_nhwc = ms.Tensor(np.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(x.shape))
    plain, channels_last = TwoBlocks(("Only", "Only"), weights, probe), TwoBlocks(("Middle", "Last"), weights, probe)
    loss_plain, dx_plain = (t.asnumpy() for t in ms.value_and_grad(plain)(ms.Tensor(x)))
    loss, dx = (t.asnumpy() for t in ms.value_and_grad(channels_last)(x_nhwc))
    assert float(loss) == pytest.approx(float(loss_plain), rel=1e-6)
    assert relative_error(dx.reshape(2, 16, 50, 64).transpose(0, 3, 1, 2), dx_plain) < 1e-5


@needs_bf16
@pytest.mark.parametrize("index", range(len(LAYERS)), ids=LAYER_IDS)
def test_bf16_block_stays_within_bf16_rounding_of_mindspores_ops(index):
    want = layer_outputs(index, None, *layer_inputs(index))
    bf16 = layer_outputs(index, "bfloat16", *layer_inputs(index))
    for name, g, w in zip(OUTPUTS, bf16, want):
        if name == "dx" and index == 0:
            continue  # the image's gradient: zeros in the network, not compared here
        # By norm. bf16 operands (8-bit mantissa) move the convolution's outputs by ~0.3%, which flips the
        # ReLU of ~0.3% of the elements (those that near zero), each taking or dropping its whole gradient:
        # 0.5-5% measured on the gradients. Not float32's ~1e-6, which would mean the bf16 entries silently
        # ran the float32 kernels; a wrong kernel is O(1).
        assert 1e-4 < norm_error(g, w) < 1e-1, name


class InferenceBlock(nn.Cell):
    """relu(BatchNorm(conv(x))) on moving statistics, as MindSpore runs it; and the folded native kernel."""

    def __init__(self, cin, cout, kernel, pad_mode):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, pad_mode=pad_mode, has_bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-4)
        self.fused = NativeConvBiasRelu(kernel, pad_mode)
        self.fused_bf16 = NativeConvBiasRelu(kernel, pad_mode, "bfloat16")

    def construct(self, x):
        weight, bias = fold_batch_norm(self.conv.weight, self.bn.gamma, self.bn.beta, self.bn.moving_mean,
                                       self.bn.moving_variance, self.bn.eps)
        return ops.relu(self.bn(self.conv(x))), self.fused(x, weight, bias), self.fused_bf16(x, weight, bias)


@pytest.mark.parametrize("layer", LAYERS, ids=[f"conv{i + 1}" for i in range(len(LAYERS))])
def test_inference_kernel_with_folded_batch_norm_matches_conv_bn_relu(layer):
    cin, cout, height, width, kernel, pad_mode = layer
    rng = np.random.default_rng(cin * cout)
    block = InferenceBlock(cin, cout, kernel, pad_mode)
    block.conv.weight.set_data(ms.Tensor((rng.standard_normal((cout, cin, kernel, kernel)) * 0.05).astype(np.float32)))
    for param, values in ((block.bn.gamma, rng.uniform(0.5, 2, cout)), (block.bn.beta, rng.uniform(-1, 1, cout)),
                          (block.bn.moving_mean, rng.uniform(-1, 1, cout)),
                          (block.bn.moving_variance, rng.uniform(0.1, 3, cout))):
        param.set_data(ms.Tensor(values.astype(np.float32)))
    block.set_train(False)
    want, got, bf16 = (y.asnumpy() for y in block(ms.Tensor(rng.standard_normal((2, cin, height, width))
                                                                       .astype(np.float32))))
    assert got.shape == want.shape == bf16.shape
    assert 0.2 < (want > 0).mean() < 0.8  # the bias and ReLU matter
    assert relative_error(got, want) < 1e-5
    if library_has_bf16(library_path()):  # elsewhere the bf16 entry is the float32 kernel
        assert 1e-4 < relative_error(bf16, want) < 1e-2


class PooledInferenceBlock(nn.Cell):
    """MindSpore's conv -> BatchNorm -> ReLU -> max pooling beside the native kernel that pools too."""

    def __init__(self, cin, cout, pool):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, pad_mode="same", has_bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-4)
        self.pool = nn.MaxPool2d(kernel_size=pool, stride=pool, pad_mode="same")
        self.fused = NativeConvBiasRelu(3, "same", pool=pool)

    def construct(self, x):
        weight, bias = fold_batch_norm(self.conv.weight, self.bn.gamma, self.bn.beta, self.bn.moving_mean,
                                       self.bn.moving_variance, self.bn.eps)
        return self.pool(ops.relu(self.bn(self.conv(x)))), self.fused(x, weight, bias)


# The pooled V2 layers (conv1, conv2: 2x2; conv4, conv6: 2x1), and odd sizes that "same" pooling pads.
POOLED = [(3, 64, 32, 100, (2, 2)), (64, 128, 16, 50, (2, 2)), (256, 256, 8, 25, (2, 1)), (512, 512, 4, 25, (2, 1)),
          (16, 32, 7, 9, (2, 2)), (16, 32, 5, 3, (2, 1))]


@pytest.mark.parametrize("layer", POOLED, ids=["conv1", "conv2", "conv4", "conv6", "odd_2x2", "odd_2x1"])
def test_inference_kernel_that_pools_matches_conv_bn_relu_maxpool(layer):
    cin, cout, height, width, pool = layer
    rng = np.random.default_rng(cin + cout + height)
    block = PooledInferenceBlock(cin, cout, pool)
    block.conv.weight.set_data(ms.Tensor((rng.standard_normal((cout, cin, 3, 3)) * 0.05).astype(np.float32)))
    for param, values in ((block.bn.gamma, rng.uniform(0.5, 2, cout)), (block.bn.beta, rng.uniform(-1, 1, cout)),
                          (block.bn.moving_mean, rng.uniform(-1, 1, cout)),
                          (block.bn.moving_variance, rng.uniform(0.1, 3, cout))):
        param.set_data(ms.Tensor(values.astype(np.float32)))  # statistics that folding must get right
    block.set_train(False)
    want, got = (y.asnumpy() for y in block(ms.Tensor(rng.standard_normal((2, cin, height, width)).astype(np.float32))))
    assert got.shape == want.shape == (2, cout, -(-height // pool[0]), -(-width // pool[1]))
    assert relative_error(got, want) < 1e-5


def test_inference_kernel_pools_only_after_same_convolutions_with_windows_of_two_or_one():
    with pytest.raises(ValueError, match="pooling needs a 'same' convolution"):
        NativeConvBiasRelu(2, "valid", pool=(2, 2))
    with pytest.raises(ValueError, match="window of 2 or 1"):
        NativeConvBiasRelu(3, "same", pool=(3, 3))


def test_networks_fold_batch_norm_for_inference_only():
    net = crnn(config("--model_version", "V2"), full_precision=True)
    rng = np.random.default_rng(3)
    images = ms.Tensor(rng.uniform(-1, 1, (2, 3, 32, 100)).astype(np.float32))
    ranges = {"gamma": (0.5, 2), "beta": (-0.5, 0.5), "moving_mean": (-0.5, 0.5), "moving_variance": (0.2, 3)}
    for param in net.get_parameters():  # statistics a trained network has, not the fresh 0/1 that fold to nothing
        kind = param.name.rsplit(".", 1)[-1]
        if ".bn" in param.name and kind in ranges:
            param.set_data(ms.Tensor(rng.uniform(*ranges[kind], param.shape).astype(np.float32)))
    reference = crnn(config("--model_version", "V2", "--cpu_conv", "mindspore"), full_precision=True)
    for p, q in zip(net.get_parameters(), reference.get_parameters()):
        q.set_data(p.value())
    for train in (False, True):  # True: BatchNorm on batch statistics; False: the folded kernel
        net.set_train(train)
        reference.set_train(train)
        assert relative_error(net(images).asnumpy(), reference(images).asnumpy()) < 1e-4, train


@pytest.mark.parametrize("version", [pytest.param("V1", marks=pytest.mark.slow), "V2"])
def test_whole_network_loss_and_gradients_match(version):
    rng = np.random.default_rng(5)
    images = ms.Tensor(rng.uniform(-1, 1, (4, 3, 32, 100)).astype(np.float32))
    labels = np.full((4, 23), 36, np.int32)
    labels[:, :6] = rng.integers(0, 36, (4, 6))
    labels = ms.Tensor(labels)
    results = {}
    weights = None
    ms.set_seed(7)
    for conv in ("mindspore", "native"):
        cfg = config("--model_version", version, "--cpu_conv", conv, "--use_dropout", "False")
        net = crnn(cfg, full_precision=True)
        if weights is None:
            weights = {p.name: p.value().asnumpy() for p in net.get_parameters()}
        else:
            for p in net.get_parameters():
                p.set_data(ms.Tensor(weights[p.name]))
        net.set_train(True)  # the training path; BatchNorm on batch statistics, no dropout: one function
        loss_net = nn.WithLossCell(net, CTCLoss(cfg.blank))
        params = net.trainable_params()
        loss, grads = ms.value_and_grad(loss_net, None, params)(images, labels)
        results[conv] = (float(loss.asnumpy().sum()), {p.name: g.asnumpy() for p, g in zip(params, grads)})
    (loss_ms, grads_ms), (loss_native, grads_native) = results["mindspore"], results["native"]
    assert abs(loss_native - loss_ms) <= 1e-5 * abs(loss_ms)
    assert grads_ms.keys() == grads_native.keys()
    assert any(name.endswith("conv.weight") for name in grads_native)
    for name, want in grads_ms.items():
        if np.abs(want).max() > 0:
            # By norm: a ReLU input within ~1e-6 of zero can flip between the two summation orders and
            # move one channel's gradient, and through the BatchNorms below it every earlier layer's
            # (measured: ~7e-6 without a flip, 3e-3 and 1.3e-2 with one); a wrong kernel is O(1).
            assert norm_error(grads_native[name], want) < 5e-2, name


def test_networks_for_export_and_other_devices_use_mindspore_convolution():
    def native_cells(net):
        return [name for name, cell in net.cells_and_names() if isinstance(cell, NATIVE_CELLS)]

    assert len(native_cells(crnn(config("--model_version", "V2"), full_precision=True))) == 16  # 7 layers x 2, 2 LSTMs
    assert native_cells(crnn(config("--model_version", "V2"), full_precision=True, for_export=True)) == []
    assert native_cells(crnn(config("--model_version", "V2", "--cpu_conv", "mindspore"), full_precision=True)) == []
    gpu = config("--model_version", "V2")
    gpu.device_target = "GPU"
    assert native_conv_dtype(gpu) is None
    names = lambda net: sorted(p.name for p in net.get_parameters())  # noqa: E731
    assert names(crnn(config("--model_version", "V1"), full_precision=True)) == \
        names(crnn(config("--model_version", "V1", "--cpu_conv", "mindspore"), full_precision=True))


def test_bfloat16_needs_the_native_convolution():
    with pytest.raises(ConfigError, match="cpu_conv_dtype bfloat16 needs cpu_conv native"):
        native_conv_dtype(config("--cpu_conv", "mindspore", "--cpu_conv_dtype", "bfloat16"))
    want = "bfloat16" if library_has_bf16(library_path()) else "float32"
    assert native_conv_dtype(config("--cpu_conv_dtype", "bfloat16")) == want


BF16_WITHOUT_HARDWARE = """
import logging, numpy as np, mindspore as ms
from src.model_utils.config import load_config
from src.native_conv import NativeConvBiasRelu, library_has_bf16, library_path, native_conv_dtype
ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
logging.basicConfig(level=logging.WARNING, format="%(message)s")
cfg = load_config(["--device_target", "CPU", "--cpu_conv_dtype", "bfloat16"])
print("has_bf16", library_has_bf16(library_path()), "dtype", native_conv_dtype(cfg), native_conv_dtype(cfg))
rng = np.random.default_rng(0)
x, w, b = (ms.Tensor(rng.standard_normal(s).astype(np.float32)) for s in ((2, 256, 8, 25), (256, 256, 3, 3), (256,)))
ys = [NativeConvBiasRelu(3, "same", dtype)(x, w, b).asnumpy() for dtype in ("float32", "bfloat16")]
print("identical", bool(np.array_equal(*ys)))
"""


def test_bfloat16_on_a_cpu_without_bf16_instructions_runs_float32_with_one_log_line():
    # oneDNN would emulate bf16 there at about half the float32 speed. ONEDNN_MAX_CPU_ISA hides the bf16
    # instructions from oneDNN, as on a CPU without them (the ISA is fixed at oneDNN's first use: a new process).
    env = dict(os.environ, ONEDNN_MAX_CPU_ISA="AVX512_CORE_VNNI")
    result = subprocess.run([sys.executable, "-c", BF16_WITHOUT_HARDWARE], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "has_bf16 False dtype float32 float32" in result.stdout
    assert "identical True" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "no bf16 instructions" in line]
    assert warnings == ["cpu_conv_dtype bfloat16: this CPU has no bf16 instructions (AVX512_BF16 or AMX), "
                        "computing in float32"]


CHANNELS_LAST_SCRIPT = """
import numpy as np, mindspore as ms
from src.native_conv import NativeConvBiasRelu, NativeConvBlock
ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")  # graph mode needs source files, not -c
rng = np.random.default_rng(0)
for cin, cout in ((3, 64), (64, 128)):
    x, w = (ms.Tensor(rng.standard_normal(s).astype(np.float32)) for s in ((2, cin, 8, 10), (cout, cin, 3, 3)))
    ones, zeros = ms.Tensor(np.ones(cout, np.float32)), ms.Tensor(np.zeros(cout, np.float32))
    block = NativeConvBlock(3, "same")
    ms.grad(lambda x, w: block(x, w, ones, zeros)[0].sum(), grad_position=(0, 1))(x, w)
    NativeConvBiasRelu(3, "same")(x, w, zeros).asnumpy()
"""


def convolution_source_layouts(**env):
    """{(input channels, kind of kernel): layouts of its source} that oneDNN reports running CHANNELS_LAST_SCRIPT."""
    result = subprocess.run([sys.executable, "-c", CHANNELS_LAST_SCRIPT], cwd=REPO, capture_output=True, text=True,
                            env=dict(os.environ, ONEDNN_VERBOSE="1", **env), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    layouts = {}
    for line in result.stdout.splitlines():
        fields = line.split(",")
        if line.startswith("onednn_verbose") and len(fields) > 6 and fields[1] == "exec" and fields[3] == "convolution":
            source = re.search(r"src_f32:\w*:blocked:(\w+)", fields[6]).group(1)
            channels = int(re.search(r"ic(\d+)", fields[-2]).group(1))
            layouts.setdefault((channels, fields[5]), set()).add(source)
    return layouts


def cpu_has_avx512():
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        flags = cpuinfo.read().split()
    return all(flag in flags for flag in ("avx512f", "avx512bw", "avx512vl", "avx512dq"))


@pytest.mark.skipif(platform.machine() != "x86_64" or not cpu_has_avx512(), reason="needs an AVX-512 CPU")
def test_layers_with_many_input_channels_compute_channels_last_on_avx512():
    # oneDNN's brgemm kernels on nhwc activations ran every V2 layer 20-35% faster than the nChw16c direct
    # kernels it picks by itself (conv1's 3 input channels take oneDNN's choice). ONEDNN_VERBOSE names the
    # layout of each convolution's source ("acdb" is nhwc).
    layouts = convolution_source_layouts()
    assert layouts[(64, "forward_training")] == layouts[(64, "forward_inference")] == {"acdb"}
    assert layouts[(64, "backward_data")] == layouts[(64, "backward_weights")] == {"acdb"}
    # On AVX2 channels-last was no faster: there every layer keeps oneDNN's choice, blocked for training.
    avx2 = convolution_source_layouts(ONEDNN_MAX_CPU_ISA="AVX2")
    assert avx2[(64, "forward_training")] == avx2[(64, "backward_weights")] == {"aBcd8b"}


def build_stub_library(path, entries, source_sha256):
    """A shared library with the given entry points (each failing), carrying source_sha256: a build of
    another version of src/native/crnn_conv.cc, as far as the loader can tell."""
    source = path.with_suffix(".c")
    lines = [f"int {name}(void) {{ return 1; }}" for name in entries]
    lines.append(f'const char *CrnnConvSourceSha256(void) {{ return "{source_sha256}"; }}')
    lines.append('const char *CrnnConvOnednnVersion(void) { return "0.0.0"; }')
    source.write_text("\n".join(lines) + "\n")
    subprocess.run(["gcc", "-shared", "-fPIC", str(source), "-o", str(path)], check=True)


PROBLEMS = {"missing": "is not built", "not_a_library": "does not load",
            "lacks_an_entry_point": "lacks CrnnConvBiasReluPoolFirst, CrnnConvBiasReluPoolFirstBf16, CrnnConvBiasReluPoolMiddle ...: "
                                    "it was built from another "
                                    "version of src/native/crnn_conv.cc; rebuild it with bash scripts/build_native.sh",
            "built_from_another_source": "was built from another version of src/native/crnn_conv.cc; rebuild it "
                                         "with bash scripts/build_native.sh"}


@pytest.mark.parametrize("what", list(PROBLEMS))
def test_without_a_loadable_library_mindspore_convolution_runs_with_one_log_line(what, tmp_path, monkeypatch, caplog):
    from src.native_conv import ENTRY_POINTS, source_sha256
    path = tmp_path / "libcrnn_conv.so"
    if what == "not_a_library":
        path.write_text("not an ELF file\n")
    elif what == "lacks_an_entry_point":
        build_stub_library(path, [e for e in ENTRY_POINTS if not e.startswith("CrnnConvBiasReluPool")
                                  and e not in ("CrnnConvSourceSha256", "CrnnConvOnednnVersion")], source_sha256())
    elif what == "built_from_another_source":
        build_stub_library(path, [e for e in ENTRY_POINTS if e not in ("CrnnConvSourceSha256", "CrnnConvOnednnVersion")],
                           "0" * 64)
    monkeypatch.setenv("CRNN_NATIVE_CONV_LIB", str(path))
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            assert native_conv_dtype(config()) is None
        net = crnn(config("--model_version", "V2"), full_precision=True)
    lines = [r.getMessage() for r in caplog.records if "cpu_conv native unavailable" in r.getMessage()]
    assert len(lines) == 1, lines
    assert str(path) in lines[0]
    assert PROBLEMS[what] in lines[0]
    net.set_train(False)
    out = net(ms.Tensor(np.zeros((1, 3, 32, 100), np.float32)))
    assert out.shape == (24, 1, 37)
    assert os.environ["CRNN_NATIVE_CONV_LIB"] == str(path)


def _read_by_eval(conv, *data):
    result = run_script("eval.py", "--device_target", "CPU", "--model_version", "V2", "--checkpoint_path", SHIPPED,
                        "--cpu_conv", conv, "--print_flag", "True", *data)
    assert result.returncode == 0, result.stderr[-2000:]
    words = [line.split(" :: ")[0] for line in result.stdout.splitlines() if " :: " in line]
    count = re.search(r"correct num:  (\d+) , total num:  (\d+)", result.stdout).groups()
    return words, tuple(map(int, count))


def _same_words_either_way(*data):
    native, by_mindspore = _read_by_eval("native", *data), _read_by_eval("mindspore", *data)
    assert native == by_mindspore
    return native


def test_shipped_model_gives_the_same_logits_on_the_demo_crops_with_either_convolution():
    from src.checkpoint import load_eval_network
    from src.dataset import decode_image, preprocess
    from src.readers.path_label import parse_iiit5k
    images = ms.Tensor(np.stack([preprocess(decode_image(s.path)) for s in parse_iiit5k(DEMO_WORDS)]))
    logits = {conv: load_eval_network(config("--model_version", "V2", "--cpu_conv", conv), SHIPPED)(images).asnumpy()
              for conv in ("native", "mindspore")}
    assert relative_error(logits["native"], logits["mindspore"]) < 1e-5
    assert (logits["native"].argmax(2) == logits["mindspore"].argmax(2)).all()


@needs_bf16
def test_bf16_inference_gives_the_shipped_models_float32_readings_on_the_demo_crops():
    """bf16 convolutions and LSTMs, bf16 activations between the layers: within bf16 rounding of float32,
    the same words read, and a frame's best class changed only where float32's top two nearly tie."""
    from src.checkpoint import load_eval_network
    from src.dataset import decode_image, preprocess
    from src.readers.path_label import parse_iiit5k
    images = ms.Tensor(np.stack([preprocess(decode_image(s.path)) for s in parse_iiit5k(DEMO_WORDS)]))
    logits = {dtype: load_eval_network(config("--model_version", "V2", "--cpu_conv_dtype", dtype), SHIPPED)(images)
              .asnumpy() for dtype in ("float32", "bfloat16")}
    # By norm over all logits: a frame near a ReLU or pooling tie can move by a few units on its own.
    assert 1e-4 < norm_error(logits["bfloat16"], logits["float32"]) < 3e-2  # 1.5e-3 measured (2.6e-3 with the stage-9 file, 9.1e-3 with another average)
    settings = config("--model_version", "V2")
    codec = LabelCodec(settings.label_dict, settings.max_text_length)
    assert codec.greedy_decode(logits["bfloat16"]) == codec.greedy_decode(logits["float32"])
    changed = logits["bfloat16"].argmax(2) != logits["float32"].argmax(2)
    top_two = np.sort(logits["float32"], axis=2)[..., -2:]
    # 1 frame of 312 with this file, float32's top two 0.17 apart (a repeated 'o' against a blank)
    assert changed.sum() <= 3 and (top_two[..., 1] - top_two[..., 0])[changed].max(initial=0.0) < 0.5


@pytest.mark.slow
@needs_realdata("IC13")
def test_shipped_model_reads_the_same_ic13_words_with_either_convolution():
    words, count = _same_words_either_way("--eval_dataset", "ic13", "--eval_dataset_path", os.path.join(REALDATA, "IC13"))
    assert count == (741, 857) and len(words) == 857  # the model card's figure


@pytest.mark.slow
@needs_realdata("IIIT5K")
def test_shipped_model_reads_the_same_iiit5k_words_with_either_convolution(tmp_path):
    root = tmp_path / "IIIT5K"
    root.mkdir()
    os.symlink(os.path.join(REALDATA, "IIIT5K", "test"), root / "test")
    converted = run_script("convert_iiit5k.py", "-m", os.path.join(REALDATA, "IIIT5K", "testCharBound.mat"),
                           "-a", root / "annotation.txt", "--image_root", os.path.join(REALDATA, "IIIT5K"))
    assert converted.returncode == 0, converted.stderr[-2000:]
    words, count = _same_words_either_way("--eval_dataset", "iiit5k", "--eval_dataset_path", root)
    assert count == (2505, 3000) and len(words) == 3000


NATIVE_CALL = """
import ctypes, resource, sys
import numpy as np
lib = ctypes.CDLL(sys.argv[1])


def tensors(n, c, h, w, o):
    return [np.zeros(s, np.float32) for s in ((n, c, h, w), (o, c, 3, 3), (o,), (n, o, h, w))]


def forward(*shape, arrays=None):
    arrays = arrays or tensors(*shape)
    params = (ctypes.c_void_p * 4)(*[a.ctypes.data for a in arrays])
    dims = [(ctypes.c_int64 * a.ndim)(*a.shape) for a in arrays]
    shapes = (ctypes.POINTER(ctypes.c_int64) * 4)(*[ctypes.cast(d, ctypes.POINTER(ctypes.c_int64)) for d in dims])
    return lib.CrnnConvBiasReluOnly(4, params, (ctypes.c_int * 4)(4, 4, 1, 4), shapes,
                                    (ctypes.c_char_p * 4)(*[b"float32"] * 4), None, None)


if sys.argv[2] == "many_shapes":
    print("returned", sorted({forward(1, 16, 4, w, 16) for w in range(4, 84)}), "cached", lib.CrnnConvCachedPlans())
else:  # a call that cannot get its memory fails with 1 and a message; the process goes on
    # after one call that ran, as in a run that meets the limit mid-way: a process whose first call finds no
    # memory cannot start oneDNN's threads, and its later primitives fail too (measured)
    forward(2, 16, 4, 8, 16)
    arrays = tensors(64, 64, 16, 50, 128)
    vm = int([l for l in open("/proc/self/status") if l.startswith("VmSize")][0].split()[1]) << 10
    resource.setrlimit(resource.RLIMIT_AS, (vm + (1 << 20), resource.RLIM_INFINITY))
    first = forward(arrays=arrays)
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    print("returned", first, forward(2, 64, 16, 50, 128))
"""


def _native_call(what, **env):
    return subprocess.run([sys.executable, "-c", NATIVE_CALL, library_path(), what], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, **env))


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the oneDNN wheels are x86_64 only")
def test_the_plan_cache_is_bounded():
    # 80 shapes, one plan each: the cache keeps the 64 used last (each plan holds its buffers)
    result = _native_call("many_shapes")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["returned", "[0]", "cached", "64"]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the oneDNN wheels are x86_64 only")
def test_a_kernel_that_runs_out_of_memory_fails_with_a_message_not_an_abort():
    result = _native_call("out_of_memory")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["returned", "1", "0"]
    assert result.stderr.startswith("CrnnConvBiasReluOnly: ")


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the oneDNN wheels are x86_64 only")
def test_the_pinned_onednn_wins_over_another_on_ld_library_path(tmp_path):
    # DT_RPATH is searched before LD_LIBRARY_PATH (DT_RUNPATH after it): a foreign libdnnl.so.3 there,
    # here one without any of oneDNN's symbols, must not be the one the library binds to.
    stub = tmp_path / "libdnnl.so.3"
    (tmp_path / "empty.c").write_text("int not_onednn(void) { return 0; }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", str(tmp_path / "empty.c"), "-o", str(stub), "-Wl,-soname,libdnnl.so.3"],
                   check=True)
    result = _native_call("many_shapes", LD_LIBRARY_PATH=str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[:2] == ["returned", "[0]"]


FALLBACK_SCRIPT = """
import numpy as np, mindspore as ms
from src.native_conv import NativeConvBiasRelu
ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")
rng = np.random.default_rng(0)
x, w, b = (ms.Tensor(rng.standard_normal(s).astype(np.float32)) for s in ((2, 64, 16, 50), (128, 64, 3, 3), (128,)))
y32, y16 = (NativeConvBiasRelu(3, "same", dtype)(x, w, b).asnumpy() for dtype in ("float32", "bfloat16"))
print("relative_error", float(np.abs(y16 - y32).max() / np.abs(y32).max()))
"""


@needs_bf16
def test_a_shape_without_a_bf16_kernel_falls_back_to_float32_kernels_with_bf16_arithmetic():
    # MakePlan's fallback, reached by refusing every bf16 plan: the forward kernel then reads float32 operands
    # under fpmath_mode bf16, and computes the same convolution.
    result = subprocess.run([sys.executable, "-c", FALLBACK_SCRIPT], cwd=REPO, capture_output=True, text=True,
                            env=dict(os.environ, ONEDNN_VERBOSE="1", CRNN_CONV_REFUSE_BF16_PLANS="1"), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    kernels = [line.split(",") for line in result.stdout.splitlines()
               if line.startswith("onednn_verbose") and ",exec," in line and ",convolution," in line]
    assert kernels and all("src_f32" in k[6] and "wei_f32" in k[6] for k in kernels), kernels
    assert any("attr-fpmath:bf16" in k[7] for k in kernels), kernels  # the bf16 request, not plain float32
    error = float(result.stdout.split("relative_error")[1].split()[0])
    assert error < 1e-2


def test_training_steps_update_batch_norm_moving_statistics_as_mindspores_batch_norm():
    # The native blocks return the batch's mean and (biased) variance; the network folds them into the
    # moving statistics itself (momentum 0.9, the variance unbiased), once a step, as nn.BatchNorm2d does.
    from src.crnn_for_train import TrainOneStepCellWithGradClip
    rng = np.random.default_rng(11)
    batches = [(ms.Tensor(rng.uniform(-1, 1, (4, 3, 32, 100)).astype(np.float32)),
                ms.Tensor(np.where(np.arange(23) < 5, rng.integers(0, 36, (4, 23)), 36).astype(np.int32)))
               for _ in range(3)]
    state = {}
    ms.set_seed(3)
    for conv in ("mindspore", "native"):
        cfg = config("--model_version", "V2", "--cpu_conv", conv, "--use_dropout", "False")
        net = crnn(cfg, full_precision=True)
        if not state:
            initial = {p.name: p.value().asnumpy() for p in net.get_parameters()}
        for p in net.get_parameters():
            p.set_data(ms.Tensor(initial[p.name]))
        net.set_train(True)
        loss_net = nn.WithLossCell(net, CTCLoss(cfg.blank))
        step = TrainOneStepCellWithGradClip(loss_net, nn.SGD(net.trainable_params(), learning_rate=0.01))
        losses = [float(step(images, labels).asnumpy().sum()) for images, labels in batches]
        state[conv] = losses, {p.name: p.value().asnumpy() for p in net.get_parameters() if "moving" in p.name}
    (losses_ms, stats_ms), (losses_native, stats_native) = state["mindspore"], state["native"]
    np.testing.assert_allclose(losses_native, losses_ms, rtol=1e-4)
    assert len(stats_ms) == 16 and stats_ms.keys() == stats_native.keys()  # 7 blocks and the unused bn1
    for name, want in stats_ms.items():
        moved = np.abs(want - initial[name]).max()
        if "bn1." in name:
            assert moved == 0 and np.array_equal(stats_native[name], want), name
            continue
        assert moved > 1e-5, name  # three steps moved it
        # of the movement: a missed or doubled update is O(1); the sums' order ~1e-3 (conv1's mean, near 0)
        assert relative_error(stats_native[name] - initial[name], want - initial[name]) < 1e-2, name


class LstmPair(nn.Cell):
    """nn.LSTM (bidirectional) and the native inference kernel on its parameters."""

    def __init__(self, in_size, hidden, dtype):
        super().__init__()
        self.rnn = nn.LSTM(in_size, hidden, bidirectional=True)
        self.native = NativeBidirectionalLstm(dtype)

    def construct(self, x):
        rnn = self.rnn
        native = self.native(x, ops.stack([rnn.w_ih_list[0], rnn.w_ih_list[1]]),
                             ops.stack([rnn.w_hh_list[0], rnn.w_hh_list[1]]),
                             ops.stack([rnn.b_ih_list[0] + rnn.b_hh_list[0], rnn.b_ih_list[1] + rnn.b_hh_list[1]]))
        return rnn(x)[0], native


@pytest.mark.parametrize("in_size", [512, 256], ids=["rnn1", "rnn2"])  # V2's two layers, hidden 256
def test_native_lstm_inference_matches_nn_lstm(in_size):
    rng = np.random.default_rng(in_size)
    x = ms.Tensor(rng.standard_normal((24, 3, in_size)).astype(np.float32))
    for dtype in ("float32", "bfloat16"):
        pair = LstmPair(in_size, 256, dtype)
        pair.set_train(False)
        want, got = (y.asnumpy() for y in pair(x))
        assert got.shape == want.shape == (24, 3, 512)
        error = relative_error(got, want)
        if dtype == "float32" or not library_has_bf16(library_path()):
            assert error < 1e-5, dtype  # 1e-6 measured
        else:
            assert 1e-4 < error < 2e-2, dtype  # bf16 operands: 5e-3 measured

import numpy as np
import pytest
import mindspore as ms

from src.crnn import CRNNV2, crnn
from src.errors import CRNNError
from src.model_utils.config import load_config

ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")


def count(params):
    return sum(int(np.prod(p.shape)) for p in params)


def build(version, *extra):
    return crnn(load_config(["--model_version", version, "--device_target", "CPU", *extra]), full_precision=True)


def test_v2_parameter_count_and_output_shape_for_batch_1_and_64():
    net = build("V2")
    assert count(net.trainable_params()) == 8_333_157
    net.set_train(False)
    for batch in (1, 64):
        out = net(ms.Tensor(np.random.rand(batch, 3, 32, 100).astype(np.float32)))
        assert out.shape == (24, batch, 37)


def test_v1_shapes_match_the_zoo():
    net = build("V1")
    shapes = {p.name: tuple(p.shape) for p in net.get_parameters()}
    for name in ("w1", "w1_bw", "w2", "w2_bw"):
        assert shapes[name] == (512 + 256, 1024)  # layer 1: [x; h]; layer 2: [2h; h], also 768
    for name in ("b1", "b1_bw", "b2", "b2_bw"):
        assert shapes[name] == (1024,)
    assert shapes["fc.weight"] == (37, 256) and shapes["fc.bias"] == (37,)
    assert shapes["vgg.conv7.conv.weight"] == (512, 512, 2, 2)
    assert shapes["vgg.bn1.gamma"] == (512,)  # unused, but in the zoo's checkpoints
    assert count(net.trainable_params()) == 8_712_549


def test_v1_runs_on_cpu_for_any_batch():
    net = build("V1")
    net.set_train(False)
    for batch in (1, 3):
        assert net(ms.Tensor(np.zeros((batch, 3, 32, 100), np.float32))).shape == (24, batch, 37)


def test_zoo_parameter_names():
    names = {p.name for p in build("V2").get_parameters()}
    assert {"vgg.conv1.conv.weight", "vgg.conv1.bn.moving_mean", "rnn.0.embedding.weight",
            "rnn.1.embedding.bias", "rnn.0.rnn.weight_ih_l0", "rnn.1.rnn.weight_hh_l0_reverse"} <= names


class SumOfSquares(ms.nn.Cell):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def construct(self, x):
        return (self.net(x) ** 2).sum()


def test_v2_bidirectional_lstm_as_one_cpu_operator_gives_nn_lstm_numbers():
    config = load_config(["--model_version", "V2", "--device_target", "CPU", "--cpu_conv", "mindspore"])
    one_op, per_direction = CRNNV2(config, None, one_op_lstm=True), CRNNV2(config, None, one_op_lstm=False)
    assert one_op.rnn[0].bidirectional_op is not None and per_direction.rnn[0].bidirectional_op is None
    assert build("V2").rnn[0].bidirectional_op is not None  # the CPU default
    assert crnn(config, full_precision=True, for_export=True).rnn[0].bidirectional_op is None
    ms.load_param_into_net(per_direction, {p.name: p for p in one_op.get_parameters()}, strict_load=True)
    x = ms.Tensor(np.random.default_rng(0).uniform(-1, 1, (3, 3, 32, 100)).astype(np.float32))
    for net in (one_op, per_direction):
        net.set_train(False)
    np.testing.assert_allclose(one_op(x).asnumpy(), per_direction(x).asnumpy(), rtol=0, atol=1e-6)
    grads = []
    for net in (one_op, per_direction):
        net.set_train(True)
        grad = ms.ops.GradOperation(get_by_list=True)(SumOfSquares(net), ms.ParameterTuple(net.trainable_params()))
        grads.append([g.asnumpy() for g in grad(x)])
    names = [p.name for p in one_op.trainable_params()]
    assert names == [p.name for p in per_direction.trainable_params()]
    for name, a, b in zip(names, *grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(b).max(), err_msg=name)


def test_custom_label_dict_changes_the_head():
    net = build("V2", "--label_dict", "0123456789")
    net.set_train(False)
    assert net(ms.Tensor(np.zeros((2, 3, 32, 100), np.float32))).shape == (24, 2, 11)


def test_unknown_version_raises():
    config = load_config([])
    config.model_version = "V9"
    with pytest.raises(CRNNError, match="model_version"):
        crnn(config)


_DIGEST = """
import hashlib, sys
import mindspore as ms
from src.crnn import crnn
from src.model_utils.config import load_config
ms.set_seed(int(sys.argv[2]))
net = crnn(load_config(["--model_version", sys.argv[1], "--device_target", "CPU"]), full_precision=True)
digest = hashlib.sha256()
for p in sorted(net.get_parameters(), key=lambda p: p.name):
    digest.update(p.name.encode() + p.asnumpy().tobytes())
print(digest.hexdigest())
"""


@pytest.mark.parametrize("version", [pytest.param("V1", marks=pytest.mark.slow), "V2"])
def test_two_processes_with_one_seed_build_identical_weights(version):
    import subprocess
    import sys
    from tests.conftest import REPO
    digests = [subprocess.run([sys.executable, "-c", _DIGEST, version, seed], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.strip() for seed in ("1", "1", "2")]
    assert digests[0] == digests[1] != digests[2]

"""The weight average (ema_decay): its update rule, its place in checkpoints, and eval/export reading it."""
import numpy as np
import pytest
import mindspore as ms

from src.checkpoint import load_network_checkpoint, read_checkpoint
from src.crnn import crnn
from src.model_utils.config import load_config
from src.weight_average import AVERAGE_PREFIX, WeightAverage
from tests.conftest import SHIPPED, run_script

V2 = ["--device_target", "CPU", "--model_version", "V2"]


def _network():
    return crnn(load_config(V2), full_precision=True)


def test_average_follows_the_update_rule_with_its_warm_up():
    net = _network()
    average = WeightAverage(net, 0.99)
    assert average.decay_at(1) == pytest.approx(2 / 11) and average.decay_at(10_000) == 0.99
    param = net.get_parameters().__next__()
    expected = param.asnumpy().copy()
    rng = np.random.default_rng(0)
    for step in (1, 2, 500):
        new = rng.standard_normal(param.shape).astype(np.float32)
        param.set_data(ms.Tensor(new))
        decay = np.float32(average.decay_at(step))
        expected = expected * decay + new * (np.float32(1.0) - decay)
        average.update(step)
    got = dict(average.entries())[AVERAGE_PREFIX + param.name].asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    assert len(average.entries()) == len(list(net.get_parameters()))  # BatchNorm statistics too


def test_swapping_the_average_in_restores_the_trained_weights_after():
    net = _network()
    average = WeightAverage(net, 0.5)
    param = next(net.get_parameters())
    trained = param.asnumpy() + 1.0
    param.set_data(ms.Tensor(trained))
    with average.swapped_in():
        assert not np.array_equal(param.asnumpy(), trained)
    np.testing.assert_array_equal(param.asnumpy(), trained)


def test_decay_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="ema_decay"):
        WeightAverage(_network(), 1.0)


def test_training_checkpoint_holds_the_average_and_loads_either_set_of_weights(trained_run):
    ckpt = trained_run[2]
    params = read_checkpoint(ckpt)
    names = [p.name for p in _network().get_parameters()]
    assert all(AVERAGE_PREFIX + n in params for n in names)
    trained, averaged = _network(), _network()
    load_network_checkpoint(trained, ckpt, "V2")  # strict: the averages are not network weights
    load_network_checkpoint(averaged, ckpt, "V2", "average")
    name = "vgg.conv1.conv.weight"
    got = {p.name: p.asnumpy() for p in averaged.get_parameters()}
    np.testing.assert_array_equal(got[name], params[AVERAGE_PREFIX + name].asnumpy())
    assert not np.array_equal(got[name], {p.name: p.asnumpy() for p in trained.get_parameters()}[name])


def test_a_checkpoint_without_an_average_is_named(tiny_synth):
    result = run_script("eval.py", *V2, "--eval_dataset", "synth", "--eval_dataset_path", tiny_synth,
                        "--checkpoint_path", SHIPPED, "--ckpt_weights", "average")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: checkpoint {SHIPPED} holds no weight average (train with --ema_decay, e.g. 0.999), so "
        "--ckpt_weights average has nothing to load")


def test_export_of_the_average_is_the_average(trained_run, tmp_path):
    out = tmp_path / "avg"
    result = run_script("export.py", *V2, "--ckpt_file", trained_run[2], "--file_name", out, "--file_format", "CKPT",
                        "--ckpt_weights", "average")
    assert result.returncode == 0, result.stderr[-2000:]
    exported = ms.load_checkpoint(str(out) + ".ckpt")
    source = read_checkpoint(trained_run[2])
    assert exported.pop("alphabet") == source["alphabet"]  # the weights and the alphabet they read
    for name, value in exported.items():
        np.testing.assert_array_equal(value.asnumpy(), source[AVERAGE_PREFIX + name].asnumpy())

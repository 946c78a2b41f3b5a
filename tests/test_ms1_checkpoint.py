import numpy as np
import mindspore as ms

from src.checkpoint import read_checkpoint
from src.crnn import crnn
from src.model_utils.config import load_config
from src.ms1_checkpoint import convert_ms1_lstm
from tests.conftest import run_script

ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
_TO_DYNAMIC_GATES = (0, 2, 1, 3)  # i, f, g, o -> i, j(= g), f, o: the inverse of the converter's order


def _ms1_names(weights):
    """Today's V2 weights written the way MindSpore 1.x's nn.LSTM on Ascend stored them."""
    out = {}
    for name, value in weights.items():
        if ".weight_ih_l0" not in name:
            if not any(k in name for k in ("weight_hh_l0", "bias_ih_l0", "bias_hh_l0")):
                out[name] = value
            continue
        prefix, suffix = name.split(".weight_ih_l0")
        direction = "bw" if suffix == "_reverse" else "fw"
        w_ih, w_hh = value, weights[f"{prefix}.weight_hh_l0{suffix}"]
        bias = weights[f"{prefix}.bias_ih_l0{suffix}"] + weights[f"{prefix}.bias_hh_l0{suffix}"]
        stacked = np.concatenate([w_ih.T, w_hh.T], axis=0)  # (in + hidden, 4 hidden), gates i, f, g, o
        blocks = np.split(stacked, 4, axis=1)
        out[f"{prefix}.weight_{direction}0"] = np.concatenate([blocks[g] for g in _TO_DYNAMIC_GATES], axis=1)
        bias_blocks = np.split(bias, 4)
        out[f"{prefix}.bias_{direction}0"] = np.concatenate([bias_blocks[g] for g in _TO_DYNAMIC_GATES])
    return out


def test_an_ms1_v2_checkpoint_converts_loads_and_computes_the_same_logits(tmp_path):
    config = load_config(["--model_version", "V2", "--device_target", "CPU"])
    ms.set_seed(3)
    net = crnn(config, full_precision=True)
    net.set_train(False)
    weights = {p.name: p.asnumpy() for p in net.get_parameters()}
    old = _ms1_names(weights)
    assert "rnn.0.rnn.weight_fw0" in old and "rnn.1.rnn.bias_bw0" in old and "rnn.0.rnn.weight_ih_l0" not in old
    assert set(convert_ms1_lstm(old)) == set(weights)

    old["sequence_length"] = np.full(64, 24, np.int32)  # a zoo training checkpoint carries these too
    ms.save_checkpoint([{"name": k, "data": ms.Tensor(v)} for k, v in old.items()], str(tmp_path / "ms1.ckpt"))
    result = run_script("convert_checkpoint.py", "--ckpt_file", tmp_path / "ms1.ckpt", "--file_name", tmp_path / "new")
    assert result.returncode == 0, result.stderr[-2000:]
    converted = read_checkpoint(str(tmp_path / "new.ckpt"))
    assert set(converted) == set(weights)

    images = ms.Tensor(np.random.default_rng(0).uniform(-1, 1, (2, 3, 32, 100)).astype(np.float32))
    expected = net(images).asnumpy()
    ms.set_seed(4)
    fresh = crnn(config, full_precision=True)
    ms.load_param_into_net(fresh, converted, strict_load=True)
    fresh.set_train(False)
    np.testing.assert_allclose(fresh(images).asnumpy(), expected, atol=1e-5)


def test_a_checkpoint_without_ms1_names_is_one_clear_error(trained_run, tmp_path):
    _, _, ckpt = trained_run
    result = run_script("convert_checkpoint.py", "--ckpt_file", ckpt, "--file_name", tmp_path / "x")
    assert result.returncode == 2 and "nothing to convert" in result.stderr and "Traceback" not in result.stderr

import os

import numpy as np
import pytest
import mindspore as ms

from src.checkpoint import load_network_checkpoint, network_weights, read_checkpoint, save_checkpoint_atomic
from src.crnn import crnn
from src.errors import CRNNError
from src.model_utils.config import load_config

ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")


def net_of(version):
    return crnn(load_config(["--model_version", version, "--device_target", "CPU"]), full_precision=True)


def test_train_checkpoint_loads_into_a_fresh_network_exactly(trained_run):
    _, _, ckpt = trained_run
    net = net_of("V2")
    weights = load_network_checkpoint(net, ckpt, "V2")  # strict: raises on missing/unexpected keys
    assert {p.name for p in net.get_parameters()} == set(weights)
    for p in net.get_parameters():
        np.testing.assert_array_equal(p.asnumpy(), weights[p.name].asnumpy())
    raw = read_checkpoint(ckpt)
    assert int(raw["step_num"].asnumpy()) == 40 and int(raw["epoch_num"].asnumpy()) == 2
    assert any(k.startswith("accum.") for k in raw)  # optimizer state is kept for resuming


def test_other_version_checkpoint_is_refused_with_a_hint(trained_run):
    _, _, ckpt = trained_run
    with pytest.raises(CRNNError, match="looks like a V2 checkpoint: pass --model_version V2"):
        load_network_checkpoint(net_of("V1"), ckpt, "V1")


def test_corrupt_and_missing_checkpoints_are_named(tmp_path):
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CRNNError, match="bad.ckpt"):
        read_checkpoint(str(bad))
    with pytest.raises(CRNNError, match="not found"):
        read_checkpoint(str(tmp_path / "none.ckpt"))


def test_atomic_save_leaves_only_the_final_file(tmp_path):
    net = net_of("V2")
    path = tmp_path / "deep" / "x.ckpt"
    save_checkpoint_atomic(net, str(path), {"epoch_num": 3})
    assert os.listdir(path.parent) == ["x.ckpt"]
    assert set(network_weights(read_checkpoint(str(path)))) == {p.name for p in net.get_parameters()}


def test_adam_training_checkpoint_loads_for_eval(tiny_synth, tmp_path):
    from tests.conftest import run_script
    result = run_script("train.py", "--train_dataset", "synth", "--train_dataset_path", tiny_synth,
                        "--device_target", "CPU", "--model_version", "V2", "--output_dir", tmp_path,
                        "--batch_size", 8, "--max_steps", 2, "--optimizer", "adam", "--learning_rate", "0.001")
    assert result.returncode == 0, result.stderr[-2000:]
    raw = read_checkpoint(str(tmp_path / "ckpt" / "crnn-1_2.ckpt"))
    assert any(k.startswith("moment1.") for k in raw)
    load_network_checkpoint(net_of("V2"), str(tmp_path / "ckpt" / "crnn-1_2.ckpt"), "V2")

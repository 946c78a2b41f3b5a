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


class ZooLikeCTCLoss(ms.nn.Cell):
    """The zoo's loss cell as its code builds it: fixed CTC inputs stored as Parameters."""

    def __init__(self, steps=24, batch=4, max_len=23):
        super().__init__()
        self.sequence_length = ms.Parameter(ms.Tensor(np.full(batch, steps, np.int32)), name="sequence_length")
        pairs = [[i, j] for i in range(batch) for j in range(max_len)]
        self.labels_indices = ms.Parameter(ms.Tensor(np.array(pairs, np.int64)), name="labels_indices")
        self.ctc = ms.ops.CTCLoss(ctc_merge_repeated=True)

    def construct(self, logits, labels):
        return self.ctc(logits, self.labels_indices, labels.reshape(-1), self.sequence_length)[0]


def zoo_training_checkpoint(path, net):
    """A checkpoint in the zoo's layout: train cell (net + loss cell + SGD) with epoch_num/step_num."""
    cell = ms.nn.TrainOneStepCell(ms.nn.WithLossCell(net, ZooLikeCTCLoss()),
                                  ms.nn.SGD(net.trainable_params(), 0.02, 0.95, nesterov=True))
    ms.save_checkpoint(cell, str(path), append_dict={"epoch_num": 3, "step_num": 10})
    return str(path)


def test_zoo_layout_checkpoints_load_for_eval_and_predict(tiny_synth, tmp_path):
    from tests.conftest import run_script
    net = net_of("V2")
    ckpt = zoo_training_checkpoint(tmp_path / "zoo.ckpt", net)
    assert {"sequence_length", "labels_indices"} <= set(read_checkpoint(ckpt))
    common = ["--device_target", "CPU", "--model_version", "V2"]
    result = run_script("eval.py", *common, "--eval_dataset", "synth", "--eval_dataset_path", tiny_synth,
                        "--checkpoint_path", ckpt)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "result: {'CRNNAccuracy':" in result.stdout
    ignored = [l for l in result.stderr.splitlines() if "ignored sequence_length, labels_indices" in l]
    assert len(ignored) == 1, result.stderr[-2000:]
    image = next(os.path.join(root, f) for root, _, files in os.walk(tiny_synth) for f in files if f.endswith(".jpg"))
    result = run_script("predict.py", *common, "--checkpoint_path", ckpt, image)
    assert result.returncode == 0 and result.stdout.startswith(image), result.stderr[-2000:]


def test_a_zoo_checkpoint_missing_network_weights_is_still_refused(tmp_path):
    net = net_of("V2")
    ckpt = zoo_training_checkpoint(tmp_path / "zoo.ckpt", net)
    params = read_checkpoint(ckpt)
    del params["vgg.conv3.conv.weight"]
    ms.save_checkpoint([{"name": k, "data": v} for k, v in params.items()], str(tmp_path / "cut.ckpt"))
    with pytest.raises(CRNNError, match=r"missing: 1 \(e.g. vgg.conv3.conv.weight\)"):
        load_network_checkpoint(net_of("V2"), str(tmp_path / "cut.ckpt"), "V2")

import os
import re
from collections import Counter

import numpy as np
import pytest

from src.errors import CRNNError
from src.model_utils.config import load_config
from src.readers import Sample
from src.training_data import TrainingData, batch_shares, parse_mix, held_out_split_reason
from tests.conftest import REALDATA, needs_realdata, run_script


def _fake_data(sizes, ratios, batch_size=16, seed=3):
    """TrainingData over in-memory sets of the given sizes (set k's sample i has path 'k/i')."""
    data = TrainingData.__new__(TrainingData)
    data.mix = [(f"kind{k}", f"root{k}", r) for k, r in enumerate(ratios)]
    data.batch_size, data.seed = batch_size, seed
    data.sets = [[Sample(f"{k}/{i}", "a", "") for i in range(n)] for k, n in enumerate(sizes)]
    data.samples = [s for samples in data.sets for s in samples]
    data.offsets = np.cumsum([0] + list(sizes))[:-1]
    data.shares = batch_shares(ratios, batch_size)
    data.steps_per_epoch = sizes[0] // batch_size
    return data


def test_batch_shares_add_up_by_largest_remainder():
    assert batch_shares([0.75, 0.22, 0.03], 64) == [48, 14, 2]
    assert batch_shares([1, 1, 1], 64) == [22, 21, 21]
    assert sum(batch_shares([0.7, 0.25, 0.05], 37)) == 37


def test_every_batch_holds_the_exact_shares_and_small_sets_cycle_whole():
    data = _fake_data([400, 30, 7], [0.75, 0.2, 0.05])
    assert data.shares == [12, 3, 1]
    seen = Counter()
    for epoch in range(3):
        order = data.epoch_order(epoch)
        assert len(order) == data.steps_per_epoch * 16
        for batch in order.reshape(-1, 16):
            sets = [data.samples[i].path.split("/")[0] for i in batch]
            assert Counter(sets) == {"0": 12, "1": 3, "2": 1}
        seen.update(data.samples[i].path for i in order)
    # 75 batches took 225 samples of a set of 30: every sample 7 or 8 times, none skipped.
    set1 = [n for p, n in seen.items() if p.startswith("1/")]
    assert len(set1) == 30 and set(set1) <= {7, 8}
    assert data.epoch_order(1).tolist() == data.epoch_order(1).tolist()
    assert data.epoch_order(1).tolist() != data.epoch_order(2).tolist()


def test_ranks_read_disjoint_samples_of_each_stream():
    data = _fake_data([640, 100], [0.5, 0.5])
    shards = [data.epoch_order(0, num_shards=2, shard_id=r) for r in range(2)]
    first_set = [set(i for i in s if i < 640) for s in shards]
    assert not first_set[0] & first_set[1]
    # the second set (100 samples) is read 2 x 20 x 8 = 320 times: each rank one disjoint slice per step
    one_step = [set(s.reshape(-1, 16)[0][8:]) for s in shards]
    assert not one_step[0] & one_step[1]


def test_bad_mixes_are_one_clear_error(tmp_path):
    def mix(**keys):
        args = [a for k, v in keys.items() for a in (f"--{k}", v)]
        return parse_mix(load_config(args))
    with pytest.raises(CRNNError, match=r"train_batch_ratio gives 2 ratio\(s\) for 3 set\(s\)"):
        mix(train_dataset="synth,iiit5k,svt", train_dataset_path="a,b,c", train_batch_ratio="0.5,0.5")
    with pytest.raises(CRNNError, match="every ratio must be positive, got 0"):
        mix(train_dataset="synth,svt", train_dataset_path="a,b", train_batch_ratio="1,0")
    with pytest.raises(CRNNError, match="every ratio must be positive, got -0.2"):
        mix(train_dataset="synth,svt", train_dataset_path="a,b", train_batch_ratio="1,-0.2")
    with pytest.raises(CRNNError, match="gives 1 path"):
        mix(train_dataset="synth,svt", train_dataset_path="a", train_batch_ratio="1,1")
    with pytest.raises(CRNNError, match="has an empty entry"):
        mix(train_dataset="synth,,svt", train_dataset_path="a,b,c", train_batch_ratio="1,1,1")
    with pytest.raises(CRNNError, match="unknown dataset kind 'mjsynth'"):
        mix(train_dataset="mjsynth", train_dataset_path="a")
    with pytest.raises(CRNNError, match="give their shares"):
        mix(train_dataset="synth,svt", train_dataset_path="a,b")
    assert mix(train_dataset="synth", train_dataset_path="a") == [("synth", "a", 1.0)]


def test_train_py_reports_a_missing_or_empty_set_in_one_line(tiny_synth, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "annotation.txt").write_text("")
    for path, expected in ((tmp_path / "missing", "is not a directory"), (tmp_path / "empty", "no usable samples")):
        result = run_script("train.py", "--device_target", "CPU", "--model_version", "V2", "--train_dataset",
                            "synth,svt", "--train_dataset_path", f"{tiny_synth},{path}", "--train_batch_ratio",
                            "0.8,0.2", "--output_dir", tmp_path / "run", "--max_steps", 1)
        errors = [l for l in result.stderr.splitlines() if l.startswith("error:")]
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert len(errors) == 1 and expected in errors[0], result.stderr[-1500:]


@needs_realdata("IIIT5K", "IC13")
def test_test_splits_are_refused_for_training(tmp_path):
    from src.converters.iiit5k import convert_iiit5k
    iiit = os.path.join(REALDATA, "IIIT5K")
    counts = convert_iiit5k(os.path.join(iiit, "testCharBound.mat"), str(tmp_path / "test" / "annotation.txt"), iiit)
    assert counts["split: test"] == 3000
    result = run_script("train.py", "--device_target", "CPU", "--model_version", "V2", "--train_dataset", "iiit5k",
                        "--train_dataset_path", tmp_path / "test", "--output_dir", tmp_path / "run", "--max_steps", 1)
    assert result.returncode == 2
    assert "error: train_dataset iiit5k at" in result.stderr and "is a test split" in result.stderr
    ic13 = [Sample(os.path.join(REALDATA, "IC13", "word_1.png"), "x",
                   os.path.join(REALDATA, "IC13", "Challenge2_Test_Task3_GT.txt") + ":1")]
    assert "test file" in held_out_split_reason("ic13", os.path.join(REALDATA, "IC13"), ic13)
    train = [Sample(str(tmp_path / "train" / "1.png"), "x", str(tmp_path / "annotation.txt") + ":1")]
    assert held_out_split_reason("iiit5k", str(tmp_path), train) == ""


def _train(tiny_synth, real_root, out, *extra):
    result = run_script("train.py", "--device_target", "CPU", "--model_version", "V2", "--train_dataset",
                        "synth,iiit5k", "--train_dataset_path", f"{tiny_synth},{real_root}", "--train_batch_ratio",
                        "0.75,0.25", "--batch_size", 8, "--epoch_size", 2, "--output_dir", out, "--per_print_time", 1,
                        "--optimizer", "adam", "--learning_rate", "0.001", *extra)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    return log


@pytest.mark.slow
@needs_realdata("IIIT5K")
def test_a_resumed_mixed_run_ends_bit_identical(tiny_synth, tmp_path):
    from src.converters.iiit5k import convert_iiit5k
    iiit = os.path.join(REALDATA, "IIIT5K")
    convert_iiit5k(os.path.join(iiit, "trainCharBound.mat"), str(tmp_path / "iiit" / "annotation.txt"), iiit)
    whole = _train(tiny_synth, tmp_path / "iiit", tmp_path / "whole", "--max_steps", 12, "--save_checkpoint", "False")
    assert "synth at" in whole and "6 per batch" in whole and "2 per batch" in whole
    assert re.search(r"samples drawn in steps 1 to 12: synth 72, iiit5k 24", whole)
    _train(tiny_synth, tmp_path / "iiit", tmp_path / "part", "--max_steps", 5)
    resumed = _train(tiny_synth, tmp_path / "iiit", tmp_path / "part", "--max_steps", 12,
                     "--resume_ckpt", tmp_path / "part" / "ckpt" / "crnn-1_5.ckpt")
    assert "resumed from" in resumed and re.search(r"samples drawn in steps 6 to 12", resumed)
    digest = lambda log: re.findall(r"final weights sha256 ([0-9a-f]{64})", log)[-1]
    assert digest(resumed) == digest(whole)


def test_real_crops_are_augmented_afresh_each_time_they_come_round(tmp_path):
    from PIL import Image
    from src.dataset import WordImageSource
    from src.label import LabelCodec
    path = tmp_path / "word.png"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (30, 90, 3), dtype=np.uint8)).save(path)
    samples = [Sample(str(path), "word", "x:1")]
    codec = LabelCodec("abcdefghijklmnopqrstuvwxyz0123456789", 23)
    source = WordImageSource(samples, codec, 100, 32, order=[0, 0, 0], augment=np.array([True]), augment_seed=(1, 0, 0))
    first, second = source[0][0], source[1][0]
    assert not np.array_equal(first, second)
    again = WordImageSource(samples, codec, 100, 32, order=[0, 0], augment=np.array([True]), augment_seed=(1, 0, 0),
                            position_offset=1)
    assert np.array_equal(again[0][0], second)  # a resumed run sees the same augmentation at the same position
    plain = WordImageSource(samples, codec, 100, 32, order=[0, 0])
    assert np.array_equal(plain[0][0], plain[1][0])

import json
import os
import re

import numpy as np

from tests.conftest import run_script


def test_training_drives_the_loss_below_half_its_start(trained_run):
    run_dir, log, _ = trained_run
    records = [json.loads(line) for line in open(os.path.join(run_dir, "metrics.jsonl"))]
    assert records[0]["step"] == 1 and records[-1]["step"] == 40
    first = records[0]["loss"]
    last_window = np.mean([r["loss"] for r in records[-2:]])
    assert last_window < first / 2, (first, last_window)


def test_step_log_lines_carry_progress_and_speed(trained_run):
    _, log, _ = trained_run
    line = re.search(r"epoch: \[2/10\] step: \[20/20\], loss: [\d.]+, lr: 0\.019511, [\d.]+ ms/step, "
                     r"[\d.]+ img/s, ETA \d+:\d\d:\d\d", log)
    assert line, log[-2000:]


def test_checkpoints_are_written_whole_and_rotated(trained_run, tmp_path):
    run_dir, _, _ = trained_run
    names = sorted(os.listdir(os.path.join(run_dir, "ckpt")))
    assert names == ["crnn-1_20.ckpt", "crnn-2_20.ckpt"], names  # no temporary files left behind


def test_seeded_runs_repeat(tiny_synth, tmp_path):
    losses = []
    for name in ("a", "b"):
        result = run_script("train.py", "--train_dataset", "synth", "--train_dataset_path", tiny_synth,
                            "--device_target", "CPU", "--model_version", "V2", "--output_dir", tmp_path / name,
                            "--batch_size", 8, "--max_steps", 3, "--per_print_time", 1, "--save_checkpoint",
                            "False", "--seed", 11)
        assert result.returncode == 0, result.stderr[-2000:]
        losses.append([json.loads(l)["loss"] for l in open(tmp_path / name / "metrics.jsonl")])
    assert losses[0] == losses[1]


def test_nonfinite_loss_stops_with_a_message_and_a_checkpoint(tiny_synth, tmp_path):
    result = run_script("train.py", "--train_dataset", "synth", "--train_dataset_path", tiny_synth,
                        "--device_target", "CPU", "--model_version", "V2", "--output_dir", tmp_path,
                        "--batch_size", 8, "--max_steps", 20, "--per_print_time", 1, "--learning_rate", "1e30")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    message = [l for l in result.stderr.splitlines() if l.startswith("error:")]
    assert len(message) == 1 and "loss became" in message[0], result.stderr[-2000:]
    saved = [n for n in os.listdir(tmp_path / "ckpt") if n.startswith("crnn-nonfinite")]
    assert len(saved) == 1

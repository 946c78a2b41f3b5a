import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import REPO, run_script


def test_training_drives_the_loss_below_half_its_start(trained_run):
    run_dir, log, _ = trained_run
    records = [json.loads(line) for line in open(os.path.join(run_dir, "metrics.jsonl"))]
    assert records[0]["step"] == 1 and records[-1]["step"] == 40
    first = records[0]["loss"]
    last_window = np.mean([r["loss"] for r in records[-2:]])
    assert last_window < first / 2, (first, last_window)


def test_step_log_lines_carry_progress_and_speed(trained_run):
    _, log, _ = trained_run
    line = re.search(r"epoch: \[2/10\] step: \[20/20\], loss: \d+\.\d{6}, lr : 0\.019511, per step time: "
                     r"\d+\.\d{3} ms, [\d.]+ img/s, ETA \d+:\d\d:\d\d", log)
    assert line, log[-2000:]
    # the zoo's epoch-end and start-up lines
    assert re.search(r"epoch: \[1/10\], loss: \d+\.\d{6}, epoch time: \d+\.\d{3} ms, per step time: \d+\.\d{3} ms", log)
    assert "per_epoch_step_size: 20" in log and "train_start_epoch: 0" in log


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


def _final_digest(log_text, what="final weights"):
    found = re.findall(what + r" sha256 ([0-9a-f]{64})", log_text)
    assert found, log_text[-2000:]
    return found[-1]


def test_kill_9_then_resume_continues_at_the_exact_step(trained_run, tiny_synth, tmp_path):
    """Killed mid-epoch, resumed from the last checkpoint: same steps, same loss, same final weights."""
    import mindspore as ms
    reference_dir, reference_log, _ = trained_run
    args = [sys.executable, os.path.join(REPO, "train.py"), "--train_dataset", "synth", "--train_dataset_path",
            tiny_synth, "--device_target", "CPU", "--model_version", "V2", "--output_dir", str(tmp_path),
            "--batch_size", "16", "--max_steps", "40", "--per_print_time", "1", "--save_checkpoint_steps", "7",
            "--ema_decay", "0.9"]
    log_file = tmp_path / "log" / "rank_0" / "log.txt"
    job = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (log_file.exists() and "step: [17/20]" in log_file.read_text()):
        assert job.poll() is None and time.time() < deadline, "the run ended before it could be killed"
        time.sleep(0.2)
    job.kill()  # SIGKILL: no clean-up of any kind
    job.wait()

    saved = sorted(os.listdir(tmp_path / "ckpt"))
    for name in saved:
        if name.endswith(".ckpt") and not name.startswith("."):
            assert ms.load_checkpoint(str(tmp_path / "ckpt" / name))  # every final name loads
    assert "crnn-1_14.ckpt" in saved and "crnn-1_21.ckpt" not in saved, saved
    before = {r["step"]: r["loss"] for r in map(json.loads, open(tmp_path / "metrics.jsonl")) if "loss" in r}

    result = subprocess.run(args + ["--resume_ckpt", str(tmp_path / "ckpt" / "crnn-1_14.ckpt")], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "resumed from" in log and "at step 14 (epoch 1, step 14 of it)" in log
    records = [json.loads(l) for l in open(tmp_path / "metrics.jsonl")]
    resumed = [r for r in records if "loss" in r][len(before):]
    assert [r["step"] for r in resumed] == list(range(15, 41))  # the rest of epoch 1 is not skipped
    assert resumed[0]["loss"] == pytest.approx(before[15], rel=1e-4)  # where it was, not the start (~66)
    assert resumed[0]["loss"] < 0.6 * before[1]
    final = ms.load_checkpoint(str(tmp_path / "ckpt" / "crnn-2_20.ckpt"))
    assert int(final["step_num"].asnumpy()) == 40 and int(final["epoch_num"].asnumpy()) == 2
    assert _final_digest(log) == _final_digest(reference_log)  # bit-identical to the uninterrupted run
    assert _final_digest(log, "weight average") == _final_digest(reference_log, "weight average")
    assert _final_digest(log, "weight average") != _final_digest(log)


def _train_with_eval(tiny_synth, out, *extra):
    env = {k: v for k, v in os.environ.items() if k != "RANK_ID"}  # the zoo crashed without RANK_ID
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "train.py"), "--train_dataset", "synth", "--train_dataset_path",
         tiny_synth, "--device_target", "CPU", "--model_version", "V2", "--output_dir", str(out),
         "--batch_size", "32", "--save_checkpoint_steps", "5", "--run_eval", "True", "--train_eval_dataset", "synth",
         "--train_eval_dataset_path", tiny_synth, "--eval_start_epoch", "1", "--eval_interval", "1", *extra],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    return log, [json.loads(l) for l in open(out / "metrics.jsonl") if "eval_accuracy" in l]


@pytest.mark.slow
def test_eval_while_training_best_checkpoint_and_all_saved_checkpoints(tiny_synth, tmp_path):
    log, evals = _train_with_eval(tiny_synth, tmp_path, "--max_steps", "20", "--eval_all_saved_ckpts", "True")
    assert [(r["epoch"], r["step"]) for r in evals] == [(1, 10), (2, 20)]
    assert log.count(", total num:  64") >= 2  # the zoo metric line, once per evaluation
    scored = re.findall(r"eval (crnn-\d+_\d+\.ckpt): accuracy", log)
    assert sorted(scored) == sorted(n for n in os.listdir(tmp_path / "ckpt") if n.startswith("crnn-"))
    assert len(scored) == 4
    import mindspore as ms
    best = tmp_path / "ckpt" / "best_acc.ckpt"
    assert int(ms.load_checkpoint(str(best))["epoch_num"].asnumpy()) == 2  # ties go to the later epoch
    assert _final_digest(log)
    for zoo_line in (r"epoch: \{1\}, \{acc\}: \{\d\.\d{6}\}", r"update best result: \{\d\.\d{6}\}",
                     r"update best checkpoint at: \{\S+best_acc\.ckpt\}",
                     r"End training, the best \{acc\} is: \{\d\.\d{6}\}, the best \{acc\} epoch is \{2\}"):
        assert re.search(zoo_line, log), zoo_line


def test_save_best_ckpt_false_is_honoured_and_several_sets_are_evaluated(tiny_synth, tmp_path):
    log, evals = _train_with_eval(tiny_synth, tmp_path, "--max_steps", "10", "--save_best_ckpt", "False",
                                  "--train_eval_dataset", "synth,synth", "--train_eval_dataset_path",
                                  f"{tiny_synth},{tiny_synth}")
    assert [(r["epoch"], r["step"]) for r in evals] == [(1, 10)]
    assert evals[0]["eval_synth_accuracy"] == evals[0]["eval_accuracy"]
    assert re.search(r"eval epoch 1 step 10: accuracy [\d.]+, 1-NED [\d.]+; synth accuracy", log)
    assert not (tmp_path / "ckpt" / "best_acc.ckpt").exists()  # the zoo saved it regardless


def test_run_eval_without_a_dataset_path_is_an_error(tiny_synth, tmp_path):
    result = run_script("train.py", "--train_dataset", "synth", "--train_dataset_path", tiny_synth,
                        "--device_target", "CPU", "--model_version", "V2", "--output_dir", tmp_path,
                        "--run_eval", "True")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "train_eval_dataset_path" in result.stderr


def test_resume_from_a_checkpoint_at_the_end_is_refused(trained_run, tiny_synth, tmp_path):
    _, _, final = trained_run
    result = run_script("train.py", "--train_dataset", "synth", "--train_dataset_path", tiny_synth,
                        "--device_target", "CPU", "--model_version", "V2", "--output_dir", tmp_path,
                        "--batch_size", 16, "--max_steps", 40, "--resume_ckpt", final)
    assert result.returncode == 2 and "nothing to train" in result.stderr


@pytest.mark.slow
def test_a_resumed_run_keeps_the_best_checkpoint_it_scored_before_the_interruption(tiny_synth, tmp_path):
    import mindspore as ms
    from src.checkpoint import read_checkpoint
    _train_with_eval(tiny_synth, tmp_path, "--max_steps", "10")
    best = tmp_path / "ckpt" / "best_acc.ckpt"
    stored = read_checkpoint(str(best))
    assert int(stored["epoch_num"].asnumpy()) == 1 and "best_accuracy" in stored
    # Before the interruption the run had scored 0.99 at epoch 1 (more than this tiny model reaches).
    kept = ("epoch_num", "step_num", "best_accuracy", "alphabet")
    weights = [{"name": k, "data": v} for k, v in stored.items() if k not in kept]
    ms.save_checkpoint(weights, str(best), append_dict={"epoch_num": 1, "step_num": 10, "best_accuracy": 0.99,
                                                        "alphabet": stored["alphabet"]})
    log, evals = _train_with_eval(tiny_synth, tmp_path, "--max_steps", "20",
                                  "--resume_ckpt", str(tmp_path / "ckpt" / "crnn-1_10.ckpt"))
    assert [r["epoch"] for r in evals][-1] == 2 and evals[-1]["eval_accuracy"] < 0.99
    assert "resumed best result: {0.990000} at epoch 1" in log
    after = read_checkpoint(str(best))
    assert int(after["epoch_num"].asnumpy()) == 1 and abs(float(after["best_accuracy"].asnumpy()) - 0.99) < 1e-6
    assert re.search(r"the best \{acc\} is: \{0\.990000\}, the best \{acc\} epoch is \{1\}", log)

"""The bash launchers: usage on wrong arguments, and the CPU ones end to end (CRNN_FOREGROUND=1)."""
import os
import re
import signal
import subprocess
import time

import pytest

from tests.conftest import REALDATA, REPO, needs_realdata


def run_sh(script, *args, cwd=None, env=None, timeout=600):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(["bash", os.path.join(REPO, "scripts", script), *map(str, args)], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=timeout, env=full_env)


@pytest.mark.parametrize("script, args", [
    ("run_standalone_train_cpu.sh", []),
    ("run_standalone_train_cpu.sh", ["synth"]),
    ("run_standalone_train_cpu.sh", ["a", "b", "c", "d"]),
    ("run_standalone_train.sh", ["synth"]),
    ("run_standalone_train.sh", ["a", "b", "0", "GPU", "c", "d"]),
    ("run_distribute_train.sh", ["synth", "x"]),
    ("run_distribute_train.sh", ["synth", "x", "Ascend"]),  # Ascend needs the rank table
    ("run_distribute_train.sh", ["synth", "x", "CPU", "c.ckpt", "extra"]),
    ("run_eval.sh", ["synth", "x"]),
    ("run_eval_cpu.sh", ["synth", "x"]),
    ("docker_start.sh", ["image", "data"]),
    ("run_eval_onnx.sh", ["synth", "x", "m.onnx"]),
    ("run_infer_310.sh", ["m.mindir", "data", "ann"]),
])
def test_wrong_argument_count_prints_usage(script, args, tmp_path):
    result = run_sh(script, *args, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.startswith("Usage: bash") and "[DATA" in result.stderr, result.stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("script, args", [
    ("run_eval_cpu.sh", ["synth", "none", "c.ckpt"]),
    ("run_standalone_train.sh", ["synth", "none", "CPU"]),
    ("run_distribute_train.sh", ["synth", "none", "CPU"]),
])
def test_missing_dataset_path_is_reported(script, args, tmp_path):
    result = run_sh(script, *args, cwd=tmp_path)
    assert result.returncode != 0 and "is not a directory" in result.stderr
    assert os.listdir(tmp_path) == []


def test_infer_310_checks_its_arguments_before_building(tmp_path):
    (tmp_path / "m.mindir").write_text("x")
    result = run_sh("run_infer_310.sh", tmp_path / "m.mindir", tmp_path, tmp_path, "lmdb", cwd=tmp_path)
    assert result.returncode != 0 and "DATASET must be synth, ic03, ic13, svt or iiit5k" in result.stderr
    result = run_sh("run_infer_310.sh", tmp_path / "none.mindir", tmp_path, tmp_path, "svt", cwd=tmp_path)
    assert result.returncode != 0 and "MINDIR_PATH" in result.stderr and "is not a file" in result.stderr


def test_unknown_platform_is_reported(tmp_path):
    result = run_sh("run_standalone_train.sh", "synth", tmp_path, "TPU", cwd=tmp_path)
    assert result.returncode != 0 and "PLATFORM must be Ascend, GPU or CPU" in result.stderr


@pytest.mark.parametrize("platform, version", [("GPU", "V2"), ("CPU", "V2"), ("Ascend", "V1")])
def test_gpu_and_cpu_launchers_select_v2(platform, version):
    # The zoo's GPU branches left model_version at V1, which cannot run on GPU.
    out = subprocess.run(["bash", "-c", f"source scripts/common.sh && model_version_for {platform}"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == version


def test_standalone_cpu_training_and_eval_run_end_to_end(tiny_synth, trained_run, tmp_path):
    result = run_sh("run_standalone_train_cpu.sh", "synth", tiny_synth, "--batch_size", 16, "--max_steps", 2,
                    "--output_dir", tmp_path / "out", cwd=tmp_path, env={"CRNN_FOREGROUND": "1"})
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "train_cpu" / "log.txt").read_text()
    assert "training done: steps 1 to 2" in log and (tmp_path / "train_cpu" / "env.log").exists()
    assert os.listdir(tmp_path / "out" / "ckpt") == ["crnn-1_2.ckpt"]

    relative = os.path.relpath(tiny_synth, tmp_path)  # a mix: comma lists, each path made absolute
    result = run_sh("run_standalone_train_cpu.sh", "synth,synth", f"{relative},{tiny_synth}", "--batch_size", 16,
                    "--max_steps", 2, "--train_batch_ratio", "3,1", "--output_dir", tmp_path / "mix",
                    cwd=tmp_path, env={"CRNN_FOREGROUND": "1"})
    assert result.returncode == 0, result.stderr
    assert "samples drawn in steps 1 to 2: synth 32" in (tmp_path / "train_cpu" / "log.txt").read_text()

    _, _, checkpoint = trained_run
    result = run_sh("run_eval_cpu.sh", "synth", tiny_synth, checkpoint, cwd=tmp_path, env={"CRNN_FOREGROUND": "1"})
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "eval" / "log.txt").read_text()
    assert "correct num:" in log and ", total num:  64" in log and "result: {'CRNNAccuracy':" in log

    # a part of a set (ROOT@train, ROOT@val) wherever a dataset path is taken, as the config help says
    result = run_sh("run_standalone_train_cpu.sh", "synth", f"{tiny_synth}@train", "--batch_size", 16, "--max_steps",
                    1, "--output_dir", tmp_path / "part", cwd=tmp_path, env={"CRNN_FOREGROUND": "1"})
    assert result.returncode == 0, result.stderr
    assert f"synth at {tiny_synth}@train" in (tmp_path / "train_cpu" / "log.txt").read_text()
    result = run_sh("run_eval_cpu.sh", "synth", f"{tiny_synth}@val", checkpoint, cwd=tmp_path,
                    env={"CRNN_FOREGROUND": "1"})
    assert result.returncode == 0, result.stderr
    total = int(re.search(r"total num:  (\d+)", (tmp_path / "eval" / "log.txt").read_text()).group(1))
    assert 0 < total < 64  # the held-back tenth of the 64 test words


def test_a_failing_job_fails_the_foreground_launcher(tmp_path):
    result = run_sh("run_eval.sh", "synth", tmp_path, tmp_path / "x.ckpt", "CPU", cwd=tmp_path)
    assert result.returncode != 0 and "is not a file" in result.stderr
    (tmp_path / "bad.ckpt").write_text("not a checkpoint")
    result = run_sh("run_eval.sh", "synth", tmp_path, tmp_path / "bad.ckpt", "CPU", cwd=tmp_path,
                    env={"CRNN_FOREGROUND": "1"})
    assert result.returncode != 0 and "job failed" in result.stderr


def _rank_logs(out):
    return {rank: (out / "log" / f"rank_{rank}" / "log.txt").read_text() for rank in (0, 1)}


@pytest.mark.slow
@pytest.mark.parametrize("version, port", [("V2", "8141"), ("V1", "8143")])
def test_cpu_data_parallel_two_workers(tiny_synth, tmp_path, version, port):
    """2 msrun workers: same final weights, disjoint halves of the data, rank 0 alone saves, loss falls."""
    out = tmp_path / "out"
    result = run_sh("run_distribute_train.sh", "synth", tiny_synth, "CPU", "--batch_size", 16, "--epoch_size", 1,
                    "--per_print_time", 1, "--save_checkpoint_steps", 5, "--log_sample_order", "True",
                    "--output_dir", out, cwd=tmp_path,
                    env={"CRNN_FOREGROUND": "1", "RANK_SIZE": "2", "MASTER_PORT": port, "MODEL_VERSION": version})
    logs = _rank_logs(out)
    assert result.returncode == 0, result.stderr + logs[0][-2000:]
    digests = {rank: re.findall(r"final weights sha256 ([0-9a-f]{64})", text) for rank, text in logs.items()}
    assert digests[0] and digests[0] == digests[1]
    assert f"training {version} on" in logs[0] and "rank 0 of 2" in logs[0] and "rank 1 of 2" in logs[1]

    seen = {rank: [int(x) for x in (out / "log" / f"rank_{rank}" / "samples_epoch1.txt").read_text().split()]
            for rank in (0, 1)}
    assert len(seen[0]) == len(seen[1]) == 160  # 320 images, 10 steps of 16 per rank
    assert not set(seen[0]) & set(seen[1]) and len(set(seen[0]) | set(seen[1])) == 320

    assert "saved checkpoint" in logs[0] and "saved checkpoint" not in logs[1]
    assert sorted(os.listdir(out / "ckpt")) == ["crnn-1_10.ckpt", "crnn-1_5.ckpt"]
    losses = [float(x) for x in re.findall(r"step: \[\d+/10\], loss: ([\d.]+)", logs[0])]
    assert len(losses) == 10 and (version == "V1" or losses[-1] < 0.7 * losses[0]), losses


@pytest.mark.slow
def test_killed_worker_stops_the_job_quickly(tiny_synth, tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ, CRNN_FOREGROUND="1", RANK_SIZE="2", MASTER_PORT="8143")
    job = subprocess.Popen(["bash", os.path.join(REPO, "scripts", "run_distribute_train.sh"), "synth", tiny_synth,
                            "CPU", "--batch_size", "16", "--epoch_size", "50", "--per_print_time", "1",
                            "--output_dir", str(out)], cwd=tmp_path, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log1 = out / "log" / "rank_1" / "log.txt"
    deadline = time.time() + 300
    while not (log1.exists() and "step: [2/10]" in log1.read_text()):
        assert job.poll() is None and time.time() < deadline, "the job ended before a worker could be killed"
        time.sleep(0.5)
    pids = {rank: int(re.search(r"\(pid (\d+)\)", text).group(1)) for rank, text in _rank_logs(out).items()}
    os.kill(pids[1], signal.SIGKILL)
    killed_at = time.time()
    try:
        job.wait(timeout=120)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode != 0
    assert time.time() - killed_at < 120
    time.sleep(1)
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)  # the surviving worker was stopped too, not left hanging


@pytest.mark.slow
def test_quickstart_reads_the_demo_crops_then_fine_tunes_evaluates_and_exports(tmp_path):
    # The README's first command, at a small size: every step runs and the last lines say what it made.
    result = run_sh("quickstart.sh", env={"NUM_TRAIN": "320", "NUM_TEST": "64", "BATCH": "32",
                                          "DATA": str(tmp_path / "data"), "RUN": str(tmp_path / "run")},
                    timeout=1200)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    out = result.stdout
    assert "demo/words/ic13_word_43.png\tlocal\t" in out
    assert re.search(r"quickstart: shipped model on demo/words: [\d.]+ \(11 of 13 real crops\)", out)
    scores = re.search(r"on 64 generated test words: before ([\d.]+), after ([\d.]+)", out)
    assert scores and float(scores.group(1)) >= 0.6 and float(scores.group(2)) >= 0.6, out[-2000:]
    for made in ("crnn.onnx", "crnn.mindir", "curves.png", "predictions.png", "ckpt/crnn-1_10.ckpt"):
        assert (tmp_path / "run" / made).is_file(), made


@pytest.mark.slow
@needs_realdata("IIIT5K", "svt1")
def test_budget_protocol_stops_when_the_run_saved_no_checkpoint(tmp_path):
    # Without this stop, eval.py got an empty --checkpoint_path and scored the shipped model as the run's.
    result = run_sh("budget_protocol.sh", tmp_path / "run", "synth", "--save_checkpoint", "False",
                    "--per_print_time", "1", env={"SAMPLES": "192", "CRNN_REALDATA": REALDATA}, timeout=900)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {tmp_path / 'run' / 'train' / 'ckpt'} holds no step checkpoint: the run saved none (save_checkpoint "
        "False?), so there is no model of it to evaluate or export")
    assert not (tmp_path / "run" / "result.txt").exists() and "budget_protocol:" not in result.stdout

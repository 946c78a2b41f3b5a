"""The recipes in scripts/: the release recipe survives kill -9 and ends with the release rule, one run per
folder, the budget protocol's arguments."""
import fcntl
import os
import re
import signal
import subprocess
import time

import pytest

from tests.conftest import REALDATA, REPO, needs_realdata


def _recipe(run_dir, eval_dir, **env):
    full_env = dict(os.environ, STAGES="128x1:0.001 128x1:0.0005:relief=0.5,tilt=0.5", EPOCHS="9",
                    MIX="synth:0.5 iiit5k:0.2 ic15:0.15 svt:0.15",
                    EVAL_SETS=f"synth:{eval_dir} synth:{eval_dir}@val", CRNN_REALDATA=REALDATA, **env)
    return subprocess.Popen(["bash", os.path.join(REPO, "scripts", "train_release.sh"), str(run_dir),
                             "--batch_size", "16", "--save_checkpoint_steps", "3", "--per_print_time", "1",
                             "--ema_decay", "0.9"],
                            cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


@pytest.mark.slow
@needs_realdata("IIIT5K", "svt1", "IC15_train")
def test_release_recipe_resumes_after_kill_9_and_its_weights_load(tiny_synth, tmp_path):
    run = tmp_path / "release"
    job = _recipe(run, tiny_synth)
    log = run / "stage2" / "log" / "rank_0" / "log.txt"
    deadline = time.time() + 400
    while not (log.exists() and "step 6)" in log.read_text()):
        assert job.poll() is None and time.time() < deadline, job.stdout.read()[-3000:]
        time.sleep(0.3)
    os.killpg(job.pid, signal.SIGKILL)  # the recipe and its train.py, mid-stage, no clean-up
    job.wait()
    assert (run / "stage1" / "done").exists() and not (run / "stage2" / "done").exists()

    again = _recipe(run, tiny_synth, AVERAGE_WITH="models/crnn_v2_release.ckpt")
    output, _ = again.communicate(timeout=600)
    assert again.returncode == 0, output[-3000:]
    assert "stage 1" not in output  # a finished stage is not trained again
    assert "stage 2: 128 words (relief=0.5,tilt=0.5) x 1 epoch(s)" in output  # its own epochs and knobs
    assert re.search(r"ic15 at \S+/IC15_train@train: 4002 samples", output)  # without its validation part
    resumed = re.search(r"resumed from \S+/stage2/ckpt/crnn-1_(\d+)\.ckpt at step (\d+)", output)
    assert resumed and int(resumed.group(2)) >= 6, output[-3000:]
    assert "samples drawn in steps" in output and "eval epoch 1" in output
    assert re.search(r"result: \{'CRNNAccuracy': [\d.]+\}", output)  # eval.py loaded the exported weights
    # the stage's weight average against its trained weights on the @val set, then the release rule
    chosen = re.search(r"train_release: the stage's (average|trained) weights", output)
    assert chosen and "all validation" in output, output[-3000:]
    stage_file = run / "crnn_v2_release_stage.ckpt"
    assert (run / f"crnn_v2_release_{chosen.group(1)}.ckpt").read_bytes() == stage_file.read_bytes()
    # then the mean of that file and AVERAGE_WITH's against it, on the same @val set
    mean_chosen = re.search(r"train_release: the (stage|mean) weights \(candidate: the mean with AVERAGE_WITH", output)
    assert mean_chosen and "averaged 2 checkpoints" in output, output[-3000:]
    assert (run / "compare_mean.txt").read_text().count("validation") >= 2
    assert (run / f"crnn_v2_release_{mean_chosen.group(1)}.ckpt").read_bytes() == (run / "crnn_v2_release.ckpt").read_bytes()
    assert "verdict: KEEP the shipped model" in output  # 30 steps on 128 words do not beat it
    assert "train_release: the shipped model stays" in output
    release = run / "crnn_v2_release.ckpt"
    assert release.exists() and release.stat().st_size < 35e6
    training = sorted((run / "stage2" / "ckpt").glob("crnn-*.ckpt"))[-1]
    assert release.stat().st_size < training.stat().st_size / 2  # weights only: no Adam moments


def test_budget_protocol_refuses_a_wrong_mix_name(tmp_path):
    result = subprocess.run(["bash", os.path.join(REPO, "scripts", "budget_protocol.sh"), str(tmp_path), "both"],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode != 0 and result.stderr.startswith("Usage: bash")


@needs_realdata()
def test_a_second_launch_on_a_busy_run_folder_stops_with_one_error(tmp_path):
    (tmp_path / "data").mkdir()
    with open(tmp_path / ".lock", "w") as held:  # what a running recipe holds
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for script in ("budget_protocol.sh", "train_release.sh"):
            result = subprocess.run(["bash", os.path.join(REPO, "scripts", script), str(tmp_path)],
                                    capture_output=True, text=True, cwd=REPO, timeout=60,
                                    env=dict(os.environ, CRNN_REALDATA=REALDATA, CRNN_LOCK_WAIT="0"))
            assert result.returncode == 1, result.stderr
            expected = f"error: another recipe is already running in {tmp_path} (it holds {tmp_path}/.lock)\n"
            assert result.stderr == expected
            assert not (tmp_path / "data" / "iiit5k_train").exists()  # stopped before touching the data


def test_the_release_recipe_refuses_a_missing_average_with_file_before_any_work(tmp_path):
    result = subprocess.run(["bash", os.path.join(REPO, "scripts", "train_release.sh"), str(tmp_path / "run")],
                            capture_output=True, text=True, cwd=REPO, timeout=60,
                            env=dict(os.environ, AVERAGE_WITH=f"models/crnn_v2_release.ckpt {tmp_path}/no.ckpt"))
    assert result.returncode == 1
    assert result.stderr == f"error: AVERAGE_WITH {tmp_path}/no.ckpt is not a file\n"
    assert not (tmp_path / "run").exists()


def _cjk_fonts_installed():
    from src.synth.fonts import scan_font_coverage
    return any("的" in covered for _, _, covered in scan_font_coverage(alphabet="的"))


@pytest.mark.slow
def test_the_chinese_example_runs_end_to_end_and_its_model_carries_its_alphabet(tmp_path):
    """scripts/own_characters_zh.sh at a tiny size: dictionary, rendered words, fine-tuning, scores, crops."""
    import mindspore as ms

    from src.alphabet import checkpoint_alphabet
    if not _cjk_fonts_installed():
        pytest.skip("no CJK font installed (bash scripts/install.sh --fonts cjk)")
    crops = tmp_path / "crops"
    crops.mkdir()
    demo = os.path.join(REPO, "demo", "words")
    os.symlink(os.path.join(demo, min(n for n in os.listdir(demo) if n.endswith(".png"))), crops / "a.png")
    env = dict(os.environ, CHARS="200", WORDS="128", TEST_WORDS="64", CROPS=str(crops), CRNN_REALDATA=REALDATA)
    run = tmp_path / "zh"
    result = subprocess.run(["bash", os.path.join(REPO, "scripts", "own_characters_zh.sh"), str(run),
                             "--batch_size", "32"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
                            check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    lines = (run / "result.txt").read_text(encoding="utf-8").splitlines()
    assert re.search(r"\(266 characters\)$", lines[0])  # 200 Chinese, 62 letters and digits, 4 marks
    assert [line.split()[3] for line in lines if line.startswith("rendered test words")] == \
        ["all_characters", "case_sensitive_alphanumeric"]
    assert all(re.search(r"\d+ of 64$", line) for line in lines if line.startswith("rendered test words"))
    assert any(line.startswith("a.png ") and "| width" in line for line in lines)
    dictionary = (run / "zh.txt").read_text(encoding="utf-8").split("\n")[:-1]
    final = lines[0].split()[2]
    assert checkpoint_alphabet(ms.load_checkpoint(final)) == "".join(dictionary)  # it travels with the model

"""Shared fixtures: a small generated dataset and a short real training run, made once per session."""
import os
import subprocess
import sys

import src  # noqa: F401  (sets the OpenMP wait policy before mindspore loads libgomp)
import mindspore  # noqa: F401  (imported before onnx anywhere: it picks the protobuf implementation it needs)
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REALDATA = os.environ.get("CRNN_REALDATA", os.path.join(REPO, "..", "shared", "realdata"))
REALDATA_SOURCES = "IIIT5K-Word, ICDAR 2013/2015 word recognition, SVT and MJSynth; see docs/datasets.md"


def needs_realdata(*folders):
    """A skip mark for tests that read the real benchmark files: they run where ../shared/realdata (or
    $CRNN_REALDATA) holds the folders, and elsewhere skip with one line saying what is missing."""
    where = os.path.normpath(REALDATA)
    missing = [os.path.join(where, f) for f in folders if not os.path.isdir(os.path.join(where, f))]
    if not os.path.isdir(where):
        missing = [where]
    return pytest.mark.skipif(bool(missing), reason=f"real benchmark data missing: {', '.join(missing)} (set "
                              f"CRNN_REALDATA to a copy of {REALDATA_SOURCES})")


def run_script(script, *args, timeout=600):
    """Run a top-level entry script as a user would; return the CompletedProcess (text)."""
    return subprocess.run([sys.executable, os.path.join(REPO, script), *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def tiny_synth(tmp_path_factory):
    """320 training and 64 test images rendered by generate_dataset.py."""
    out = tmp_path_factory.mktemp("synth")
    result = run_script("generate_dataset.py", "--output_dir", out, "--num_train", 320, "--num_test", 64,
                        "--seed", 7)
    assert result.returncode == 0, result.stderr[-2000:]
    return str(out)


@pytest.fixture(scope="session")
def trained_run(tiny_synth, tmp_path_factory):
    """A 40-step V2 training run on tiny_synth through train.py, keeping a weight average (ema_decay 0.9);
    returns (run dir, stdout+stderr, checkpoint)."""
    out = tmp_path_factory.mktemp("run")
    result = run_script("train.py", "--train_dataset", "synth", "--train_dataset_path", tiny_synth,
                        "--device_target", "CPU", "--model_version", "V2", "--output_dir", out,
                        "--batch_size", 16, "--max_steps", 40, "--per_print_time", 10,
                        "--save_checkpoint_steps", 20, "--keep_checkpoint_max", 5, "--ema_decay", 0.9)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    ckpt = os.path.join(out, "ckpt", "crnn-1_20.ckpt")
    final = os.path.join(out, "ckpt", "crnn-2_20.ckpt")
    assert os.path.isfile(ckpt) and os.path.isfile(final), os.listdir(os.path.join(out, "ckpt"))
    return str(out), log, final


SHIPPED = os.path.join(REPO, "models", "crnn_v2_release.ckpt")
DEMO_WORDS = os.path.join(REPO, "demo", "words")
DEMO_READ = 11  # of the 13 demo crops, the shipped model reads these many (eval.py, zoo rules)


def other_filesystem_tmpdir(beside):
    """A temporary folder on another filesystem than beside (/dev/shm), or None where there is none."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK) and os.stat(shm).st_dev != os.stat(beside).st_dev:
        return shm
    return None


@pytest.fixture(scope="session")
def shipped_onnx(tiny_synth, tmp_path_factory):
    """The shipped model exported once to ONNX (dynamic batch) and int8 ONNX, calibrated on tiny_synth.

    The export runs with TMPDIR on another filesystem where the machine has one, as in a Docker bind
    mount: its files must still land by a rename within their own folder.
    """
    out = tmp_path_factory.mktemp("shipped_onnx")
    env = dict(os.environ)
    other = other_filesystem_tmpdir(str(out))
    if other:
        env["TMPDIR"] = other
    result = subprocess.run([sys.executable, os.path.join(REPO, "export.py"), "--device_target", "CPU",
                             "--model_version", "V2", "--ckpt_file", SHIPPED, "--file_name", str(out / "crnn"),
                             "--file_format", "ONNX", "--quantize", "int8", "--train_dataset", "synth",
                             "--train_dataset_path", tiny_synth, "--calibration_images", "64"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return {"fp32": str(out / "crnn.onnx"), "int8": str(out / "crnn_int8.onnx"), "stdout": result.stdout,
            "tmpdir": other}

"""Bad input on the entry scripts: one 'error:' line naming the problem, exit code 2, no traceback.

The scripts' main(argv) run in this process (what a subprocess would add is MindSpore's start-up), except
where the point is the whole process.
"""
import importlib
import subprocess

import pytest

from tests.conftest import run_script


def run_main(capsys, script, *argv):
    """main(argv) of a top-level entry script, as its command line would run it: a CompletedProcess."""
    main = importlib.import_module(script[:-len(".py")]).main
    try:
        main([str(a) for a in argv])
        code = 0
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess([script, *argv], code, out, err)

CPU_V2 = ["--device_target", "CPU", "--model_version", "V2"]


def assert_one_clear_error(result, *fragments):
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr[-2000:]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


@pytest.mark.parametrize("script", ["train.py", "eval.py", "export.py", "generate_dataset.py", "predict.py"])
def test_unknown_key(script, capsys):
    assert_one_clear_error(run_main(capsys, script, "--bach_size", "4"), "--bach_size")


def test_bad_value(capsys):
    assert_one_clear_error(run_main(capsys, "train.py", "--batch_size", "many"), "--batch_size", "many")


def test_abbreviated_key(capsys):
    assert_one_clear_error(run_main(capsys, "train.py", "--batch", "8"), "--batch")


def test_wrong_model_version(capsys):
    assert_one_clear_error(run_main(capsys, "eval.py", "--model_version", "V3"), "--model_version", "V3")


def test_missing_dataset_path(tmp_path, capsys):
    result = run_main(capsys, "train.py", "--train_dataset", "synth", "--train_dataset_path", tmp_path / "nowhere",
                      *CPU_V2, "--output_dir", tmp_path)
    assert_one_clear_error(result, "nowhere", "not a directory")


def test_dataset_without_annotations(tmp_path, capsys):
    result = run_main(capsys, "eval.py", "--eval_dataset", "synth", "--eval_dataset_path", tmp_path,
                      "--checkpoint_path", "x.ckpt", *CPU_V2)
    assert_one_clear_error(result, "not found")


def test_checkpoint_of_the_other_model_version(tiny_synth, capsys):
    from tests.conftest import SHIPPED
    result = run_main(capsys, "eval.py", "--eval_dataset", "synth", "--eval_dataset_path", tiny_synth,
                      "--checkpoint_path", SHIPPED, "--device_target", "CPU", "--model_version", "V1")
    assert_one_clear_error(result, "V2 checkpoint", "--model_version V2")


def test_unavailable_device():
    # A whole process: MindSpore must not print its own multi-line complaint before the one line.
    result = run_script("export.py", "--device_target", "GPU", "--ckpt_file", "x.ckpt", "--file_format", "MINDIR")
    assert_one_clear_error(result)
    from src.model_utils.device_adapter import missing_cuda_libraries
    if missing_cuda_libraries():  # a machine without the CUDA 11 libraries: the line names them
        assert "not found: " in result.stderr and "cuDNN 8" in result.stderr
        assert "[ERROR]" not in result.stderr  # MindSpore's own multi-line complaint never starts

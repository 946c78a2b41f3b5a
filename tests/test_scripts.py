import os
import subprocess

import pytest

from tests.conftest import REPO


def run_sh(script, *args, cwd=None):
    return subprocess.run(["bash", os.path.join(REPO, "scripts", script), *map(str, args)], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("script, args", [
    ("run_standalone_train_cpu.sh", []),
    ("run_standalone_train_cpu.sh", ["synth"]),
    ("run_standalone_train_cpu.sh", ["a", "b", "c", "d"]),
    ("run_eval_cpu.sh", ["synth", "x"]),
])
def test_wrong_argument_count_prints_usage(script, args, tmp_path):
    result = run_sh(script, *args, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.startswith("Usage: bash") and "[DATASET_PATH]" in result.stderr
    assert os.listdir(tmp_path) == []


def test_missing_dataset_path_is_reported(tmp_path):
    result = run_sh("run_eval_cpu.sh", "synth", tmp_path / "none", tmp_path / "c.ckpt", cwd=tmp_path)
    assert result.returncode != 0 and "is not a directory" in result.stderr

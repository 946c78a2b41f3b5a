import os
import re

import pytest

from tests.conftest import SHIPPED, run_script


def evaluate(tiny_synth, *extra):
    """eval.py with the shipped model on the 64 generated test words (it reads most of them)."""
    result = run_script("eval.py", "--eval_dataset", "synth", "--eval_dataset_path", tiny_synth,
                        "--checkpoint_path", SHIPPED, "--device_target", "CPU", "--model_version", "V2", *extra)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_eval_prints_the_zoo_lines_for_every_sample(tiny_synth):
    out = evaluate(tiny_synth)
    counts = re.search(r"correct num:  (\d+) , total num:  (\d+)", out)
    assert counts and int(counts.group(2)) == 64 and int(counts.group(1)) >= 40
    accuracy = float(re.search(r"result: \{'CRNNAccuracy': ([\d.e-]+)\}", out).group(1))
    assert accuracy == int(counts.group(1)) / 64
    assert re.search(r"1-NED: [01]\.\d{4}", out) and re.search(r"images: 64, [\d.]+ img/s", out)


@pytest.mark.slow
def test_batch_size_does_not_change_the_result(tiny_synth):
    lines = []
    for batch in ("64", "7"):
        out = evaluate(tiny_synth, "--batch_size", batch, "--print_flag", "True")
        lines.append([l for l in out.splitlines() if " :: " in l or l.startswith(("result", "1-NED"))])
    assert len([l for l in lines[0] if " :: " in l]) == 64
    assert lines[0] == lines[1]


def test_run_eval_onnx_sh(shipped_onnx, tiny_synth, tmp_path):
    import subprocess
    from tests.conftest import REPO
    sh = os.path.join(REPO, "scripts", "run_eval_onnx.sh")
    done = subprocess.run(["bash", sh, "synth", tiny_synth, shipped_onnx["fp32"], "CPU"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "total num:  64" in (tmp_path / "log.txt").read_text()
    done = subprocess.run(["bash", sh, "synth", tiny_synth], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0 and done.stderr.startswith("Usage: bash")

import os
import re

from tests.conftest import run_script


def evaluate(trained_run, tiny_synth, *extra):
    _, _, ckpt = trained_run
    result = run_script("eval.py", "--eval_dataset", "synth", "--eval_dataset_path", tiny_synth,
                        "--checkpoint_path", ckpt, "--device_target", "CPU", "--model_version", "V2", *extra)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_eval_prints_the_zoo_lines_for_every_sample(trained_run, tiny_synth):
    out = evaluate(trained_run, tiny_synth)
    counts = re.search(r"correct num:  (\d+) , total num:  (\d+)", out)
    assert counts and int(counts.group(2)) == 64
    accuracy = float(re.search(r"result: \{'CRNNAccuracy': ([\d.e-]+)\}", out).group(1))
    assert accuracy == int(counts.group(1)) / 64
    assert re.search(r"1-NED: [01]\.\d{4}", out) and re.search(r"images: 64, [\d.]+ img/s", out)


def test_batch_size_does_not_change_the_result(trained_run, tiny_synth):
    lines = []
    for batch in ("64", "7"):
        out = evaluate(trained_run, tiny_synth, "--batch_size", batch, "--print_flag", "True")
        lines.append([l for l in out.splitlines() if " :: " in l or l.startswith(("result", "1-NED"))])
    assert len([l for l in lines[0] if " :: " in l]) == 64
    assert lines[0] == lines[1]


def test_eval_onnx_equals_eval_on_the_same_checkpoint_and_data(trained_run, tiny_synth, tmp_path):
    import re
    _, _, ckpt = trained_run
    assert run_script("export.py", "--ckpt_file", ckpt, "--file_name", tmp_path / "m", "--file_format", "ONNX",
                      "--device_target", "CPU", "--model_version", "V2").returncode == 0
    common = ["--eval_dataset", "synth", "--eval_dataset_path", tiny_synth, "--device_target", "CPU",
              "--model_version", "V2", "--batch_size", 24, "--print_flag", "True"]
    by_ms = run_script("eval.py", *common, "--checkpoint_path", ckpt)
    by_ort = run_script("eval_onnx.py", *common, "--file_name", tmp_path / "m.onnx")
    assert by_ms.returncode == 0 and by_ort.returncode == 0, by_ort.stderr[-2000:]
    counts = [re.search(r"correct num:  (\d+) , total num:  (\d+)", r.stdout).groups() for r in (by_ms, by_ort)]
    assert counts[0] == counts[1] and counts[0][1] == "64"
    ned = [re.search(r"1-NED: ([\d.]+)", r.stdout).group(1) for r in (by_ms, by_ort)]
    assert ned[0] == ned[1]
    assert [l for l in by_ms.stdout.splitlines() if " :: " in l] == [l for l in by_ort.stdout.splitlines() if " :: " in l]
    assert re.search(r"^result: [\d.]+$", by_ort.stdout, re.M)  # the zoo's eval_onnx line


def test_run_eval_onnx_sh(trained_run, tiny_synth, tmp_path):
    import subprocess
    from tests.conftest import REPO
    _, _, ckpt = trained_run
    assert run_script("export.py", "--ckpt_file", ckpt, "--file_name", tmp_path / "m", "--file_format", "ONNX",
                      "--device_target", "CPU", "--model_version", "V2").returncode == 0
    sh = os.path.join(REPO, "scripts", "run_eval_onnx.sh")
    done = subprocess.run(["bash", sh, "synth", tiny_synth, tmp_path / "m.onnx", "CPU"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "total num:  64" in (tmp_path / "log.txt").read_text()
    done = subprocess.run(["bash", sh, "synth", tiny_synth], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0 and done.stderr.startswith("Usage: bash")

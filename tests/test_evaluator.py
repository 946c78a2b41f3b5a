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

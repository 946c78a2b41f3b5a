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
    assert "\nmetric_mode: lowercase_alphanumeric\n" in out  # printed beside the result


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


def test_an_onnx_model_carries_its_alphabet_and_refuses_another(shipped_onnx, tiny_synth):
    from src.model_alphabet import stored_alphabet
    from src.model_utils.config import default_label_dict
    assert stored_alphabet(shipped_onnx["fp32"]) == stored_alphabet(shipped_onnx["int8"]) == default_label_dict()
    result = run_script("eval_onnx.py", "--eval_dataset", "synth", "--eval_dataset_path", tiny_synth, "--file_name",
                        shipped_onnx["fp32"], "--device_target", "CPU", "--label_dict", default_label_dict() + "-")
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert lines[-1].startswith("error: ") and "trained with another alphabet" in lines[-1], result.stderr[-1500:]


@pytest.mark.slow
def test_fine_tuning_the_shipped_model_to_94_characters_and_using_the_checkpoint(tiny_synth, tmp_path):
    from src.model_alphabet import stored_alphabet
    from tests.test_model_alphabet import SENSITIVE_94
    dictionary = tmp_path / "en94.txt"
    dictionary.write_text("".join(c + "\n" for c in SENSITIVE_94), encoding="utf-8")
    result = run_script("train.py", "--train_dataset", "synth", "--train_dataset_path", tiny_synth,
                        "--device_target", "CPU", "--model_version", "V2", "--output_dir", tmp_path / "run",
                        "--batch_size", 16, "--max_steps", 3, "--optimizer", "adam", "--learning_rate", "0.0001",
                        "--pre_trained", SHIPPED, "--character_dict_path", dictionary)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "rnn.1.embedding.weight, rnn.1.embedding.bias start afresh, 63 of 95 classes copied" in log
    ckpt = str(tmp_path / "run" / "ckpt" / "crnn-1_3.ckpt")
    assert stored_alphabet(ckpt) == SENSITIVE_94
    common = ("--eval_dataset", "synth", "--eval_dataset_path", tiny_synth, "--checkpoint_path", ckpt,
              "--device_target", "CPU")
    taken = run_script("eval.py", *common, "--metric_mode", "case_sensitive_alphanumeric")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert "metric_mode: case_sensitive_alphanumeric" in taken.stdout and "total num:  64" in taken.stdout
    refused = run_script("eval.py", *common, "--label_dict", "abc")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "trained with another alphabet (94 characters" in refused.stderr.strip().splitlines()[-1]
    predicted = run_script("predict.py", os.path.join(tiny_synth, "annotation_test.txt").replace(
        "annotation_test.txt", "0"), "--checkpoint_path", ckpt, "--device_target", "CPU")
    assert predicted.returncode == 0, predicted.stderr[-2000:]
    assert len(predicted.stdout.strip().splitlines()) >= 1

"""The one inference path: eval.py, eval_onnx.py and predict.py read the same words from the same model."""
import os
import re

import numpy as np

from src.readers.path_label import parse_iiit5k
from src.recognizer import read_words
from tests.conftest import DEMO_READ, DEMO_WORDS, SHIPPED, run_script

COMMON = ("--device_target", "CPU", "--model_version", "V2")


def _flag_predictions(stdout):
    return [line.split(" :: ")[0] for line in stdout.splitlines() if " :: " in line]


def _counts(stdout):
    return tuple(int(n) for n in re.search(r"correct num:  (\d+) , total num:  (\d+)", stdout).groups())


def test_eval_eval_onnx_and_predict_read_the_same_real_words(shipped_onnx):
    # The shipped model on the 13 real demo crops: eval.py's count is exact, and onnxruntime (eval_onnx.py)
    # and predict.py read every crop the same; the int8 model reads at least as many.
    data = ("--eval_dataset", "iiit5k", "--eval_dataset_path", DEMO_WORDS, "--print_flag", "True", "--batch_size", 5)
    by_eval = run_script("eval.py", *COMMON, *data, "--checkpoint_path", SHIPPED)
    by_onnx = run_script("eval_onnx.py", *COMMON, *data, "--file_name", shipped_onnx["fp32"])
    by_int8 = run_script("eval_onnx.py", *COMMON, *data, "--file_name", shipped_onnx["int8"])
    samples = parse_iiit5k(DEMO_WORDS)
    by_predict = run_script("predict.py", *COMMON, "--batch_size", 7, *[s.path for s in samples])
    for result in (by_eval, by_onnx, by_int8, by_predict):
        assert result.returncode == 0, result.stderr[-2000:]
    assert _counts(by_eval.stdout) == _counts(by_onnx.stdout) == (DEMO_READ, 13)
    assert _counts(by_int8.stdout)[0] >= DEMO_READ
    eval_words, onnx_words = _flag_predictions(by_eval.stdout), _flag_predictions(by_onnx.stdout)
    predicted = dict(line.split("\t")[:2] for line in by_predict.stdout.splitlines())
    assert eval_words == onnx_words == [predicted[s.path] for s in samples]
    assert sum(w == s.text.lower() for w, s in zip(eval_words, samples)) == DEMO_READ
    assert re.search(r"images: 13, [\d.]+ img/s \(onnxruntime, CPUExecutionProvider\)", by_onnx.stdout)
    assert re.search(r"images: 13, [\d.]+ img/s \(MindSpore\)", by_eval.stdout)


def test_int8_export_landed_beside_its_fp32_file(shipped_onnx):
    # Quantization works in a temporary folder (TMPDIR on another filesystem here, where the machine has
    # one); the int8 file must still be written by a rename inside its own folder.
    assert "int8 model calibrated on 64 images" in shipped_onnx["stdout"]
    folder = os.path.dirname(shipped_onnx["int8"])
    assert sorted(os.listdir(folder)) == ["crnn.onnx", "crnn_int8.onnx"]


def test_read_words_follows_the_samples_and_counts_them():
    samples = ["a", "b", "c"]
    batches = [np.zeros((24, 2, 37), np.float32), np.zeros((24, 1, 37), np.float32)]
    readings = read_words(batches, samples, lambda logits, batch: [(f"w{s}", 0.5) for s in batch])
    assert readings == [("a", "wa", 0.5), ("b", "wb", 0.5), ("c", "wc", 0.5)]
    import pytest
    from src.errors import CRNNError
    with pytest.raises(CRNNError, match="2 readings for 3 images"):
        read_words(batches[:1], samples, lambda logits, batch: [("", 0.0)] * len(batch))

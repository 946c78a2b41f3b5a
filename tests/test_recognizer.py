"""The one inference path: eval.py, eval_onnx.py and predict.py read the same words from the same model."""
import re

import numpy as np

from src.readers.synth import parse_synth
from src.recognizer import read_words
from tests.conftest import run_script

COMMON = ("--device_target", "CPU", "--model_version", "V2")


def _flag_predictions(stdout):
    return [line.split(" :: ")[0] for line in stdout.splitlines() if " :: " in line]


def test_eval_eval_onnx_and_predict_read_identical_words(trained_run, tiny_synth, tmp_path):
    _, _, ckpt = trained_run
    exported = run_script("export.py", *COMMON, "--ckpt_file", ckpt, "--file_name", tmp_path / "crnn",
                          "--file_format", "ONNX")
    assert exported.returncode == 0, exported.stderr[-2000:]
    data = ("--eval_dataset", "synth", "--eval_dataset_path", tiny_synth, "--print_flag", "True", "--batch_size", 16)
    by_eval = run_script("eval.py", *COMMON, *data, "--checkpoint_path", ckpt)
    by_onnx = run_script("eval_onnx.py", *COMMON, *data, "--file_name", tmp_path / "crnn.onnx")
    samples = parse_synth(tiny_synth, is_training=False)
    by_predict = run_script("predict.py", *COMMON, "--checkpoint_path", ckpt, "--batch_size", 7,
                            *[s.path for s in samples])
    for result in (by_eval, by_onnx, by_predict):
        assert result.returncode == 0, result.stderr[-2000:]
    eval_words, onnx_words = _flag_predictions(by_eval.stdout), _flag_predictions(by_onnx.stdout)
    predicted = dict(line.split("\t")[:2] for line in by_predict.stdout.splitlines())
    assert len(eval_words) == len(samples) == 64
    assert eval_words == onnx_words == [predicted[s.path] for s in samples]
    assert re.search(r"images: 64, [\d.]+ img/s \(onnxruntime, CPUExecutionProvider\)", by_onnx.stdout)
    assert re.search(r"images: 64, [\d.]+ img/s \(MindSpore\)", by_eval.stdout)


def test_read_words_follows_the_samples_and_counts_them():
    samples = ["a", "b", "c"]
    batches = [np.zeros((24, 2, 37), np.float32), np.zeros((24, 1, 37), np.float32)]
    readings = read_words(batches, samples, lambda logits, batch: [(f"w{s}", 0.5) for s in batch])
    assert readings == [("a", "wa", 0.5), ("b", "wb", 0.5), ("c", "wc", 0.5)]
    import pytest
    from src.errors import CRNNError
    with pytest.raises(CRNNError, match="2 readings for 3 images"):
        read_words(batches[:1], samples, lambda logits, batch: [("", 0.0)] * len(batch))

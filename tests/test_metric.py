import numpy as np
import pytest

from src.metric import CRNNAccuracy, word_scores
from src.model_utils.config import load_config
from tests.test_label import one_hot_path


@pytest.fixture(scope="module")
def config():
    return load_config([])


def test_word_scores_exact_case_folded_and_ned():
    correct, similarity = word_scores(["Hello", "wrld", ""], ["hello", "world", ""])
    assert correct == 2
    assert similarity == pytest.approx(1.0 + (1 - 1 / 5) + 1.0)


def test_accuracy_from_logits_and_padded_labels(config, capsys):
    metric = CRNNAccuracy(config)
    b = 36
    logits = np.concatenate([one_hot_path([2, 0, b, 19]), one_hot_path([3, 14, 6, 6])], axis=1)
    labels = np.full((2, 23), b, np.int32)
    labels[0, :3] = [2, 0, 19]  # "cat": predicted "cat"
    labels[1, :3] = [3, 14, 6]  # "dog": predicted "dog" (the repeated g collapses)
    metric.update(logits, labels)
    metric.update(one_hot_path([2, 0, 19, 19]), ["CATS"])  # predicted "cat" against "cats"
    assert metric.eval() == pytest.approx(2 / 3)
    assert "correct num:  2 , total num:  3" in capsys.readouterr().out
    assert metric.normalized_edit_similarity() == pytest.approx((1 + 1 + 0.75) / 3)


def test_print_flag_prints_prediction_and_label(config, capsys):
    metric = CRNNAccuracy(config, print_flag=True)
    metric.update(one_hot_path([0, 1]), ["AB"])
    assert "ab :: ab" in capsys.readouterr().out


def test_empty_metric_raises(config):
    with pytest.raises(RuntimeError, match="no samples"):
        CRNNAccuracy(config).eval()

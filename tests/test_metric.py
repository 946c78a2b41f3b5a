import numpy as np
import pytest

from src.metric import METRIC_MODES, CRNNAccuracy, comparable, word_scores
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


def test_metric_modes_compare_what_they_name():
    pairs = (["Hello!", "hello", "NEW YORK", "中文,", "ab"], ["hello", "Hello", "new york", "中文", "a-b"])
    assert word_scores(*pairs, "lowercase_alphanumeric")[0] == 5
    # the first three pairs differ in case only; punctuation is still ignored
    assert word_scores(*pairs, "case_sensitive_alphanumeric")[0] == 2
    # case, punctuation and space all count
    assert word_scores(*pairs, "all_characters")[0] == 0
    assert word_scores(["a b"], ["a b"], "all_characters")[0] == 1
    assert comparable("Straße 12!", "case_sensitive_alphanumeric") == "Straße12"
    with pytest.raises(ValueError, match="metric_mode"):
        comparable("x", "case")


def test_metric_mode_from_config_and_printed_label(capsys):
    config = load_config(["--label_dict", "abcABC!", "--metric_mode", "case_sensitive_alphanumeric"])
    metric = CRNNAccuracy(config, print_flag=True)
    metric.update_texts(["Abc", "abc"], ["Abc!", "ABC"])
    assert metric.eval() == pytest.approx(0.5)
    out = capsys.readouterr().out
    assert "Abc :: Abc" in out and "abc :: ABC" in out
    assert metric.normalized_edit_similarity() == pytest.approx((1 + 0) / 2)


def test_metric_mode_choices_are_the_metrics_list():
    from src.model_utils.config import DEFAULT_CONFIG_PATH, read_yaml
    _, _, choices = read_yaml(DEFAULT_CONFIG_PATH)
    assert tuple(choices["metric_mode"]) == METRIC_MODES
    with pytest.raises(Exception, match="metric_mode"):
        load_config(["--metric_mode", "zoo"])

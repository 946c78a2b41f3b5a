"""CRNNAccuracy: exact word match and mean 1 - normalized edit distance, under a named metric mode.

A metric mode says what two words are compared by:
    lowercase_alphanumeric       letters and digits, lower-cased (the zoo's metric and the field's usual one)
    case_sensitive_alphanumeric  letters and digits as written (clovaai's case-sensitive evaluation)
    all_characters               every character of the alphabet as written (punctuation and space too)
Letters and digits are Unicode's (str.isalnum: CJK characters and accented letters count).
"""
import numpy as np
from mindspore.train import Metric
from rapidfuzz.distance import Levenshtein

from src.label import LabelCodec

METRIC_MODES = ("lowercase_alphanumeric", "case_sensitive_alphanumeric", "all_characters")
DEFAULT_METRIC_MODE = METRIC_MODES[0]


def comparable(text, mode=DEFAULT_METRIC_MODE):
    """text as the metric mode compares it."""
    if mode not in METRIC_MODES:
        raise ValueError(f"metric_mode must be one of {', '.join(METRIC_MODES)}, got {mode!r}")
    if mode == "all_characters":
        return text
    kept = "".join(char for char in text if char.isalnum())
    return kept.lower() if mode == "lowercase_alphanumeric" else kept


def word_scores(predictions, targets, mode=DEFAULT_METRIC_MODE):
    """(number of exact matches, sum of 1-NED) over paired strings, both compared as the mode says.

    1-NED per word is 1 - edit_distance / max(len(pred), len(target)), 1 when both are empty.
    """
    correct, similarity = 0, 0.0
    for pred, target in zip(predictions, targets):
        pred, target = comparable(pred, mode), comparable(target, mode)
        correct += pred == target
        longest = max(len(pred), len(target))
        similarity += 1.0 - (Levenshtein.distance(pred, target) / longest if longest else 0.0)
    return correct, similarity


class CRNNAccuracy(Metric):
    """Accumulates greedy-decoded predictions against labels, compared by config.metric_mode.

    update(logits (T, B, C), labels) takes labels as a (B, S) blank-padded index array or as a list of
    strings. eval() prints the zoo's 'correct num: X , total num: Y' line and returns the accuracy.
    """

    def __init__(self, config, print_flag=False):
        super().__init__()
        self.codec = LabelCodec(config.label_dict, config.max_text_length)
        self.mode = getattr(config, "metric_mode", DEFAULT_METRIC_MODE)
        comparable("", self.mode)  # an unknown mode fails here, not at the first batch
        self.print_flag = print_flag
        self.clear()

    def clear(self):
        self.correct = 0
        self.total = 0
        self.similarity = 0.0
        self.predictions = []

    def update(self, *inputs):
        if len(inputs) != 2:
            raise ValueError(f"CRNNAccuracy.update takes (logits, labels), got {len(inputs)} inputs")
        logits = self._convert_data(inputs[0])
        labels = inputs[1]
        if not isinstance(labels, (list, tuple)):
            labels = [self.codec.indices_to_text(row) for row in np.asarray(self._convert_data(labels))]
        self.update_texts(self.codec.greedy_decode(logits), labels)

    def update_texts(self, predictions, labels):
        """Score already decoded predictions (e.g. lexicon-constrained) against label strings."""
        if len(predictions) != len(labels):
            raise ValueError(f"{len(predictions)} predictions but {len(labels)} labels")
        correct, similarity = word_scores(predictions, labels, self.mode)
        self.correct += correct
        self.similarity += similarity
        self.total += len(labels)
        self.predictions.extend(zip(predictions, labels))
        if self.print_flag:
            for pred, label in zip(predictions, labels):
                print(pred, "::", comparable(label, self.mode))

    def eval(self):
        if self.total == 0:
            raise RuntimeError("CRNNAccuracy: no samples were evaluated")
        print("correct num: ", self.correct, ", total num: ", self.total)
        return self.correct / self.total

    def normalized_edit_similarity(self):
        """Mean 1-NED over everything seen since clear()."""
        if self.total == 0:
            raise RuntimeError("CRNNAccuracy: no samples were evaluated")
        return self.similarity / self.total

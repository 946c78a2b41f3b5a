"""Lexicon-constrained CTC decoding (paper, section 2.3.2) — pure numpy and rapidfuzz.

With a lexicon D, the transcription is the word of D with the highest CTC probability p(word | y).
Small lexicons (the 50- and 1k-word ones of SVT and IIIT5K) are scored whole; a large one is first cut
to the words within edit distance `max_distance` of the greedy transcription, found with a BK-tree,
as the paper does, and only those are scored (the nearest words when none is that close).
"""
import os

import numpy as np
from rapidfuzz.distance import Levenshtein

from src.errors import CRNNError
from src.readers import read_lines

SCORE_ALL_UP_TO = 1000


def log_softmax(logits, axis=-1):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def ctc_log_likelihoods(log_probs, labels, blank):
    """log p(label | y) for each label (a list of index sequences) under one (T, C) log-prob matrix.

    The CTC forward algorithm over the blank-extended labels, vectorised across labels.
    """
    steps = log_probs.shape[0]
    if not labels:
        return np.zeros(0)
    width = 2 * max(len(l) for l in labels) + 1
    ext = np.full((len(labels), width), blank, np.int64)
    lengths = np.array([2 * len(l) + 1 for l in labels])
    for row, label in enumerate(labels):
        ext[row, 1:2 * len(label):2] = label
    # a position may be reached by skipping the blank before it when it differs from the label two back
    can_skip = np.zeros_like(ext, bool)
    can_skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    valid = np.arange(width)[None, :] < lengths[:, None]
    alpha = np.full((len(labels), width), -np.inf)
    alpha[:, 0] = log_probs[0, blank]
    has_char = lengths > 1
    alpha[has_char, 1] = log_probs[0, ext[has_char, 1]]
    for t in range(1, steps):
        stay = alpha
        step = np.concatenate([np.full((len(labels), 1), -np.inf), alpha[:, :-1]], axis=1)
        skip = np.concatenate([np.full((len(labels), 2), -np.inf), alpha[:, :-2]], axis=1)
        skip = np.where(can_skip, skip, -np.inf)
        alpha = np.logaddexp(np.logaddexp(stay, step), skip) + log_probs[t, ext]
        alpha = np.where(valid, alpha, -np.inf)
    rows = np.arange(len(labels))
    last = alpha[rows, lengths - 1]
    before_last = np.where(lengths > 1, alpha[rows, np.maximum(lengths - 2, 0)], -np.inf)
    return np.logaddexp(last, before_last)


class BKTree:
    """Burkhard-Keller tree over words with the Levenshtein metric: words within a distance, fast."""

    def __init__(self, words):
        self.root = None
        for word in words:
            self.add(word)

    def add(self, word):
        if self.root is None:
            self.root = (word, {})
            return
        node = self.root
        while True:
            distance = Levenshtein.distance(word, node[0])
            if distance == 0:
                return
            if distance not in node[1]:
                node[1][distance] = (word, {})
                return
            node = node[1][distance]

    def within(self, query, max_distance):
        """[(distance, word)] of the words at most max_distance edits from query, nearest first."""
        found, stack = [], [self.root] if self.root else []
        while stack:
            word, children = stack.pop()
            distance = Levenshtein.distance(query, word)
            if distance <= max_distance:
                found.append((distance, word))
            stack.extend(child for d, child in children.items() if distance - max_distance <= d <= distance + max_distance)
        return sorted(found)


class LexiconDecoder:
    """Chooses, for one image's (T, C) logits, the most probable word of a lexicon."""

    def __init__(self, codec, max_distance=3):
        self.codec = codec
        self.max_distance = max_distance
        self._prepared = {}  # id(word list) -> (that list, encodable words, BK-tree or None)

    def _prepare(self, words):
        # A global lexicon is the same list for every image: normalise it and build its tree once.
        entry = self._prepared.get(id(words))
        if entry is None or entry[0] is not words:
            encodable = [w for w in dict.fromkeys(self.codec.normalize(w) for w in words)
                         if w and not self.codec.unknown_chars(w)]
            tree = BKTree(encodable) if len(encodable) > SCORE_ALL_UP_TO else None
            entry = (words, encodable, tree)
            if tree is not None:
                self._prepared[id(words)] = entry
        return entry[1], entry[2]

    def candidates(self, words, greedy):
        words, tree = self._prepare(words)
        if tree is None:
            return words
        for distance in range(self.max_distance, 3 * self.max_distance + 1, self.max_distance):
            near = tree.within(greedy, distance)
            if near:
                return [w for _, w in near]
        return words

    def decode(self, logits, words):
        """(word, probability) for (T, C) logits; ('', 0.0) when no lexicon word is encodable."""
        log_probs = log_softmax(np.asarray(logits, np.float64))
        greedy = self.codec.greedy_decode(log_probs[:, None, :])[0]
        choices = self.candidates(words, greedy)
        if not choices:
            return "", 0.0
        scores = ctc_log_likelihoods(log_probs, [[self.codec._index[c] for c in w] for w in choices], self.codec.blank)
        best = int(np.argmax(scores))
        return choices[best], float(np.exp(scores[best]))


def greedy_confidence(logits):
    """Mean softmax probability of the characters the greedy path emits (1.0 for an empty result)."""
    probs = np.exp(log_softmax(np.asarray(logits, np.float64)))
    best = probs.argmax(axis=1)
    blank = probs.shape[1] - 1
    keep = (best != blank) & np.r_[True, best[1:] != best[:-1]]
    return float(probs[np.arange(len(best)), best][keep].mean()) if keep.any() else 1.0


def read_lexicon(path):
    """A lexicon file: either one word a line (for every image) -> (words, None), or per-image lines
    '<image path>,<w1>,<w2>,...' as the SVT/IIIT5K converters write -> (None, {normalised path: words})."""
    if not os.path.isfile(path):
        raise CRNNError(f"lexicon {path} not found")
    lines = read_lines(path)
    if not lines:
        raise CRNNError(f"lexicon {path} is empty")
    if all("," in text for _, text in lines):
        base = os.path.dirname(os.path.abspath(path))
        per_image = {}
        for number, text in lines:
            rel, *words = [part.strip() for part in text.split(",")]
            if not rel or not any(words):
                raise CRNNError(f"{path}:{number}: expected '<image path>,<word>,<word>,...'")
            words = [w for w in words if w]
            per_image[os.path.normpath(os.path.join(base, rel))] = words
            per_image.setdefault(os.path.normpath(rel), words)
        return None, per_image
    return [text.strip() for _, text in lines], None


class Lexicon:
    """Words for an image path: the global list, or the image's own entry in a per-image file."""

    def __init__(self, path):
        self.path = path
        self.words, self.per_image = read_lexicon(path)

    def words_for(self, image_path, dataset_root=None):
        if self.words is not None:
            return self.words
        keys = [os.path.normpath(os.path.abspath(image_path)), os.path.normpath(image_path)]
        if dataset_root:
            keys.append(os.path.normpath(os.path.relpath(image_path, dataset_root)))
        for key in keys:
            if key in self.per_image:
                return self.per_image[key]
        raise CRNNError(f"lexicon {self.path} has no entry for {image_path}")

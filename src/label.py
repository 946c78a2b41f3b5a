"""Alphabet, label encoding and CTC greedy decoding: pure numpy, no MindSpore graph."""
import numpy as np

from src.alphabet import folds_case


class LabelCodec:
    """Maps text to blank-padded index arrays and CTC frame indices back to text.

    Indices 0..len(alphabet)-1 are the alphabet's characters; the blank is len(alphabet), the last
    class, as the TF-style CTC the zoo was built on requires.
    """

    def __init__(self, alphabet, max_text_length):
        self.alphabet = alphabet
        self.blank = len(alphabet)
        self.max_text_length = max_text_length
        self._index = {c: i for i, c in enumerate(alphabet)}
        self.folds_case = folds_case(alphabet)

    def normalize(self, text):
        """Text as the alphabet spells it: lower-cased for an alphabet without capitals (the zoo's), else
        as written."""
        return text.lower() if self.folds_case else text

    def unknown_chars(self, text):
        """Characters of normalized text that the alphabet cannot encode."""
        return sorted({c for c in self.normalize(text) if c not in self._index})

    def strip_unknown(self, text):
        """normalized text without characters the alphabet lacks (the zoo's rule for IIIT5K and SVT)."""
        return "".join(c for c in self.normalize(text) if c in self._index)

    def encode(self, text):
        """int32 array of max_text_length indices, blank-padded. text must be encodable and short enough."""
        text = self.normalize(text)
        if len(text) > self.max_text_length:
            raise ValueError(f"label {text!r} is longer than max_text_length={self.max_text_length}")
        out = np.full(self.max_text_length, self.blank, np.int32)
        out[:len(text)] = [self._index[c] for c in text]
        return out

    def indices_to_text(self, indices):
        """Text of label indices, ignoring blanks/padding (anything >= blank)."""
        return "".join(self.alphabet[i] for i in indices if 0 <= i < self.blank)

    def greedy_decode(self, logits):
        """Best-path CTC decoding of (T, B, C) scores: collapse repeats, then drop blanks -> list of B strings."""
        best = np.asarray(logits).argmax(axis=2).T
        texts = []
        for path in best:
            keep = np.ones(len(path), bool)
            keep[1:] = path[1:] != path[:-1]
            texts.append(self.indices_to_text(path[keep]))
        return texts


def ctc_frames_needed(text):
    """Frames CTC needs to emit text: one per character plus a blank between equal neighbours."""
    return len(text) + sum(1 for a, b in zip(text, text[1:]) if a == b)

"""Text the generator renders: words from a word list (and, optionally, frequent words of other languages),
random strings and numbers, words joined with numbers, in mixed case, all spelt in the model's alphabet.

With the zoo's alphabet (lower-case letters and digits) labels are the rendered text lower-cased; with an
alphabet that has capitals they are the text as rendered, and case changes are drawn only where the
alphabet spells the result.
"""
import os
import string

import numpy as np

from src.alphabet import folds_case
from src.errors import CRNNError
from src.synth.options import RenderOptions

DEFAULT_WORD_LIST = "/usr/share/dict/words"
ZOO_ALPHABET = string.ascii_lowercase + string.digits


class TextAlphabet:
    """The characters a label may hold, and what follows from them for drawing text."""

    def __init__(self, chars=ZOO_ALPHABET):
        self.chars = chars
        self.members = frozenset(chars)
        self.folds_case = folds_case(chars)
        # a space would be lost at a label's ends: random strings are drawn from the other characters
        self.random_chars = [c for c in chars if not c.isspace()]
        self.digits = [c for c in chars if c in string.digits]

    def spells(self, text):
        """Whether the label of text (lower-cased where the alphabet folds case) is all the alphabet's."""
        return all(c in self.members for c in self.label(text)) and (not self.folds_case or
                                                                      len(text.lower()) == len(text))

    def label(self, text):
        return text.lower() if self.folds_case else text


ZOO = TextAlphabet()

# Share of each text length, 1..18 characters, among the labels of IIIT5K train and SVT train (2,257 words),
# smoothed above 10 so that long words still occur. Scene text is mostly short: a third of it has at most
# three characters, while a word list drawn uniformly has a median length of 8 and almost no words of 1-3.
SCENE_LENGTH_SHARES = np.array([2.9, 11.4, 16.8, 17.6, 16.0, 12.2, 9.7, 4.8, 3.9, 2.0,
                                1.3, 0.8, 0.5, 0.4, 0.3, 0.2, 0.2, 0.2])
_SCENE_LENGTH_P = SCENE_LENGTH_SHARES / SCENE_LENGTH_SHARES.sum()


def load_words(path=DEFAULT_WORD_LIST, max_length=23, alphabet=ZOO):
    """Unique words of 1..max_length characters that the alphabet spells, as in a one-word-per-line file."""
    if not os.path.isfile(path):
        raise CRNNError(f"word list not found: {path} (install Debian's 'wamerican' or pass --word_list)")
    words = set()
    with open(path, encoding="utf-8", errors="ignore") as handle:
        for line in handle:
            word = line.strip()
            if word and len(word) <= max_length and alphabet.spells(word):
                words.add(word)
    if not words:
        raise CRNNError(f"word list {path} has no words of at most {max_length} characters spelt in the "
                        f"alphabet ({len(alphabet.chars)} characters): pass --word_list")
    return sorted(words)


FREQUENT_WORDS_PER_LANGUAGE = 30000


def load_frequent_words(languages, max_length=23, per_language=FREQUENT_WORDS_PER_LANGUAGE, alphabet=ZOO):
    """The per_language most frequent words of each language (wordfreq's lists, comma-separated codes),
    those the alphabet spells: with the zoo's, German, French, ... words, names, places and brands in
    a-z and 0-9 (words with accents are left out rather than relabelled); with a Chinese alphabet, 'zh'
    gives Chinese words."""
    try:
        from wordfreq import available_languages, top_n_list  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise CRNNError("synth_other_words needs the wordfreq package (pip install wordfreq)") from None
    codes = [code.strip() for code in languages.split(",") if code.strip()]
    unknown = [code for code in codes if code not in available_languages()]
    if not codes or unknown:
        raise CRNNError(f"synth_other_languages: {', '.join(unknown) or 'none given'}; wordfreq has "
                        f"{', '.join(sorted(available_languages()))}")
    words = set()
    for code in codes:
        words.update(w for w in top_n_list(code, per_language) if len(w) <= max_length and alphabet.spells(w))
    if not words:
        raise CRNNError(f"synth_other_languages {languages}: no frequent word is spelt in the alphabet")
    return sorted(words)


class WordList:
    """The dictionary words, also grouped by length so that a length can be drawn first."""

    def __init__(self, words):
        self.words = list(words)
        by_length = {}
        for word in self.words:
            by_length.setdefault(len(word), []).append(word)
        self.lengths = np.array(sorted(n for n in by_length if n <= len(SCENE_LENGTH_SHARES)))
        if len(self.lengths):
            shares = SCENE_LENGTH_SHARES[self.lengths - 1]
            self.length_p = shares / shares.sum()
        self.by_length = by_length

    def uniform(self, rng):
        return self.words[int(rng.integers(len(self.words)))]

    def of_scene_length(self, rng):
        """A word whose length follows SCENE_LENGTH_SHARES (restricted to the lengths the list has)."""
        if not len(self.lengths):
            return self.uniform(rng)
        group = self.by_length[int(rng.choice(self.lengths, p=self.length_p))]
        return group[int(rng.integers(len(group)))]


def scene_length(rng):
    """A text length drawn from SCENE_LENGTH_SHARES."""
    return int(rng.choice(len(_SCENE_LENGTH_P), p=_SCENE_LENGTH_P)) + 1


def random_string(rng, length, digits_only=False, alphabet=ZOO):
    """A random string of the alphabet's characters (codes, plates) or of its digits (prices, numbers)."""
    chars = alphabet.digits if digits_only and alphabet.digits else alphabet.random_chars
    return "".join(rng.choice(chars, size=length))


def apply_case(word, rng, options=RenderOptions(), alphabet=ZOO):
    """The word in UPPER, Capitalised or list case with the options' probabilities, else lower case;
    a case the alphabet cannot spell leaves the word as it is."""
    roll = rng.random()
    if roll < options.upper_case:
        cased = word.upper()
    elif roll - options.upper_case < options.capitalised:
        cased = word.capitalize()
    elif roll - options.upper_case - options.capitalised < options.list_case:
        cased = word
    else:
        cased = word.lower()
    return cased if alphabet.folds_case or alphabet.spells(cased) else word


def with_number(word, rng, alphabet=ZOO):
    """word with a number of 1-4 digits before or after it, as on signs and products ("24hours", "room101")."""
    number = random_string(rng, int(rng.integers(1, 5)), digits_only=True, alphabet=alphabet)
    return number + word if rng.random() < 0.5 else word + number


def sample_text(words, rng, options=RenderOptions(), other_words=None, alphabet=ZOO):
    """(label, text as rendered) for one sample; words (and other_words, drawn with options.other_words)
    are WordLists. Knobs at 0 draw nothing, so a seed renders as without them."""
    by_scene_length = rng.random() < options.scene_lengths
    if rng.random() < options.random_string:
        length = scene_length(rng) if by_scene_length else int(rng.integers(3, 11))
        word = random_string(rng, length, rng.random() < options.digits_only, alphabet)
    else:
        source = words
        if options.other_words > 0 and other_words is not None and rng.random() < options.other_words:
            source = other_words
        word = source.of_scene_length(rng) if by_scene_length else source.uniform(rng)
        if options.word_number > 0 and rng.random() < options.word_number and alphabet.digits:
            word = with_number(word, rng, alphabet)
    text = apply_case(word, rng, options, alphabet)
    return alphabet.label(text), text

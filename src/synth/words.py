"""Text the generator renders: words from an English word list, random strings and numbers, in mixed case."""
import os
import re
import string

from src.errors import CRNNError
from src.synth.options import RenderOptions

DEFAULT_WORD_LIST = "/usr/share/dict/words"
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_RANDOM_CHARS = list(string.ascii_lowercase + string.digits)
_DIGITS = list(string.digits)


def load_words(path=DEFAULT_WORD_LIST, max_length=23):
    """Unique alphanumeric words of 1..max_length characters, spelled as in a one-word-per-line file."""
    if not os.path.isfile(path):
        raise CRNNError(f"word list not found: {path} (install Debian's 'wamerican' or pass --word_list)")
    words = set()
    with open(path, encoding="utf-8", errors="ignore") as handle:
        for line in handle:
            word = line.strip()
            if _ALNUM.fullmatch(word) and len(word) <= max_length:
                words.add(word)
    if not words:
        raise CRNNError(f"word list {path} has no alphanumeric words of at most {max_length} characters")
    return sorted(words)


def random_string(rng, min_length=3, max_length=10, digits_only=False):
    """A random string of lowercase letters and digits (codes, plates) or of digits (prices, numbers)."""
    length = int(rng.integers(min_length, max_length + 1))
    return "".join(rng.choice(_DIGITS if digits_only else _RANDOM_CHARS, size=length))


def apply_case(word, rng, options=RenderOptions()):
    """The word in UPPER, Capitalised or list case with the options' probabilities, else lower case."""
    roll = rng.random()
    if roll < options.upper_case:
        return word.upper()
    roll -= options.upper_case
    if roll < options.capitalised:
        return word.capitalize()
    roll -= options.capitalised
    if roll < options.list_case:
        return word
    return word.lower()


def sample_text(words, rng, options=RenderOptions()):
    """(lowercase label, text as rendered) for one sample."""
    if rng.random() < options.random_string:
        word = random_string(rng, digits_only=rng.random() < options.digits_only)
    else:
        word = words[int(rng.integers(len(words)))]
    text = apply_case(word, rng, options)
    return text.lower(), text

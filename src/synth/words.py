"""Text the generator renders: words from an English word list, random alphanumeric strings, mixed case."""
import os
import re
import string

DEFAULT_WORD_LIST = "/usr/share/dict/words"
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_RANDOM_CHARS = string.ascii_lowercase + string.digits


def load_words(path=DEFAULT_WORD_LIST, max_length=23):
    """Unique lowercase alphanumeric words of 1..max_length characters from a one-word-per-line file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"word list not found: {path} (install Debian's 'wamerican' or pass --word_list)")
    words = set()
    with open(path, encoding="utf-8", errors="ignore") as handle:
        for line in handle:
            word = line.strip()
            if _ALNUM.fullmatch(word) and len(word) <= max_length:
                words.add(word.lower())
    if not words:
        raise ValueError(f"word list {path} has no alphanumeric words")
    return sorted(words)


def random_string(rng, min_length=1, max_length=10):
    """A random string of lowercase letters and digits (licence plates, codes, prices)."""
    length = int(rng.integers(min_length, max_length + 1))
    return "".join(rng.choice(list(_RANDOM_CHARS), size=length))


def apply_case(word, rng):
    """Render a lowercase word as lower (50%), Capitalised (25%) or UPPER (25%) case."""
    roll = rng.random()
    if roll < 0.5:
        return word
    if roll < 0.75:
        return word.capitalize()
    return word.upper()


def sample_text(words, rng, random_fraction=0.3):
    """The lowercase label and the text as rendered, for one sample."""
    label = random_string(rng) if rng.random() < random_fraction else words[int(rng.integers(len(words)))]
    return label, apply_case(label, rng)

"""The alphabet a model reads: label_dict (a string), or a character dictionary file (character_dict_path,
one character a line, UTF-8, mindocr/PaddleOCR's format) with an optional space (use_space_char).

Case is folded (labels and readings lower-cased) only for an alphabet without upper-case letters, such as
the zoo's 36 characters; an alphabet with capitals keeps case everywhere.
"""
from src.errors import ConfigError

# The entry (a string) under which a checkpoint stores the alphabet its network reads (src/model_alphabet.py).
ALPHABET_ENTRY = "alphabet"


def read_character_dict(path):
    """The characters of a dictionary file, in file order; a ConfigError names file and line of an empty
    line, a line of more than one character or a repeated character."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except OSError as err:
        raise ConfigError(f"character_dict_path: cannot read {path}: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"character_dict_path: {path} is not UTF-8 ({err.reason} at byte {err.start})") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's final newline
    chars, first_line = [], {}
    for number, line in enumerate(lines, 1):
        char = line[:-1] if line.endswith("\r") else line
        if not char:
            raise ConfigError(f"{path}:{number}: empty line (one character a line; use_space_char adds the space)")
        if len(char) != 1:
            raise ConfigError(f"{path}:{number}: {char!r} is not one character")
        if char in first_line:
            raise ConfigError(f"{path}:{number}: {char!r} repeats line {first_line[char]}")
        first_line[char] = number
        chars.append(char)
    if not chars:
        raise ConfigError(f"character_dict_path: {path} holds no characters")
    return "".join(chars)


def resolve_alphabet(label_dict, default_label_dict, character_dict_path="", use_space_char=False):
    """The alphabet from label_dict or the dictionary file (not both), plus a space with use_space_char."""
    if character_dict_path:
        alphabet = read_character_dict(character_dict_path)
        if use_space_char and " " not in alphabet:
            alphabet += " "
        # A run's saved config holds both: the file's alphabet as label_dict is no conflict.
        if label_dict not in (default_label_dict, alphabet):
            raise ConfigError("give label_dict or character_dict_path, not both")
        return alphabet
    if use_space_char and " " not in label_dict:
        return label_dict + " "
    return label_dict


def folds_case(alphabet):
    """Whether labels and readings are lower-cased: only for an alphabet without upper-case letters."""
    return not any(char.isupper() for char in alphabet)


def checkpoint_alphabet(params):
    """The alphabet stored in a checkpoint's parameter dict, or None (a file written without one)."""
    value = params.get(ALPHABET_ENTRY)
    return value if isinstance(value, str) else None


def describe(alphabet, shown=12):
    """A short, unambiguous description of an alphabet for messages: its size and first characters."""
    head = alphabet[:shown]
    return f"{len(alphabet)} characters, {head!r}{'...' if len(alphabet) > shown else ''}"

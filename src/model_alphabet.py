"""The alphabet a model was trained with, carried by its files, and a configuration made to agree with it.

A checkpoint holds it as its `alphabet` entry (a string), an ONNX model as the metadata property
`alphabet`, and a MINDIR or AIR export as a dictionary file beside it, `<file>.alphabet.txt` (one character a
line: character_dict_path reads it). Files written before the alphabet was stored carry none; they are read
with the configured alphabet, and a class count that does not fit it is refused when the weights load.
"""
import logging

from src.alphabet import ALPHABET_ENTRY, checkpoint_alphabet, describe, read_character_dict
from src.checkpoint import read_checkpoint
from src.errors import ConfigError
from src.fileio import atomic_path, write_text_atomic

SIDECAR_SUFFIX = ".alphabet.txt"

logger = logging.getLogger("crnn")


def sidecar_path(model_path):
    return model_path + SIDECAR_SUFFIX


def write_sidecar(model_path, alphabet):
    """The alphabet as a character dictionary file beside an exported model; returns its path."""
    path = sidecar_path(model_path)
    write_text_atomic(path, "".join(char + "\n" for char in alphabet))
    return path


def tag_onnx(path, alphabet):
    """Store the alphabet in an ONNX model's metadata (rewriting the file atomically)."""
    import onnx  # pylint: disable=import-outside-toplevel
    model = onnx.load(path)
    kept = [prop for prop in model.metadata_props if prop.key != ALPHABET_ENTRY]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    model.metadata_props.add(key=ALPHABET_ENTRY, value=alphabet)
    with atomic_path(path) as tmp:
        onnx.save(model, tmp)


def stored_alphabet(model_path):
    """The alphabet the model file at model_path carries, or None (a file written without one)."""
    lower = model_path.lower()
    if lower.endswith(".ckpt"):
        return checkpoint_alphabet(read_checkpoint(model_path))
    if lower.endswith(".onnx"):
        import onnx  # pylint: disable=import-outside-toplevel
        try:
            model = onnx.load(model_path, load_external_data=False)
        except Exception:  # pylint: disable=broad-except  (an unreadable model is reported when it is opened)
            return None
        return next((prop.value for prop in model.metadata_props if prop.key == ALPHABET_ENTRY), None)
    try:
        return read_character_dict(sidecar_path(model_path))
    except ConfigError:
        return None


def alphabet_chosen(config):
    """Whether the configuration names an alphabet of its own (not the default left in place)."""
    from src.model_utils.config import default_label_dict  # pylint: disable=import-outside-toplevel
    return bool(getattr(config, "character_dict_path", "")) or config.is_explicit("label_dict") or \
        config.label_dict != default_label_dict()


def set_alphabet(config, alphabet):
    """Make config read with alphabet: label_dict and the values derived from it."""
    config.label_dict = alphabet
    config.class_num = len(alphabet) + 1
    config.blank = len(alphabet)


def use_model_alphabet(config, model_path):
    """Make config agree with the alphabet the model at model_path carries.

    A configuration that names no alphabet takes the model's (one log line); one that names another
    alphabet is refused with one line: a model reads only the characters it was trained with.
    """
    stored = stored_alphabet(model_path)
    if stored is None or stored == config.label_dict:
        return config.label_dict
    if alphabet_chosen(config):
        raise ConfigError(f"{model_path} was trained with another alphabet ({describe(stored)}) than the one "
                          f"given ({describe(config.label_dict)}): give its alphabet, or leave label_dict and "
                          "character_dict_path out to use it")
    logger.info("alphabet of %s: %s", model_path, describe(stored))
    set_alphabet(config, stored)
    return stored

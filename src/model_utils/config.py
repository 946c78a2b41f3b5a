"""The one place configuration is read: default_config.yaml, overridden by `--key value` arguments.

`from src.model_utils.config import config` (the zoo's import) parses sys.argv on first use;
tests and tools call `load_config(argv)` instead.
"""
import argparse
import functools
import os
import sys

import yaml

from src.alphabet import resolve_alphabet
from src.errors import ConfigError  # noqa: F401  (re-exported: the zoo-era import path)

DEFAULT_CONFIG_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "default_config.yaml")

# Values that must be strictly positive; a zero or negative one is a bad value, named.
_POSITIVE = ("batch_size", "epoch_size", "hidden_size", "image_width", "image_height", "input_size",
             "num_step", "max_text_length", "save_checkpoint_steps", "keep_checkpoint_max",
             "per_print_time", "eval_interval", "learning_rate", "num_parallel_workers")


# Output channels of the VGG backbone: the LSTM's input size.
BACKBONE_CHANNELS = 512
# Keys naming one dataset kind; their choices come from the one list in src/readers (train_dataset and
# train_eval_dataset take comma lists and are checked where they are split).
_DATASET_KEYS = ("eval_dataset", "dataset")


class Config:
    """Attribute access to configuration values (the zoo's `config.batch_size`)."""

    def __init__(self, values):
        self.__dict__.update(values)

    def __repr__(self):
        return "\n".join(f"{k}: {v!r}" for k, v in sorted(self.__dict__.items()))

    def to_dict(self):
        return {k: v for k, v in self.__dict__.items() if k != "explicit_keys"}

    def is_explicit(self, key):
        """Whether key was given on the command line (not just taken from the YAML file)."""
        return key in self.__dict__.get("explicit_keys", ())


class _Parser(argparse.ArgumentParser):
    """argparse that reports one line instead of the whole usage, and raises instead of exiting.

    Abbreviations (--batch for --batch_size) are refused: the checks that ask which keys were given on
    the command line (Config.is_explicit) see the spelling the user typed, so an abbreviation would slip past them.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, allow_abbrev=False, **kwargs)

    def error(self, message):
        raise ConfigError(message + " (see --help for the keys)")


def _parse_bool(text):
    lowered = str(text).strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected True or False, got {text!r}")


def _typed(default):
    if isinstance(default, bool):
        return _parse_bool
    if isinstance(default, (int, float, str)):
        kind = type(default)

        def convert(text):
            try:
                return kind(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"expected {kind.__name__}, got {text!r}") from None
        convert.__name__ = kind.__name__
        return convert
    raise ConfigError(f"unsupported config value type {type(default).__name__}")


def read_yaml(path):
    """(values, help, choices) dictionaries from a 1-3 document YAML file."""
    try:
        with open(path, encoding="utf-8") as handle:
            docs = [d for d in yaml.safe_load_all(handle) if d is not None]
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path} is not valid YAML: {err}") from None
    if not 1 <= len(docs) <= 3:
        raise ConfigError(f"{path}: expected 1 to 3 YAML documents, found {len(docs)}")
    docs += [{}] * (3 - len(docs))
    return docs[0], docs[1], docs[2]


def read_config_file(path):
    """(values, help, choices) of a config file: default_config.yaml, or a user's YAML merged over it.

    A user's file may hold any subset of the default keys; a key the defaults do not have is an error
    naming it (a misspelt key would otherwise be ignored without a word). Its values go through the
    command line's conversion to the default's type (PyYAML reads 1e-3 as a string, "False" stays one).
    """
    values, helps, choices = read_yaml(DEFAULT_CONFIG_PATH)
    if os.path.abspath(path) == os.path.abspath(DEFAULT_CONFIG_PATH):
        return values, helps, choices
    user_values, user_helps, user_choices = read_yaml(path)
    unknown = sorted(set(user_values) - set(values))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}; the keys are those of default_config.yaml")
    for key, value in user_values.items():
        values[key] = _converted(key, value, values[key], path)
    helps.update(user_helps)
    choices.update(user_choices)
    return values, helps, choices


def _converted(key, value, default, path):
    """value (from a YAML file) as the type of the key's default, or a ConfigError naming key, value and file."""
    if isinstance(default, (list, dict)) or default is None or value is None:
        return value
    try:
        return _typed(default)(str(value))
    except argparse.ArgumentTypeError as err:
        raise ConfigError(f"{path}: {key}: {err}") from None


def _check_choices(values, choices, path):
    """Every value that has choices is one of them, wherever it came from (argparse checks only the
    command line's)."""
    for key, allowed in choices.items():
        if key in values and allowed and values[key] not in allowed:
            raise ConfigError(f"{path}: {key}: {values[key]!r} is not one of {', '.join(map(repr, allowed))}")


@functools.lru_cache(maxsize=1)
def default_label_dict():
    """default_config.yaml's label_dict, read once: a label_dict equal to it was not chosen by the user."""
    return read_yaml(DEFAULT_CONFIG_PATH)[0]["label_dict"]


def _derive_and_check(values, explicit):
    """Derive class_num and blank from label_dict (or character_dict_path); check ranges. Errors name the key."""
    values["label_dict"] = resolve_alphabet(values["label_dict"], default_label_dict(),
                                            values.get("character_dict_path", ""), values.get("use_space_char", False))
    label_dict = values["label_dict"]
    if not label_dict or len(set(label_dict)) != len(label_dict):
        raise ConfigError(f"label_dict must be non-empty without repeated characters, got {label_dict!r}")
    for key, derived in (("class_num", len(label_dict) + 1), ("blank", len(label_dict))):
        if key in explicit and values[key] != derived:
            raise ConfigError(f"{key}={values[key]} contradicts label_dict of {len(label_dict)} characters "
                              f"(must be {derived}); leave it out and it follows label_dict")
        values[key] = derived
    for key in _POSITIVE:
        if key in values and values[key] <= 0:
            raise ConfigError(f"{key} must be positive, got {values[key]}")
    _derive_network_shapes(values, explicit)
    return values


def _halved(size, times):
    for _ in range(times):
        size = -(-size // 2)  # a 'same' pool of stride 2 rounds up
    return size


def _derive_network_shapes(values, explicit):
    """num_step follows image_width and input_size is the backbone's 512 channels: an explicit value
    that contradicts the network is an error naming the right one; image_height must pool down to 1."""
    if "image_width" not in values:
        return
    derived = {"num_step": _halved(values["image_width"], 2) - 1, "input_size": BACKBONE_CHANNELS}
    for key, value in derived.items():
        if key in explicit and values[key] != value:
            raise ConfigError(f"{key}={values[key]} contradicts the network (must be {value} for image_width "
                              f"{values['image_width']}); leave it out and it follows")
        values[key] = value
    if values["num_step"] < 1:
        raise ConfigError(f"image_width {values['image_width']} is too narrow: the network needs at least 5 pixels")
    if _halved(values["image_height"], 4) - 1 != 1:
        raise ConfigError(f"image_height {values['image_height']} does not pool down to one row: use 17 to 32 (the zoo: 32)")


def load_config(argv=None, config_path=None, positional=None):
    """Build the Config from the YAML file and argv (a list of strings; default sys.argv[1:]).

    positional=(name, help) also accepts any number of positional arguments, as config.<name> (a list).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    pre = _Parser(add_help=False)
    pre.add_argument("--config_path", default=config_path or DEFAULT_CONFIG_PATH)
    known, rest = pre.parse_known_args(argv)
    values, helps, choices = read_config_file(known.config_path)
    from src.readers import DATASET_KINDS  # pylint: disable=import-outside-toplevel
    for key in _DATASET_KEYS:
        choices.setdefault(key, list(DATASET_KINDS))

    parser = _Parser(description="CRNN options", parents=[pre])
    for key, default in values.items():
        if isinstance(default, (list, dict)) or default is None or key == "config_path":
            continue
        parser.add_argument(f"--{key}", type=_typed(default), default=default,
                            choices=choices.get(key), metavar=key.upper(),
                            help=helps.get(key, "").replace("%", "%%"))  # argparse formats help with %
    if positional:
        parser.add_argument(positional[0], nargs="*", help=positional[1])
    parsed = parser.parse_args(rest)
    explicit = {a.split("=")[0][2:] for a in rest if a.startswith("--")}
    values.update({k: v for k, v in vars(parsed).items()})
    _check_choices(values, choices, known.config_path)
    config = Config(_derive_and_check(values, explicit))
    config.explicit_keys = frozenset(explicit)
    return config


def load_run_config(path):
    """The configuration a train.py run saved (its config.yaml) over today's defaults."""
    config = load_config([])
    saved, _, _ = read_yaml(path)
    unknown = sorted(set(saved) - set(config.to_dict()))
    values = config.to_dict()
    values.update({k: v for k, v in saved.items() if k not in unknown})
    return Config(_derive_and_check(values, explicit=set()))


def __getattr__(name):
    # Lazily build the zoo's module-level `config` from sys.argv the first time it is imported.
    if name == "config":
        cfg = load_config()
        globals()["config"] = cfg
        return cfg
    raise AttributeError(name)

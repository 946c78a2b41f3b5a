"""One parse function per dataset kind: root folder -> list of Sample(path, text, origin).

Parsers only read annotations; which labels are kept is decided afterwards, per dataset kind, by
src.dataset.select_samples following the kind's rules in DATASET_KINDS.
"""
import importlib
import os
from collections import namedtuple

from src.errors import CRNNError

# The one list of image file suffixes the project reads (lower case): crops, inputs, background photos.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def is_image_name(name):
    """Whether a file name has one of IMAGE_SUFFIXES (any case)."""
    return name.lower().endswith(IMAGE_SUFFIXES)


Sample = namedtuple("Sample", "path text origin")
Sample.__doc__ = "One word image: absolute image path, ground-truth text, and 'file:line' it came from."

DatasetKind = namedtuple("DatasetKind", "module parser unknown_chars min_length train_unknown_chars train_min_length",
                         defaults=(None, None))
DatasetKind.__doc__ = ("A dataset kind: where its parse function lives, what happens to characters outside "
                       "label_dict ('drop' the word or 'strip' them), and the shortest word kept; the train_ "
                       "fields, where given, are the rules for training instead.")

# The one list of dataset kinds; config choices, create_lmdb.py and the label rules derive from it.
# The rules are the zoo's (IC03/IC13: alphanumeric words of 3+ characters). IC15 is scored as IC13, and
# trained on with its punctuation and spaces stripped ("lives." -> "lives", "Gen is" -> "genis"), which
# keeps 4,467 of its 4,468 crops (one label is only punctuation) where dropping would keep 4,055.
DATASET_KINDS = {
    "synth": DatasetKind("src.readers.synth", "parse_synth", "drop", 1),
    "ic03": DatasetKind("src.readers.path_label", "parse_ic03", "drop", 3),
    "ic13": DatasetKind("src.readers.ic13", "parse_ic13", "drop", 3),
    "ic15": DatasetKind("src.readers.ic13", "parse_ic13", "drop", 3, "strip", 1),
    "svt": DatasetKind("src.readers.path_label", "parse_svt", "strip", 1),
    "iiit5k": DatasetKind("src.readers.path_label", "parse_iiit5k", "strip", 1),
    "lmdb": DatasetKind("src.readers.lmdb_reader", "parse_lmdb", "drop", 1),
}


def dataset_kind(name):
    """The DatasetKind called name; CRNNError naming the choices otherwise."""
    if name not in DATASET_KINDS:
        raise CRNNError(f"unsupported dataset {name!r}: choose one of {', '.join(DATASET_KINDS)}")
    return DATASET_KINDS[name]


def label_rules(name, is_training):
    """(unknown_chars, min_length) of a dataset kind for training or evaluation; ('drop', 1) if unknown."""
    kind = DATASET_KINDS.get(name)
    if kind is None:
        return "drop", 1
    if is_training and kind.train_unknown_chars:
        return kind.train_unknown_chars, kind.train_min_length
    return kind.unknown_chars, kind.min_length


def image_path_under(root, rel_path, where):
    """root/rel_path, refusing absolute paths and '..' that would leave the dataset root."""
    normal = os.path.normpath(rel_path)
    if os.path.isabs(rel_path) or normal == ".." or normal.startswith(".." + os.sep):
        raise CRNNError(f"{where}: image path {rel_path!r} leaves the dataset root {root}")
    return os.path.join(root, normal)


def read_lines(path):
    """(line number, text without line ending) for each non-empty line; CRLF and a BOM are tolerated."""
    if not os.path.isfile(path):
        raise CRNNError(f"annotation file {path} not found")
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        return [(n, line.rstrip("\r\n")) for n, line in enumerate(handle, 1) if line.strip()]


def get_parser(name):
    """The parse function of a dataset kind: (root, is_training, annotation=None) -> [Sample].

    annotation, when given, is the annotation file to read instead of the kind's default one in root.
    """
    kind = dataset_kind(name)
    return getattr(importlib.import_module(kind.module), kind.parser)

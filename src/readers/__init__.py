"""One parse function per dataset kind: root folder -> list of Sample(path, text, origin).

Parsers only read annotations; which labels are kept is decided afterwards, per dataset kind, by
src.dataset.select_samples following the kind's rules in DATASET_KINDS.
"""
import importlib
import os
from collections import namedtuple

from src.errors import CRNNError

Sample = namedtuple("Sample", "path text origin")
Sample.__doc__ = "One word image: absolute image path, ground-truth text, and 'file:line' it came from."

DatasetKind = namedtuple("DatasetKind", "module parser unknown_chars min_length")
DatasetKind.__doc__ = ("A dataset kind: where its parse function lives, what happens to characters outside "
                       "label_dict ('drop' the word or 'strip' them), and the shortest word kept.")

# The one list of dataset kinds; config choices, create_lmdb.py and the label rules derive from it.
# The rules are the zoo's (IC03/IC13: alphanumeric words of 3+ characters).
DATASET_KINDS = {
    "synth": DatasetKind("src.readers.synth", "parse_synth", "drop", 1),
    "ic03": DatasetKind("src.readers.path_label", "parse_ic03", "drop", 3),
    "ic13": DatasetKind("src.readers.ic13", "parse_ic13", "drop", 3),
    "svt": DatasetKind("src.readers.path_label", "parse_svt", "strip", 1),
    "iiit5k": DatasetKind("src.readers.path_label", "parse_iiit5k", "strip", 1),
    "lmdb": DatasetKind("src.readers.lmdb_reader", "parse_lmdb", "drop", 1),
}


def dataset_kind(name):
    """The DatasetKind called name; CRNNError naming the choices otherwise."""
    if name not in DATASET_KINDS:
        raise CRNNError(f"unsupported dataset {name!r}: choose one of {', '.join(DATASET_KINDS)}")
    return DATASET_KINDS[name]


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

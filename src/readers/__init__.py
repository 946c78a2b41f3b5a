"""One parse function per dataset kind: root folder -> list of Sample(path, text, origin).

Parsers only read annotations; which labels are kept is decided afterwards, per dataset kind, by
src.dataset.select_samples following LABEL_RULES.
"""
import os
from collections import namedtuple

from src.errors import CRNNError

Sample = namedtuple("Sample", "path text origin")
Sample.__doc__ = "One word image: absolute image path, ground-truth text, and 'file:line' it came from."

# Per dataset kind: what happens to characters outside label_dict ("drop" the word or "strip" the
# characters) and the shortest word kept — the zoo's rules (IC03/IC13: alphanumeric, 3+ characters).
LABEL_RULES = {"synth": ("drop", 1), "ic03": ("drop", 3), "ic13": ("drop", 3), "iiit5k": ("strip", 1),
               "svt": ("strip", 1), "lmdb": ("drop", 1)}
DATASET_KINDS = tuple(LABEL_RULES)


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
    """The parse function for a dataset kind."""
    from src.readers.ic13 import parse_ic13
    from src.readers.lmdb_reader import parse_lmdb
    from src.readers.path_label import parse_ic03, parse_iiit5k, parse_svt
    from src.readers.synth import parse_synth
    parsers = {"synth": parse_synth, "ic03": parse_ic03, "ic13": parse_ic13, "iiit5k": parse_iiit5k,
               "svt": parse_svt, "lmdb": parse_lmdb}
    if name not in parsers:
        raise CRNNError(f"unsupported dataset {name!r}: choose one of {sorted(parsers)}")
    return parsers[name]

"""IIIT5K MATLAB files -> annotation.txt lines '<image path>,<label>' (+ per-image lexicons)."""
import os
import sys
from collections import Counter

import numpy as np
import scipy.io
from tqdm import tqdm

from src.errors import CRNNError
from src.fileio import write_text_atomic

LABEL_FIELDS = ("GroundTruth", "chars")  # testdata.mat / traindata.mat, *CharBound.mat
LEXICON_FIELDS = {"smallLexi": "lexicon_50.txt", "mediumLexi": "lexicon_1k.txt"}


def _text(value):
    """A MATLAB string cell as str (loadmat wraps strings in nested arrays)."""
    while isinstance(value, np.ndarray):
        if value.size == 0:
            return ""
        value = value.reshape(-1)[0]
    return str(value)


def _words(value):
    """A MATLAB cell array of strings as a list of str."""
    return [_text(v) for v in np.asarray(value, dtype=object).reshape(-1)]


def read_iiit5k_mat(mat_path):
    """Records (image name, label, {lexicon field: words}) from any IIIT5K .mat (top-level key found, not assumed)."""
    try:
        contents = scipy.io.loadmat(mat_path)
    except (OSError, ValueError, TypeError) as err:
        raise CRNNError(f"cannot read MATLAB file {mat_path}: {err}") from None
    keys = [k for k in contents if not k.startswith("__")]
    if len(keys) != 1:
        raise CRNNError(f"{mat_path}: expected one top-level variable, found {keys}")
    table = contents[keys[0]]
    fields = table.dtype.names or ()
    label_field = next((f for f in LABEL_FIELDS if f in fields), None)
    if "ImgName" not in fields or label_field is None:
        raise CRNNError(f"{mat_path}: variable {keys[0]!r} has fields {fields}; need ImgName and one of "
                        f"{LABEL_FIELDS}")
    records = []
    for entry in table.reshape(-1):
        lexicons = {f: _words(entry[f]) for f in LEXICON_FIELDS if f in fields}
        records.append((_text(entry["ImgName"]), _text(entry[label_field]), lexicons))
    return records


def split_of(mat_path):
    """'train' or 'test' from the .mat's name (traindata.mat, testCharBound.mat), else 'unknown'."""
    name = os.path.basename(mat_path).lower()
    return next((split for split in ("train", "test") if name.startswith(split)), "unknown")


def _link_image_folders(records, image_root, out_dir):
    """Image paths are relative to the annotation's folder: when it is not image_root, link the image
    folders (test/, train/) into it, so that a read-only copy of the dataset needs no writing."""
    if os.path.realpath(out_dir) == os.path.realpath(image_root):
        return
    for top in sorted({name.replace("\\", "/").split("/")[0] for name, _, _ in records if "/" in name}):
        target, link = os.path.join(os.path.abspath(image_root), top), os.path.join(out_dir, top)
        if os.path.isdir(target) and not os.path.lexists(link):
            os.makedirs(out_dir, exist_ok=True)
            os.symlink(target, link)


def convert_iiit5k(mat_path, annotation_path, image_root=None):
    """Write annotation_path (and lexicon files beside it when the .mat has lexicons); return counts.

    image_root (default: the .mat's folder) is where the image paths must exist; missing ones are
    skipped and counted.
    """
    image_root = image_root or os.path.dirname(os.path.abspath(mat_path))
    records = read_iiit5k_mat(mat_path)
    counts, lines, lexicon_lines = Counter(), [], {f: [] for f in LEXICON_FIELDS}
    for name, label, lexicons in tqdm(records, desc=os.path.basename(mat_path), unit="word"):
        if not os.path.isfile(os.path.join(image_root, name)):
            counts["skipped: image missing"] += 1
            tqdm.write(f"skipped: image {os.path.join(image_root, name)} not found", file=sys.stderr)
            continue
        lines.append(f"{name},{label}\n")
        for field, words in lexicons.items():
            lexicon_lines[field].append(f"{name}," + ",".join(words) + "\n")
        counts["written"] += 1
    out_dir = os.path.dirname(os.path.abspath(annotation_path))
    _link_image_folders(records, image_root, out_dir)
    write_text_atomic(annotation_path, "".join(lines))
    for field, file_name in LEXICON_FIELDS.items():
        if lexicon_lines[field]:
            write_text_atomic(os.path.join(out_dir, file_name), "".join(lexicon_lines[field]))
            counts[f"lexicon {file_name}"] = len(lexicon_lines[field])
    counts[f"split: {split_of(mat_path)}"] = counts["written"]
    return counts


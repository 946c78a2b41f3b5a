"""Validation parts of real training sets: a fixed tenth of a set's crops, held back for choosing.

A dataset path ending in '@val' reads only the held-back crops of that set, one ending in '@train' only
the others; a plain path reads them all. Which crops are held back depends on nothing but each image's
file name (a salted CRC-32), so the split is the same on every machine, in every reader order, and for
every recipe that scores or trains on it; in an lmdb, on the file name stored with the crop (or its
image bytes), so a crop falls in the same part whether it is read from its folder or from an lmdb.
Test splits need none of this: they are never trained on.
"""
import os
import zlib

from src.errors import CRNNError
from src.readers import get_parser
from src.readers.lmdb_reader import is_lmdb_path, lmdb_crop_name

PARTS = ("train", "val")
VAL_SHARE = 10  # one crop in VAL_SHARE is held back
SALT = b"crnn-validation-part:"


def split_part(dataset_path):
    """(root, part) of 'root@part' when part is one of PARTS and root is not itself a folder; else (path, None)."""
    root, sep, part = str(dataset_path).rpartition("@")
    if sep and part in PARTS and not os.path.isdir(dataset_path):
        return root, part
    return dataset_path, None


def crop_name(image_path):
    """The name that decides a crop's part: its file name (for an lmdb entry, the one stored with it)."""
    return lmdb_crop_name(image_path) if is_lmdb_path(image_path) else os.path.basename(image_path)


def is_validation_crop(image_path):
    """Whether the crop at image_path belongs to the held-back validation part of its set."""
    name = crop_name(image_path).encode("utf-8", "surrogateescape")
    return zlib.crc32(SALT + name) % VAL_SHARE == 0


def part_samples(name, dataset_path, is_training):
    """The samples the reader of dataset kind name parses at dataset_path, or at its part ('root@train',
    'root@val'), before any label filtering; a CRNNError when the folder is missing."""
    root, part = split_part(dataset_path)
    if not root or not os.path.isdir(root):
        raise CRNNError(f"dataset path {dataset_path!r} is not a directory")
    return select_part(get_parser(name)(root, is_training), part, dataset_path)


def select_part(samples, part, where):
    """The samples of one part ('train', 'val') of a set, or all of them for part None."""
    if part is None:
        return samples
    if part not in PARTS:
        raise CRNNError(f"{where}: unknown part {part!r}; choose one of {', '.join(PARTS)}")
    want_val = part == "val"
    return [s for s in samples if is_validation_crop(s.path) == want_val]


def refuse_validation_leak(train_paths, eval_paths):
    """A CRNNError when a set scored by its validation part ('X@val') is also trained on whole ('X') or
    by that part ('X@val'): the scores would be of words the model trained on. 'X@train' is the way."""
    trained = {}
    for path in train_paths:
        root, part = split_part(path)
        trained.setdefault(os.path.realpath(root), []).append((path, part))
    for path in eval_paths:
        root, part = split_part(path)
        if part != "val":
            continue
        for train_path, train_part in trained.get(os.path.realpath(root), []):
            if train_part != "train":
                raise CRNNError(f"training on {train_path} while scoring {path}: the validation part would be "
                                f"trained on; train on {root}@train")

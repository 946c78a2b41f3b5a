"""clovaai-style lmdb: keys num-samples, image-%09d (encoded image bytes), label-%09d (utf-8), 1-based.

A sample's path is '<root>::image-000000001'; src.dataset reads its bytes through read_image_bytes.
create_lmdb.py also stores name-%09d, the crop's own file name (other readers ignore the key), so that
a crop falls in the same validation part (src.readers.parts) in an lmdb as in its folder.
"""
import zlib
import os
import re
import threading

import lmdb

from src.errors import CRNNError
from src.readers import Sample

SEPARATOR = "::"
_LMDB_IMAGE = re.compile(r".*::image-\d{9}", re.DOTALL)
_ENVIRONMENTS = {}
_OPEN_LOCK = threading.Lock()


def open_lmdb(root):
    """Read-only environment for root, opened once per process (lmdb handles must not cross a fork)."""
    key = (os.getpid(), root)
    with _OPEN_LOCK:  # the pipeline's worker threads share one handle
        if key not in _ENVIRONMENTS:
            try:
                _ENVIRONMENTS[key] = lmdb.open(root, readonly=True, lock=False, readahead=False, meminit=False,
                                               max_readers=64)
            except lmdb.Error as err:
                raise CRNNError(f"cannot open lmdb database {root}: {err}") from None
        return _ENVIRONMENTS[key]


def close_lmdb_environments():
    """Close this process's handles, so that worker processes forked next can open their own."""
    with _OPEN_LOCK:
        for key in [k for k in _ENVIRONMENTS if k[0] == os.getpid()]:
            _ENVIRONMENTS.pop(key).close()


def is_lmdb_path(path):
    """Whether path names an image in an lmdb ('<root>::image-%09d'), not a file whose name holds '::'."""
    return _LMDB_IMAGE.fullmatch(path) is not None


def read_lmdb_bytes(path):
    """Encoded image bytes of a '<root>::image-%09d' path (OSError if the key is missing)."""
    root, key = path.rsplit(SEPARATOR, 1)
    with open_lmdb(root).begin(write=False) as txn:
        data = txn.get(key.encode())
    if data is None:
        raise OSError(f"key {key} missing from lmdb {root}")
    return data


def lmdb_crop_name(path):
    """The name a '<root>::image-%09d' crop is known by for the validation split: the file name stored
    with it, or, in an lmdb written elsewhere, a digest of its image bytes (its own content, not its
    record number or the database's folder)."""
    root, key = path.rsplit(SEPARATOR, 1)
    index = key.rpartition("-")[2]
    with open_lmdb(root).begin(write=False) as txn:
        name = txn.get(f"name-{index}".encode())
        if name is not None:
            return name.decode("utf-8", "surrogateescape")
        data = txn.get(key.encode())
    if data is None:
        raise OSError(f"key {key} missing from lmdb {root}")
    return f"crc32-{zlib.crc32(data):08x}-{len(data)}"


def parse_lmdb(root, is_training=False, annotation=None):
    """Samples of an lmdb database folder (data.mdb inside; the labels are in it, so no annotation file)."""
    if annotation:
        raise CRNNError(f"lmdb dataset {root}: labels live in data.mdb; an annotation file ({annotation}) does not apply")
    if not os.path.isfile(os.path.join(root, "data.mdb")):
        raise CRNNError(f"lmdb dataset: {root} has no data.mdb")
    with open_lmdb(root).begin(write=False) as txn:
        count = txn.get(b"num-samples")
        if count is None or not count.decode().strip().isdigit():
            raise CRNNError(f"lmdb dataset {root}: missing or bad 'num-samples' key")
        samples = []
        for index in range(1, int(count) + 1):
            label = txn.get(b"label-%09d" % index)
            if label is None:
                raise CRNNError(f"lmdb dataset {root}: key label-{index:09d} missing (num-samples {int(count)})")
            samples.append(Sample(f"{root}{SEPARATOR}image-{index:09d}", label.decode("utf-8", "replace"),
                                  f"{root}:label-{index:09d}"))
    return samples


def write_lmdb(samples, read_bytes, output_dir, map_size=1 << 26, chunk=1000):
    """Write samples (with their image bytes from read_bytes(path)) as a clovaai lmdb; return the count.

    Entries are committed chunk samples at a time, and the map doubles whenever a chunk does not fit,
    so a conversion of any size starts small and never runs out of map. num-samples is removed first and
    written last: a database whose conversion stopped part-way, even over an older one in the same
    folder, is refused by parse_lmdb, not read short or mixed with the older records.
    """
    os.makedirs(output_dir, exist_ok=True)
    env = lmdb.open(output_dir, map_size=map_size)
    try:
        with env.begin(write=True) as txn:  # a database written before: unreadable until this one is whole
            txn.delete(b"num-samples")
        pending = []
        for index, sample in enumerate(samples, 1):
            pending.append((b"image-%09d" % index, read_bytes(sample.path)))
            pending.append((b"label-%09d" % index, sample.text.encode("utf-8")))
            pending.append((b"name-%09d" % index, os.path.basename(sample.path).encode("utf-8", "surrogateescape")))
            if len(pending) >= 2 * chunk:
                _commit_growing(env, pending)
                pending = []
        pending.append((b"num-samples", str(len(samples)).encode()))
        _commit_growing(env, pending)
    finally:
        env.close()
    return len(samples)


def _commit_growing(env, items):
    """Put items in one transaction, doubling the map size until they fit."""
    while True:
        try:
            with env.begin(write=True) as txn:
                for key, value in items:
                    txn.put(key, value)
            return
        except lmdb.MapFullError:
            env.set_mapsize(env.info()["map_size"] * 2)

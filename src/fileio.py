"""Files that are whole or absent: every writer of the project goes through atomic_path."""
import contextlib
import os


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary name in path's own folder; when the block ends without an error, rename it to
    path, else remove it. The same folder keeps the rename on one filesystem (no EXDEV), and a reader
    never sees a half-written path. suffix ends the temporary name (MindSpore appends '.ckpt' otherwise).
    """
    directory, name = os.path.split(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{name}.tmp{os.getpid()}{suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text_atomic(path, text):
    """Write text to path atomically (see atomic_path)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)

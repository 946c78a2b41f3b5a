import os

import pytest

from src.fileio import atomic_path, write_text_atomic


def test_text_is_written_whole_and_no_temporary_stays(tmp_path):
    path = tmp_path / "a" / "out.txt"
    write_text_atomic(str(path), "first\n")
    write_text_atomic(str(path), "second\n")
    assert path.read_text() == "second\n" and os.listdir(path.parent) == ["out.txt"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("kept")
    with pytest.raises(RuntimeError):
        with atomic_path(str(path)) as tmp:
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write("half")
            raise RuntimeError("writer failed")
    assert path.read_text() == "kept" and os.listdir(tmp_path) == ["out.txt"]


def test_the_temporary_lies_beside_the_target(tmp_path):
    # The same folder means the same filesystem: the final rename cannot fail with EXDEV.
    with atomic_path(str(tmp_path / "m.onnx"), suffix=".x") as tmp:
        assert os.path.dirname(tmp) == str(tmp_path) and tmp.endswith(".x")
        open(tmp, "wb").close()
    assert os.listdir(tmp_path) == ["m.onnx"]

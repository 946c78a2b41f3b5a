import os

import numpy as np
import pytest
import scipy.io

from src.converters.iiit5k import convert_iiit5k, read_iiit5k_mat
from src.dataset import select_samples
from src.errors import CRNNError
from src.label import LabelCodec
from src.readers.path_label import parse_iiit5k
from tests.conftest import REALDATA, needs_realdata, run_script

IIIT5K = os.path.join(REALDATA, "IIIT5K")


def linked_root(tmp_path, split):
    """A writable dataset root whose split folder links to the read-only real images."""
    root = tmp_path / "IIIT5K"
    root.mkdir()
    os.symlink(os.path.join(IIIT5K, split), root / split)
    return root


@needs_realdata("IIIT5K")
@pytest.mark.parametrize("split, count", [("test", 3000), ("train", 2000)])
def test_real_charbound_files_convert_with_the_mat_labels(tmp_path, split, count):
    root = linked_root(tmp_path, split)
    mat = os.path.join(IIIT5K, f"{split}CharBound.mat")
    result = run_script("convert_iiit5k.py", "-m", mat, "-a", root / "annotation.txt", "--image_root", IIIT5K)
    assert result.returncode == 0, result.stderr[-2000:]
    samples = parse_iiit5k(str(root))
    assert len(samples) == count
    raw = scipy.io.loadmat(mat)[f"{split}CharBound"][0]
    assert [s.text for s in samples] == [str(r["chars"][0]) for r in raw]
    assert [os.path.relpath(s.path, root) for s in samples] == [str(r["ImgName"][0]) for r in raw]
    assert all(os.path.isfile(s.path) for s in samples[:200])


def test_testdata_layout_with_lexicons(tmp_path):
    """The testdata.mat layout (GroundTruth + smallLexi/mediumLexi) under another top-level name."""
    (tmp_path / "test").mkdir()
    for name in ("1_1.png", "2_1.png"):
        (tmp_path / "test" / name).write_bytes(b"x")
    entries = np.zeros((1, 2), dtype=[("ImgName", object), ("GroundTruth", object), ("smallLexi", object),
                                       ("mediumLexi", object)])
    for i, (name, gt) in enumerate([("test/1_1.png", "YOU"), ("test/2_1.png", "Pay")]):
        entries[0, i] = (np.array([name]), np.array([gt]), np.array([[np.array(["YOU"]), np.array(["PAY"])]],
                         dtype=object), np.array([[np.array(["ONE"])]], dtype=object))
    scipy.io.savemat(tmp_path / "traindata.mat", {"traindata": entries})
    records = read_iiit5k_mat(str(tmp_path / "traindata.mat"))
    assert [(r[0], r[1]) for r in records] == [("test/1_1.png", "YOU"), ("test/2_1.png", "Pay")]
    counts = convert_iiit5k(str(tmp_path / "traindata.mat"), str(tmp_path / "annotation.txt"))
    assert counts["written"] == 2
    assert (tmp_path / "lexicon_50.txt").read_text().splitlines()[0] == "test/1_1.png,YOU,PAY"
    assert (tmp_path / "lexicon_1k.txt").read_text().splitlines()[1] == "test/2_1.png,ONE"


def test_iiit5k_strips_characters_outside_the_alphabet():
    codec = LabelCodec("abcdefghijklmnopqrstuvwxyz0123456789", 23)
    from src.readers import Sample
    kept, _ = select_samples([Sample("p", "Don't", "a:1"), Sample("p", "--", "a:2")], codec, 24, False, "iiit5k")
    assert [s.text for s in kept] == ["dont"]


def test_escaping_annotation_path_is_refused(tmp_path):
    (tmp_path / "annotation.txt").write_text("../../etc/passwd,x\n")
    with pytest.raises(CRNNError, match=r"annotation.txt:1: image path '../../etc/passwd' leaves"):
        parse_iiit5k(str(tmp_path))


def test_malformed_line_names_file_and_line(tmp_path):
    (tmp_path / "annotation.txt").write_text("test/1.png,a\nno comma here\n")
    with pytest.raises(CRNNError, match=r"annotation.txt:2: expected"):
        parse_iiit5k(str(tmp_path))

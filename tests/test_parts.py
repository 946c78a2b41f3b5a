import os

import pytest

from src.dataset import load_samples
from src.errors import CRNNError
from src.model_utils.config import load_config
from src.readers import Sample
from src.readers.parts import is_validation_crop, select_part, split_part
from tests.conftest import REALDATA, needs_realdata

CONFIG = load_config(["--device_target", "CPU"])


def test_a_part_is_named_after_the_root_and_only_when_the_root_is_not_a_folder(tmp_path):
    assert split_part(f"{tmp_path}@val") == (str(tmp_path), "val")
    assert split_part(f"{tmp_path}@train") == (str(tmp_path), "train")
    assert split_part(str(tmp_path)) == (str(tmp_path), None)
    odd = tmp_path / "odd@val"  # a real folder whose name ends like a part is read whole
    odd.mkdir()
    assert split_part(str(odd)) == (str(odd), None)


def test_the_parts_split_a_set_in_a_fixed_tenth_by_file_name_alone():
    samples = [Sample(f"/data/{d}/word_{i}.png", "w", "x") for i in range(5000) for d in ("a",)]
    val, train = select_part(samples, "val", "x"), select_part(samples, "train", "x")
    assert len(val) + len(train) == 5000 and 430 <= len(val) <= 570
    moved = [Sample(s.path.replace("/data/a/", "/elsewhere/"), "w", "x") for s in samples[::-1]]
    assert sorted(os.path.basename(s.path) for s in select_part(moved, "val", "x")) == \
        sorted(os.path.basename(s.path) for s in val)
    assert is_validation_crop(val[0].path) and not is_validation_crop(train[0].path)
    with pytest.raises(CRNNError, match="unknown part 'dev'"):
        select_part(samples, "dev", "x")


@needs_realdata("IC15_train")
def test_real_ic15_validation_part():
    root = os.path.join(REALDATA, "IC15_train")
    every = load_samples("ic15", root, True, CONFIG)
    train = load_samples("ic15", root + "@train", True, CONFIG)
    val = load_samples("ic15", root + "@val", False, CONFIG)
    assert len(every) == 4467 and len(train) == 4002
    assert len(val) == 420  # scored by the IC13 rules: alphanumeric words of 3+ characters
    assert not {s.path for s in train} & {s.path for s in val}

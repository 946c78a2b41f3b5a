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


def test_training_on_a_set_scored_by_its_validation_part_is_refused(tmp_path):
    from src.readers.parts import refuse_validation_leak
    root = str(tmp_path)
    for trained in (root, root + "@val", os.path.join(root, ".")):
        with pytest.raises(CRNNError, match=f"training on .* while scoring {root}@val: .* train on {root}@train"):
            refuse_validation_leak(["/synth", trained], ["/svt", root + "@val"])
    refuse_validation_leak([root + "@train"], [root + "@val"])  # the held-out way
    refuse_validation_leak([root], [root])                        # scoring a set whole is not a part


def test_train_py_refuses_the_leak_before_training(tiny_synth, tmp_path):
    from tests.conftest import run_script
    result = run_script("train.py", "--device_target", "CPU", "--model_version", "V2", "--train_dataset", "synth",
                        "--train_dataset_path", tiny_synth, "--output_dir", tmp_path, "--max_steps", 1,
                        "--run_eval", "True", "--train_eval_dataset", "synth",
                        "--train_eval_dataset_path", tiny_synth + "@val")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: training on {tiny_synth} while scoring")
    assert not os.path.isdir(tmp_path / "ckpt")


def test_an_lmdb_splits_its_crops_as_their_folder_does(tmp_path):
    """The part of a crop follows its own name (stored by create_lmdb.py), not the record order or the
    lmdb's folder; an lmdb written without names splits by the image bytes, whatever the order."""
    import lmdb
    from src.readers.lmdb_reader import parse_lmdb, write_lmdb
    from src.dataset import read_image_bytes
    names = [f"word_{i}.png" for i in range(200)]
    payload = {n: n.encode() for n in names}  # each crop's bytes spell its name
    samples = [Sample(f"/crops/{n}", "w", "t") for n in names]
    folder_val = {os.path.basename(s.path) for s in select_part(samples, "val", "x")}
    for where, order in (("db_a", samples), ("elsewhere_b", samples[::-1])):
        write_lmdb(order, lambda p: payload[os.path.basename(p)], str(tmp_path / where))
        stored = select_part(parse_lmdb(str(tmp_path / where)), "val", "x")
        assert {read_image_bytes(s.path).decode() for s in stored} == folder_val
    bare = {}
    for where, order in (("bare_a", names), ("bare_b", names[::-1])):
        with lmdb.open(str(tmp_path / where), map_size=1 << 22) as env, env.begin(write=True) as txn:
            for index, name in enumerate(order, 1):
                txn.put(b"image-%09d" % index, payload[name])
                txn.put(b"label-%09d" % index, b"w")
            txn.put(b"num-samples", str(len(order)).encode())
        bare[where] = {read_image_bytes(s.path) for s in select_part(parse_lmdb(str(tmp_path / where)), "val", "x")}
    assert bare["bare_a"] == bare["bare_b"] and 5 <= len(bare["bare_a"]) <= 40

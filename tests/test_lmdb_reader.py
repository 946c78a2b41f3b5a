import os

import numpy as np
import pytest

from src.dataset import decode_image, read_image_bytes
from src.errors import CRNNError
from src.readers.lmdb_reader import parse_lmdb
from src.readers.synth import parse_synth
from tests.conftest import SHIPPED, run_script
from tests.test_evaluator import evaluate


@pytest.fixture(scope="module")
def synth_test_lmdb(tiny_synth, tmp_path_factory):
    out = tmp_path_factory.mktemp("lmdb") / "test_lmdb"
    result = run_script("create_lmdb.py", "--dataset_name", "synth", "--dataset_path", tiny_synth,
                        "--output_path", out, "--split", "test")
    assert result.returncode == 0, result.stderr[-2000:]
    return str(out)


def test_round_trip_keeps_images_and_labels(tiny_synth, synth_test_lmdb):
    original = parse_synth(tiny_synth, is_training=False)
    stored = parse_lmdb(synth_test_lmdb)
    assert len(stored) == len(original) == 64
    assert [s.text for s in stored] == [s.text.lower() for s in original]
    for a, b in zip(original[:10], stored[:10]):
        assert read_image_bytes(a.path) == read_image_bytes(b.path)
        np.testing.assert_array_equal(decode_image(a.path), decode_image(b.path))


def test_lmdb_evaluates_like_the_source(tiny_synth, synth_test_lmdb):
    from_files = evaluate(tiny_synth)
    result = run_script("eval.py", "--eval_dataset", "lmdb", "--eval_dataset_path", synth_test_lmdb,
                        "--checkpoint_path", SHIPPED, "--device_target", "CPU", "--model_version", "V2")
    assert result.returncode == 0, result.stderr[-2000:]
    pick = lambda out: [l for l in out.splitlines() if l.startswith(("correct num", "result", "1-NED"))]
    assert pick(result.stdout) == pick(from_files)


def test_lmdb_trains(synth_test_lmdb, tmp_path):
    result = run_script("train.py", "--train_dataset", "lmdb", "--train_dataset_path", synth_test_lmdb,
                        "--device_target", "CPU", "--model_version", "V2", "--output_dir", tmp_path,
                        "--batch_size", 16, "--max_steps", 3, "--per_print_time", 1)
    assert result.returncode == 0, result.stderr[-2000:]
    assert os.path.isfile(tmp_path / "ckpt" / "crnn-1_3.ckpt")


def test_folder_without_lmdb_is_named(tmp_path):
    with pytest.raises(CRNNError, match="has no data.mdb"):
        parse_lmdb(str(tmp_path))


def test_a_small_map_grows_while_writing(tmp_path):
    # 60 samples of 4 KiB each in a 64 KiB map, committed 7 at a time: the map must grow to fit.
    from src.readers import Sample
    from src.readers.lmdb_reader import write_lmdb
    payload = {f"p{i}": bytes([i]) * 4096 for i in range(60)}
    samples = [Sample(f"p{i}", f"w{i}", "t") for i in range(60)]
    assert write_lmdb(samples, payload.__getitem__, str(tmp_path / "db"), map_size=1 << 16, chunk=7) == 60
    read = parse_lmdb(str(tmp_path / "db"))
    assert [s.text for s in read] == [f"w{i}" for i in range(60)]
    assert read_image_bytes(read[59].path) == payload["p59"]


def test_an_ic15_folder_converts_with_its_training_rule(tmp_path):
    import shutil
    import create_lmdb
    from tests.conftest import DEMO_WORDS
    root = tmp_path / "ic15"
    root.mkdir()
    for name in ("ic13_word_43.png", "ic13_word_909.png", "ic13_word_824.png"):
        shutil.copy(os.path.join(DEMO_WORDS, name), root / name)
    (root / "gt.txt").write_bytes('\ufeffic13_word_43.png, "LOCAL."\r\nic13_word_909.png, "\\"Free\\""\r\n'
                                  'ic13_word_824.png, "!!"\r\n'.encode("utf-8"))
    create_lmdb.main(["--dataset_name", "ic15", "--dataset_path", str(root), "--output_path", str(tmp_path / "db"),
                      "--split", "train"])
    assert [s.text for s in parse_lmdb(str(tmp_path / "db"))] == ["local", "free"]  # stripped; '!!' left nothing


def test_a_conversion_killed_over_an_older_database_leaves_it_refused(tmp_path):
    """Killed part-way while overwriting a 3,000-sample lmdb with another, the folder is refused as a
    whole instead of serving the new records mixed with the old ones."""
    import subprocess
    import sys
    from tests.conftest import REPO
    db = str(tmp_path / "db")
    script = f"""
import os, signal, sys
sys.path.insert(0, {REPO!r})
from src.readers import Sample
from src.readers.lmdb_reader import write_lmdb
count, kill_at = int(sys.argv[1]), int(sys.argv[2])
def read(path):
    if int(path) == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    return b"x" * 64
write_lmdb([Sample(str(i), "new" if kill_at >= 0 else "old", "t") for i in range(count)], read, {db!r}, chunk=500)
"""
    first = subprocess.run([sys.executable, "-c", script, "3000", "-1"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert len(parse_lmdb(db)) == 3000
    from src.readers.lmdb_reader import close_lmdb_environments
    close_lmdb_environments()
    killed = subprocess.run([sys.executable, "-c", script, "2000", "1200"], capture_output=True, text=True)
    assert killed.returncode == -9  # two chunks of the new records were committed before the kill
    with pytest.raises(CRNNError, match="missing or bad 'num-samples' key"):
        parse_lmdb(db)


def test_own_characters_round_trip_through_a_folder_an_lmdb_and_the_metric_modes(tmp_path):
    import cv2
    from src.dataset import load_samples
    from src.label import LabelCodec
    from src.metric import CRNNAccuracy
    from src.model_utils.config import load_config
    dictionary = tmp_path / "dict.txt"
    dictionary.write_text("".join(c + "\n" for c in "abcABC,.!中文한"), encoding="utf-8")
    folder = tmp_path / "words"
    folder.mkdir()
    labels = ["Ab, c!", "中文", "한A.", "CAB"]
    lines = []
    for i, label in enumerate(labels):
        cv2.imwrite(str(folder / f"w{i}.png"), np.full((32, 80, 3), 40 * i, np.uint8))
        lines.append(f"w{i}.png,{label}\n")
    (folder / "annotation.txt").write_text("".join(lines), encoding="utf-8")
    result = run_script("create_lmdb.py", "--dataset_name", "iiit5k", "--dataset_path", folder, "--output_path",
                        tmp_path / "lmdb", "--character_dict_path", dictionary, "--use_space_char", "True")
    assert result.returncode == 0, result.stderr[-2000:]
    config = load_config(["--character_dict_path", str(dictionary), "--use_space_char", "True"])
    for kind, path in (("iiit5k", folder), ("lmdb", tmp_path / "lmdb")):
        assert [s.text for s in load_samples(kind, str(path), False, config)] == labels, kind
    codec = LabelCodec(config.label_dict, 23)
    assert [codec.indices_to_text(codec.encode(label)) for label in labels] == labels
    predictions = ["ab c", "中文", "한a", "CAB"]
    expected = {"lowercase_alphanumeric": 4, "case_sensitive_alphanumeric": 2, "all_characters": 2}
    for mode, correct in expected.items():
        config.metric_mode = mode
        metric = CRNNAccuracy(config)
        metric.update_texts(predictions, labels)
        assert metric.correct == correct, mode


def test_an_image_file_whose_name_holds_the_lmdb_separator_is_a_file(tmp_path):
    import cv2
    from src.readers.lmdb_reader import is_lmdb_path
    path = tmp_path / "95435_x*::+q_1.jpg"  # a rendered text once put '::' in a file name
    cv2.imwrite(str(path), np.full((32, 80, 3), 128, np.uint8))
    assert not is_lmdb_path(str(path)) and decode_image(str(path)).shape == (32, 80, 3)
    assert is_lmdb_path(f"{tmp_path}/db::image-000000001")

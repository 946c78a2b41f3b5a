import json
import os

import pytest

from src.errors import CRNNError
from src.predictor import collect_images
from tests.conftest import DEMO_READ, DEMO_WORDS, REALDATA, SHIPPED, needs_realdata, run_script

CPU_V2 = ("--device_target", "CPU", "--model_version", "V2")
DEMO_LABELS = {os.path.join(DEMO_WORDS, line.split(",")[0]): line.strip().split(",")[1].lower()
               for line in open(os.path.join(DEMO_WORDS, "annotation.txt"))}


@pytest.fixture(scope="module")
def svt_crops(tmp_path_factory):
    """SVT train crops and their per-image 50-word lexicons, converted from ../shared/realdata."""
    out = tmp_path_factory.mktemp("svt")
    result = run_script("convert_svt.py", "-d", os.path.join(REALDATA, "svt1"), "-x",
                        os.path.join(REALDATA, "svt1", "train.xml"), "-o", out)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def test_a_folder_of_real_images_gives_one_line_each():
    result = run_script("predict.py", *CPU_V2, DEMO_WORDS)  # no checkpoint: the shipped model
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    images = sorted(n for n in os.listdir(DEMO_WORDS) if n.endswith(".png"))
    assert len(lines) == len(images) == 13
    read = 0
    for line, name in zip(lines, images):
        path, text, confidence = line.split("\t")
        assert path == os.path.join(DEMO_WORDS, name) and 0.0 <= float(confidence) <= 1.0
        read += text == DEMO_LABELS[path]
    assert read == DEMO_READ


def test_onnx_model_glob_and_jsonl_give_what_the_checkpoint_gives(shipped_onnx):
    pattern = os.path.join(DEMO_WORDS, "iiit5k_*.png")
    by_ckpt = run_script("predict.py", "--checkpoint_path", SHIPPED, *CPU_V2, "--output_format", "jsonl", pattern)
    by_onnx = run_script("predict.py", "--file_name", shipped_onnx["fp32"], "--device_target", "CPU",
                         "--output_format", "jsonl", "--batch_size", 4, pattern)
    assert by_ckpt.returncode == 0 and by_onnx.returncode == 0, by_onnx.stderr[-2000:]
    a = [json.loads(l) for l in by_ckpt.stdout.splitlines()]
    b = [json.loads(l) for l in by_onnx.stdout.splitlines()]
    assert len(a) == len(b) == 6 and [r["text"] for r in a] == [r["text"] for r in b]
    assert all(abs(x["confidence"] - y["confidence"]) < 1e-3 for x, y in zip(a, b))
    assert sum(r["text"] == DEMO_LABELS[r["path"]] for r in a) == 5  # all but "everything"


def test_with_a_lexicon_only_lexicon_words_come_out_and_near_misses_are_corrected(tmp_path):
    words = sorted(set(DEMO_LABELS.values())) + ["market", "street", "cafe", "hotel", "bank", "iyama", "lion"]
    (tmp_path / "words.txt").write_text("\n".join(words) + "\n")
    result = run_script("predict.py", *CPU_V2, "--lexicon", tmp_path / "words.txt", DEMO_WORDS)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert {text for _, text, _ in lines} <= set(words)
    assert sum(text == DEMO_LABELS[path] for path, text, _ in lines) == 13  # the near misses (rivama, everytfling) corrected


@needs_realdata("svt1")
def test_svt_per_image_lexicons_give_lexicon_words(svt_crops):
    result = run_script("predict.py", *CPU_V2, "--lexicon", svt_crops / "lexicon_50.txt", svt_crops / "img")
    assert result.returncode == 0, result.stderr[-2000:]
    per_image = {}
    for line in open(svt_crops / "lexicon_50.txt"):
        rel, *lex = line.strip().split(",")
        per_image[os.path.normpath(str(svt_crops / rel))] = {w.lower() for w in lex}
    lines = result.stdout.splitlines()
    assert len(lines) == 257
    for line in lines:
        path, text, _ = line.split("\t")
        assert text in per_image[os.path.normpath(path)]


def test_unreadable_images_are_counted_and_skipped(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not an image")
    result = run_script("predict.py", *CPU_V2, tmp_path / "broken.png", os.path.join(DEMO_WORDS, "ic13_word_43.png"))
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1
    assert "skipped 1 unreadable images of 2" in result.stderr


def test_bad_inputs_are_one_clear_error(tmp_path):
    result = run_script("predict.py", "--checkpoint_path", SHIPPED, "--device_target", "CPU", tmp_path / "nothing.png")
    assert result.returncode == 2 and "is not a file, folder or glob pattern" in result.stderr
    result = run_script("predict.py", "--device_target", "CPU", "--model_version", "V1", DEMO_WORDS)
    assert result.returncode == 2 and "Traceback" not in result.stderr  # no shipped model, or it is not V1
    assert "no checkpoint given and no shipped model" in result.stderr or "shipped model" in result.stderr
    with pytest.raises(CRNNError, match="matches no file"):
        collect_images([str(tmp_path / "*.png")])


@needs_realdata("svt1")
def test_eval_with_svt_lexicon_predicts_lexicon_words(svt_crops):
    result = run_script("eval.py", "--eval_dataset", "svt", "--eval_dataset_path", svt_crops, "--checkpoint_path",
                        SHIPPED, "--device_target", "CPU", "--model_version", "V2", "--lexicon",
                        svt_crops / "lexicon_50.txt", "--print_flag", "True")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"lexicon: {svt_crops / 'lexicon_50.txt'}" in result.stdout
    assert "correct num:" in result.stdout and ", total num:  257" in result.stdout
    lexicon_words = {w.lower() for line in open(svt_crops / "lexicon_50.txt") for w in line.strip().split(",")[1:]}
    predictions = [l.split(" :: ")[0] for l in result.stdout.splitlines() if " :: " in l]
    assert len(predictions) == 257 and set(predictions) <= lexicon_words


def test_without_a_checkpoint_the_shipped_model_is_used_and_said_so(tmp_path, monkeypatch):
    """predict.py with no model argument falls back to models/ (a stand-in file here when none ships)."""
    import shutil
    import mindspore as ms
    from src import checkpoint
    from src.crnn import crnn
    from src.model_utils.config import load_config
    stand_in = tmp_path / "models" / checkpoint.SHIPPED_MODEL
    stand_in.parent.mkdir()
    net = crnn(load_config(["--model_version", "V2", "--device_target", "CPU"]), full_precision=True)
    ms.save_checkpoint([{"name": p.name, "data": ms.Tensor(p.asnumpy().astype("float16"))}
                        for p in net.get_parameters()], str(stand_in))  # a float16 release file loads too
    monkeypatch.setattr(checkpoint, "shipped_model_path", lambda: str(stand_in))
    from src.predictor import predict
    config = load_config(["--device_target", "CPU", DEMO_WORDS], positional=("inputs", ""))
    results, unreadable = predict(config, out=open(os.devnull, "w"))
    assert len(results) == 13 and unreadable == 0 and config.model_version == "V2"
    shipped = checkpoint.checkpoint_or_shipped("", load_config([]))
    assert shipped == str(stand_in)
    shutil.rmtree(stand_in.parent)


def test_without_device_or_version_the_present_device_and_the_checkpoints_version_are_used():
    # The YAML's defaults are the zoo's Ascend and V1; a V2 checkpoint on a CPU-only machine still reads.
    result = run_script("predict.py", "--checkpoint_path", SHIPPED, os.path.join(DEMO_WORDS, "ic13_word_43.png"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "device_target Ascend is not available here: running on the CPU" in result.stderr
    assert result.stdout.split("\t")[1] == "local"


def test_no_readable_image_is_an_error(tmp_path):
    from src.model_utils.config import load_config
    from src.predictor import predict
    (tmp_path / "broken.png").write_bytes(b"not an image")
    config = load_config(["--device_target", "CPU", str(tmp_path / "broken.png")], positional=("inputs", ""))
    with pytest.raises(CRNNError, match=r"none of the 1 image\(s\) could be read.*broken.png"):
        predict(config)

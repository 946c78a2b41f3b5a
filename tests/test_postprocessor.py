"""postprocess.py on .bin files laid out exactly as ascend310_infer names them (its C++ naming code is
compiled with g++ here), holding real model outputs in float32 and float16."""
import os
import re
import shutil
import subprocess

import mindspore as ms
import numpy as np
import pytest

from src.dataset import decode_image, load_samples, preprocess
from src.checkpoint import load_eval_network
from src.model_utils.config import load_config
from tests.conftest import REPO, run_script

INFER = os.path.join(REPO, "ascend310_infer")


@pytest.fixture(scope="module")
def utils_check(tmp_path_factory):
    out = tmp_path_factory.mktemp("cpp") / "utils_check"
    compiler = shutil.which("g++")
    assert compiler, "g++ is needed (scripts/install.sh installs it)"
    subprocess.run([compiler, "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", f"-I{INFER}",
                    os.path.join(INFER, "src", "utils.cc"), os.path.join(INFER, "test", "utils_check.cc"),
                    "-o", str(out)], check=True, capture_output=True, text=True)
    return str(out)


@pytest.fixture(scope="module")
def dotted_dataset(tiny_synth, tmp_path_factory):
    """An iiit5k-style dataset of the tiny_synth test images under names with dots, in sub-folders."""
    root = tmp_path_factory.mktemp("dotted")
    config = load_config([])
    lines = []
    for i, sample in enumerate(load_samples("synth", tiny_synth, False, config)):
        rel = os.path.join("images", f"set.{i % 3}", f"Ltd._{i}.v2.JPG" if i % 2 else f"{i}_{sample.text}.png")
        os.makedirs(root / os.path.dirname(rel), exist_ok=True)
        shutil.copy(sample.path, root / rel)
        lines.append(f"{rel},{sample.text}\n")
    (root / "annotation.txt").write_text("".join(lines))
    return root


def _write_results(utils_check, data_dir, result_dir, logits_of, dtype, write_info):
    listing = subprocess.run([utils_check, str(data_dir), str(result_dir)], check=True, capture_output=True,
                             text=True).stdout.splitlines()
    for line in listing:
        image, stem = line.split("\t")
        path = os.path.join(result_dir, stem + "_0.bin")
        assert os.path.getsize(path) == 4  # the C++ placeholder, written under the final name
        logits_of(image).astype(dtype).tofile(path)
    info = os.path.join(result_dir, "output_info.txt")
    if write_info:
        with open(info, "w") as handle:
            handle.write(f"{np.dtype(dtype).name} 24 1 37\n")
    else:
        os.remove(info)
    return len(listing)


def test_cpp_names_keep_dots_and_folders(utils_check, dotted_dataset, tmp_path):
    listing = subprocess.run([utils_check, str(dotted_dataset / "images"), str(tmp_path)], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    stems = [line.split("\t")[1] for line in listing]
    assert len(stems) == 64 == len(set(stems))  # the zoo's first-dot cut made 'Ltd._1.v2' and 'Ltd._3.v2' collide
    assert "set.1/Ltd._1.v2" in stems and os.path.isfile(tmp_path / "set.1" / "Ltd._1.v2_0.bin")


@pytest.mark.parametrize("dtype, write_info", [(np.float32, True), (np.float16, True), (np.float16, False)])
def test_postprocess_gives_eval_accuracy_on_real_outputs(utils_check, dotted_dataset, trained_run, tmp_path,
                                                         dtype, write_info):
    _, _, ckpt = trained_run
    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
    net = load_eval_network(load_config(["--model_version", "V2", "--device_target", "CPU"]), ckpt)

    def logits_of(image):
        return net(ms.Tensor(preprocess(decode_image(image))[None])).asnumpy()

    count = _write_results(utils_check, dotted_dataset / "images", tmp_path / "result_Files", logits_of, dtype,
                           write_info)
    assert count == 64
    post = run_script("postprocess.py", "--ann_file", dotted_dataset / "annotation.txt", "--result_path",
                      tmp_path / "result_Files", "--dataset", "iiit5k", "--print_flag", "True")
    assert post.returncode == 0, post.stderr[-2000:]
    ev = run_script("eval.py", "--eval_dataset", "iiit5k", "--eval_dataset_path", dotted_dataset,
                    "--checkpoint_path", ckpt, "--device_target", "CPU", "--model_version", "V2", "--print_flag",
                    "True")
    assert ev.returncode == 0, ev.stderr[-2000:]
    counts = [re.search(r"correct num:  (\d+) , total num:  (\d+)", r.stdout).groups() for r in (post, ev)]
    assert counts[0] == counts[1] and counts[0][1] == "64"
    predictions = [sorted(l for l in r.stdout.splitlines() if " :: " in l) for r in (post, ev)]
    if dtype == np.float32:
        assert predictions[0] == predictions[1]
    assert "result CRNNAccuracy is:" in post.stdout


def test_postprocess_reads_a_perfect_model_as_perfect(utils_check, dotted_dataset, tmp_path):
    """Logits spelling each label: accuracy 1.0 — the files are matched to the right images."""
    labels = dict(line.strip().split(",", 1) for line in open(dotted_dataset / "annotation.txt"))
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

    def logits_of(image):
        text = labels[os.path.relpath(image, dotted_dataset)]
        path = []
        for i, char in enumerate(text):
            path += [36] * (i > 0 and char == text[i - 1]) + [alphabet.index(char)]
        path += [36] * (24 - len(path))
        logits = np.zeros((24, 1, 37), np.float32)
        logits[np.arange(24), 0, path] = 9
        return logits

    _write_results(utils_check, dotted_dataset / "images", tmp_path / "r", logits_of, np.float16, False)
    post = run_script("postprocess.py", "--ann_file", dotted_dataset, "--result_path", tmp_path / "r",
                      "--dataset", "iiit5k")
    assert post.returncode == 0, post.stderr[-2000:]
    assert "correct num:  64 , total num:  64" in post.stdout and "result CRNNAccuracy is:  1.0\n" in post.stdout

    # --ann_file names the annotation file itself: only its lines count, whatever it is called
    subset = dotted_dataset / "first_ten.txt"
    subset.write_text("".join(open(dotted_dataset / "annotation.txt").readlines()[:10]))
    post = run_script("postprocess.py", "--ann_file", subset, "--result_path", tmp_path / "r", "--dataset", "iiit5k")
    assert post.returncode == 0, post.stderr[-2000:]
    assert "correct num:  10 , total num:  10" in post.stdout


def test_postprocess_counts_missing_results_and_rejects_bad_files(dotted_dataset, tmp_path):
    (tmp_path / "r").mkdir()
    post = run_script("postprocess.py", "--ann_file", dotted_dataset, "--result_path", tmp_path / "r",
                      "--dataset", "iiit5k")
    assert post.returncode == 2 and "none of the 64 annotated images has a result" in post.stderr
    first = open(dotted_dataset / "annotation.txt").readline().split(",")[0]
    stem = os.path.splitext(os.path.relpath(first, "images"))[0]
    os.makedirs(tmp_path / "r" / os.path.dirname(stem), exist_ok=True)
    np.zeros(100, np.float32).tofile(tmp_path / "r" / (stem + "_0.bin"))
    post = run_script("postprocess.py", "--ann_file", dotted_dataset, "--result_path", tmp_path / "r",
                      "--dataset", "iiit5k")
    assert post.returncode == 2 and "neither float32 nor float16" in post.stderr
    np.zeros(24 * 37, np.float32).tofile(tmp_path / "r" / (stem + "_0.bin"))
    post = run_script("postprocess.py", "--ann_file", dotted_dataset, "--result_path", tmp_path / "r",
                      "--dataset", "iiit5k")
    assert post.returncode == 0 and "skipped 63 of 64 annotated images" in post.stdout
    assert "total num:  1" in post.stdout

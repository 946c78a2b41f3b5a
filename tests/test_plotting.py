import json
import os

import pytest
from PIL import Image

from src.errors import CRNNError
from src.plotting import plot_curves, read_metrics
from tests.conftest import run_script


def test_plot_py_draws_curves_and_predictions_of_a_real_run(trained_run):
    run_dir, _, _ = trained_run
    result = run_script("plot.py", run_dir, "--num", 8)
    assert result.returncode == 0, result.stderr[-2000:]
    for name in ("curves.png", "predictions.png"):
        with Image.open(os.path.join(run_dir, name)) as image:
            assert image.format == "PNG" and image.size[0] > 300 and image.size[1] > 150
    assert os.path.getsize(os.path.join(run_dir, "curves.png")) < 300_000


def test_a_resumed_run_is_plotted_once_per_step(tmp_path):
    lines = [{"step": s, "epoch": 1, "loss": 10.0 / s, "lr": 0.1, "img_per_s": 20.0} for s in (1, 2, 3)]
    lines += [{"step": 3, "epoch": 1, "loss": 9.0, "lr": 0.1, "img_per_s": 20.0}]  # written again after resume
    lines += [{"step": 3, "epoch": 1, "eval_accuracy": 0.5, "eval_1_ned": 0.8}]
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(json.dumps(l) + "\n" for l in lines))
    steps, evals = read_metrics(path)
    assert len(steps) == 4 and len(evals) == 1
    plot_curves(steps, evals, tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 1000


def test_broken_metrics_line_names_file_and_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "loss": 2, "lr": 0.1, "img_per_s": 1}\n{"step": 2, "lo\n')
    with pytest.raises(CRNNError, match=r"metrics.jsonl:2: not a JSON line"):
        read_metrics(path)


def test_plot_py_on_a_folder_without_a_run_is_one_error(tmp_path):
    result = run_script("plot.py", tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "metrics.jsonl" in result.stderr

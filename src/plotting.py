"""Pictures of a run: training curves from metrics.jsonl and a grid of sample predictions."""
import json
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

from src.errors import CRNNError  # noqa: E402
from src.metric import DEFAULT_METRIC_MODE, comparable  # noqa: E402


def read_metrics(path):
    """(step records, eval records) from a metrics.jsonl file; a broken line is an error naming it."""
    steps, evals = [], []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise CRNNError(f"{path}:{number}: not a JSON line ({err.msg})") from None
                (evals if "eval_accuracy" in record else steps).append(record)
    except FileNotFoundError:
        raise CRNNError(f"{path} not found: is this a run directory written by train.py?") from None
    return steps, evals


def _last_run(records):
    # A resumed run appends to the same file: keep, for every step, the record written last.
    by_step = {}
    for record in records:
        by_step[record["step"]] = record
    return [by_step[s] for s in sorted(by_step)]


def plot_curves(steps, evals, out_path, title=""):
    """Loss (log scale), learning rate and throughput against step, plus eval accuracy if any."""
    steps, evals = _last_run(steps), _last_run(evals)
    if not steps:
        raise CRNNError("no training steps recorded yet: nothing to plot")
    panels = 3 + bool(evals)
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.2), dpi=80)
    x = [r["step"] for r in steps]
    axes[0].plot(x, [r["loss"] for r in steps], color="tab:blue")
    axes[0].set_yscale("log")
    axes[0].set_title("CTC loss (mean per sample)")
    axes[1].plot(x, [r["lr"] for r in steps], color="tab:orange")
    axes[1].set_title("learning rate")
    axes[2].plot(x, [r["img_per_s"] for r in steps], color="tab:green")
    axes[2].set_title("images / s")
    if evals:
        axes[3].plot([r["step"] for r in evals], [100 * r["eval_accuracy"] for r in evals], "o-", color="tab:red")
        axes[3].set_title("eval accuracy (%)")
        axes[3].set_ylim(0, 100)
    for axis in axes:
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out_path)
    plt.close(fig)
    return out_path


def plot_predictions(items, out_path, columns=4, title="", metric_mode=DEFAULT_METRIC_MODE):
    """Grid of (RGB image, prediction, label) with wrong predictions (by metric_mode) in red."""
    if not items:
        raise CRNNError("no samples to draw")
    rows = math.ceil(len(items) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 1.25 * rows), dpi=80, squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    wrong = 0
    for axis, (image, prediction, label) in zip(axes.flat, items):
        ok = comparable(prediction, metric_mode) == comparable(label, metric_mode)
        wrong += not ok
        axis.imshow(image)
        axis.set_title(f"{prediction or '(empty)'}" + ("" if ok else f"  ✗ {label}"), fontsize=9,
                       color="black" if ok else "red")
    fig.suptitle(f"{title}{' - ' if title else ''}{len(items) - wrong}/{len(items)} right, wrong in red", fontsize=10)
    fig.tight_layout()
    fig.savefig(out_path)
    plt.close(fig)
    return out_path

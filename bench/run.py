"""The project's benchmark: one JSON line per figure, each measured in its own process.

    python -m bench                 # sgemm, train, eval, generator
    python -m bench --only train    # one figure

Figures: the machine's sgemm GFLOP/s (the practical limit), V2 training img/s (32x100, batch 64,
after warm-up), eval img/s (batch 64), generator img/s; each with peak RSS and, for the network,
the fraction of sgemm throughput it reaches.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIGURES = ("sgemm", "train", "eval", "generator")


def peak_rss_mb(children=False):
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return round(usage.ru_maxrss / 1024.0, 1)


def crnn_v2_forward_gflop(height=32, width=100, hidden=256, classes=37):
    """Multiply-add FLOPs (x2) of one V2 forward pass, counted from the layer shapes."""
    flops, h, w = 0, height, width
    plan = [(3, 64, 3, "pool2"), (64, 128, 3, "pool2"), (128, 256, 3, None), (256, 256, 3, "pool21"),
            (256, 512, 3, None), (512, 512, 3, "pool21")]
    for cin, cout, k, pool in plan:
        flops += 2 * cin * cout * k * k * h * w
        if pool == "pool2":
            h, w = (h + 1) // 2, (w + 1) // 2
        elif pool == "pool21":
            h = (h + 1) // 2
    h, w = h - 1, w - 1  # conv7: 2x2 valid
    flops += 2 * 512 * 512 * 4 * h * w
    steps = w
    for in_size, out_size in ((512, hidden), (hidden, classes)):
        flops += 2 * steps * 2 * 4 * hidden * (in_size + hidden)  # both directions, all gates
        flops += 2 * steps * 2 * hidden * out_size
    return flops / 1e9


def bench_sgemm(size=2048, repeats=10):
    a = np.random.rand(size, size).astype(np.float32)
    b = np.random.rand(size, size).astype(np.float32)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    seconds = time.perf_counter() - start
    return {"figure": "sgemm", "gflops": round(2 * size ** 3 * repeats / seconds / 1e9, 1),
            "peak_rss_mb": peak_rss_mb()}


def _network_setup():
    sys.path.insert(0, REPO)
    import mindspore as ms
    from src.model_utils.config import load_config
    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
    ms.set_seed(1)
    return ms, load_config(["--model_version", "V2", "--device_target", "CPU"])


def _batch(batch_size, rng):
    images = rng.uniform(-1, 1, (batch_size, 3, 32, 100)).astype(np.float32)
    labels = np.full((batch_size, 23), 36, np.int32)
    labels[:, :8] = rng.integers(0, 36, (batch_size, 8))
    return images, labels


def bench_train(batch_size=64, warmup=3, steps=8):
    ms, config = _network_setup()
    from src.trainer import build_train_cell
    _, cell = build_train_cell(config, steps_per_epoch=100)
    images, labels = (ms.Tensor(a) for a in _batch(batch_size, np.random.default_rng(0)))
    for _ in range(warmup):
        cell(images, labels).asnumpy()
    start = time.perf_counter()
    for _ in range(steps):
        cell(images, labels).asnumpy()
    img_s = batch_size * steps / (time.perf_counter() - start)
    gflops = img_s * 3 * crnn_v2_forward_gflop()  # backward ~ 2x forward
    return {"figure": "train", "img_per_s": round(img_s, 1), "batch_size": batch_size,
            "achieved_gflops": round(gflops, 1), "peak_rss_mb": peak_rss_mb()}


def bench_eval(batch_size=64, warmup=2, steps=10):
    ms, config = _network_setup()
    from src.crnn import crnn
    net = crnn(config, full_precision=True)
    net.set_train(False)
    images = ms.Tensor(_batch(batch_size, np.random.default_rng(0))[0])
    for _ in range(warmup):
        net(images).asnumpy()
    start = time.perf_counter()
    for _ in range(steps):
        net(images).asnumpy()
    img_s = batch_size * steps / (time.perf_counter() - start)
    return {"figure": "eval", "img_per_s": round(img_s, 1), "batch_size": batch_size,
            "achieved_gflops": round(img_s * crnn_v2_forward_gflop(), 1), "peak_rss_mb": peak_rss_mb()}


def bench_generator(count=2000):
    sys.path.insert(0, REPO)
    from src.synth.writer import generate_dataset
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        generate_dataset(out, count, 0, seed=1, show_progress=False)
        img_s = count / (time.perf_counter() - start)
    return {"figure": "generator", "img_per_s": round(img_s, 1), "workers": os.cpu_count(),
            "peak_rss_mb": max(peak_rss_mb(), peak_rss_mb(children=True))}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=FIGURES, help="measure one figure in this process")
    args = parser.parse_args()
    if args.only:
        result = globals()[f"bench_{args.only}"]()
        if args.only in ("train", "eval"):
            result["forward_gflop_per_image"] = round(crnn_v2_forward_gflop(), 3)
        print(json.dumps(result), flush=True)
        return
    limit = None
    for figure in FIGURES:
        done = subprocess.run([sys.executable, "-m", "bench", "--only", figure], cwd=REPO, capture_output=True,
                              text=True)
        if done.returncode != 0:
            print(json.dumps({"figure": figure, "error": done.stderr.strip().splitlines()[-1:]}), flush=True)
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if figure == "sgemm":
            limit = result["gflops"]
        elif limit and "achieved_gflops" in result:
            result["fraction_of_sgemm"] = round(result["achieved_gflops"] / limit, 3)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

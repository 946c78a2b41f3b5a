"""The project's benchmark: one JSON line per figure, each measured in its own process.

    python -m bench                 # sgemm, train, eval, generator
    python -m bench --only train    # one figure (training: once per convolution implementation)
    python -m bench --only train --conv native_bf16   # one figure, one implementation, in this process
    python -m bench --reference_python /path/to/python   # + ratios to the PyTorch references

Figures: the machine's sgemm GFLOP/s (the practical limit), V2 training img/s (32x100, batch 64,
after warm-up), eval img/s (batch 64), generator img/s, and reader img/s (decode + preprocess, one
thread) per dataset kind; each with peak RSS and, for the network, the fraction of sgemm throughput
it reaches; the slowest reader as a multiple of what training consumes. With --reference_python (an
interpreter that has torch; the project does not depend on it), ../shared/speed/torch_crnn.py (PyTorch
eager, NCHW fp32) and torch_crnn_best.py (channels_last fp32, and channels_last + bf16 autocast) run before
and after the figures. Train and eval then get `ratios`: our img/s over the mean of each PyTorch variant
of the same dtype (fp32 figures against both fp32 variants, bf16 against bf16), and `ratio_to_reference`,
the one against the strongest of them (channels_last): the anchor a PyTorch user on a CPU would set.
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

import src  # noqa: F401  (sets the OpenMP wait policy before mindspore loads libgomp)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIGURES = ("sgemm", "train", "eval", "onnx", "generator", "readers")
REALDATA = os.environ.get("CRNN_REALDATA", os.path.join(REPO, "..", "shared", "realdata"))
SPEED_DIR = os.path.join(REPO, "..", "shared", "speed")
REFERENCE_SCRIPTS = (os.path.join(SPEED_DIR, "torch_crnn.py"), os.path.join(SPEED_DIR, "torch_crnn_best.py"))
REFERENCE_KEYS = {"train": "train_img_s", "eval": "eval_img_s"}  # our figure -> the reference's field
# The PyTorch variants (their "peer" names) each of our convolution variants is compared with: the same
# dtype, the strongest last (its ratio is ratio_to_reference).
ANCHORS = {"native": ("torch-eager", "torch-channels_last-fp32"),
           "mindspore": ("torch-eager", "torch-channels_last-fp32"),
           "native_bf16": ("torch-channels_last-bf16",)}
# The convolution implementations the network figures are measured with: name -> config arguments.
CONV_VARIANTS = {
    "native": ["--cpu_conv", "native", "--cpu_conv_dtype", "float32"],
    "mindspore": ["--cpu_conv", "mindspore"],
    "native_bf16": ["--cpu_conv", "native", "--cpu_conv_dtype", "bfloat16"],
}


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


def _network_setup(conv="mindspore"):
    sys.path.insert(0, REPO)
    import mindspore as ms
    from src.model_utils.config import load_config
    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
    ms.set_seed(1)
    return ms, load_config(["--model_version", "V2", "--device_target", "CPU", *CONV_VARIANTS[conv]])


def _conv_fields(conv, config):
    """Which convolution a network figure ran on: the variant asked for and what the config resolved to."""
    from src.native_conv import native_conv_dtype
    used = native_conv_dtype(config)
    return {"conv": conv, "conv_used": f"native {used}" if used else "mindspore"}


def _batch(batch_size, rng):
    images = rng.uniform(-1, 1, (batch_size, 3, 32, 100)).astype(np.float32)
    labels = np.full((batch_size, 23), 36, np.int32)
    labels[:, :8] = rng.integers(0, 36, (batch_size, 8))
    return images, labels


def train_step(conv, batch_size, warmup):
    """(config, one training step as a function) for a batch of random images, warmed up."""
    ms, config = _network_setup(conv)
    from src.lr_schedule import cosine_lr_per_step
    from src.trainer import build_train_cell
    _, cell = build_train_cell(config, cosine_lr_per_step(config.learning_rate, 100, config.epoch_size))
    images, labels = (ms.Tensor(a) for a in _batch(batch_size, np.random.default_rng(0)))

    def step():
        cell(images, labels).asnumpy()
    for _ in range(warmup):
        step()
    return config, step


def bench_train(conv="native", batch_size=64, warmup=3, steps=8):
    config, step = train_step(conv, batch_size, warmup)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    img_s = batch_size * steps / (time.perf_counter() - start)
    gflops = img_s * 3 * crnn_v2_forward_gflop()  # backward ~ 2x forward
    return {"figure": "train", **_conv_fields(conv, config), "img_per_s": round(img_s, 1),
            "batch_size": batch_size, "achieved_gflops": round(gflops, 1), "peak_rss_mb": peak_rss_mb()}


def bench_eval(conv="native", batch_size=64, warmup=2, steps=10):
    ms, config = _network_setup(conv)
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
    return {"figure": "eval", **_conv_fields(conv, config), "img_per_s": round(img_s, 1),
            "batch_size": batch_size, "achieved_gflops": round(img_s * crnn_v2_forward_gflop(), 1), "peak_rss_mb": peak_rss_mb()}


def bench_onnx(batch_size=64, warmup=2, steps=10):
    """onnxruntime img/s of the dynamic-batch fp32 export and its int8 quantization (random weights)."""
    ms, config = _network_setup()
    from src.crnn import crnn
    from src.exporter import export_dynamic_onnx, quantize_int8
    from src.onnx_inference import open_session
    from src.synth.writer import generate_dataset
    net = crnn(config, full_precision=True, for_export=True)
    net.set_train(False)
    images = _batch(batch_size, np.random.default_rng(0))[0]
    result = {"figure": "onnx", "batch_size": batch_size}
    with tempfile.TemporaryDirectory() as work:
        generate_dataset(os.path.join(work, "calib"), 256, 0, seed=3, show_progress=False)
        config.train_dataset, config.train_dataset_path = "synth", os.path.join(work, "calib")
        fp32 = export_dynamic_onnx(net, config, os.path.join(work, "crnn.onnx"))
        int8 = quantize_int8(fp32, os.path.join(work, "crnn_int8.onnx"), config)
        for name, path in (("fp32", fp32), ("int8", int8)):
            session = open_session(path)
            feed = {session.get_inputs()[0].name: images}
            for _ in range(warmup):
                session.run(None, feed)
            start = time.perf_counter()
            for _ in range(steps):
                session.run(None, feed)
            result[f"{name}_img_per_s"] = round(batch_size * steps / (time.perf_counter() - start), 1)
    result["int8_speedup"] = round(result["int8_img_per_s"] / result["fp32_img_per_s"], 2)
    result["fp32_achieved_gflops"] = round(result["fp32_img_per_s"] * crnn_v2_forward_gflop(), 1)
    result["achieved_gflops"] = result["fp32_achieved_gflops"]
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def bench_generator(count=2000):
    """Rendering img/s once fonts, word list and photos are loaded (a one-off cost, reported as setup_s)."""
    sys.path.insert(0, REPO)
    from src.synth.writer import generate_dataset, make_renderer
    start = time.perf_counter()
    renderer = make_renderer(seed=1)
    setup_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        generate_dataset(out, count, 0, show_progress=False, renderer=renderer)
        img_s = count / (time.perf_counter() - start)
    return {"figure": "generator", "img_per_s": round(img_s, 1), "setup_s": round(setup_s, 1),
            "fonts": len(renderer.fonts), "photos": len(renderer.photos), "workers": os.cpu_count(),
            "peak_rss_mb": max(peak_rss_mb(), peak_rss_mb(children=True))}


def _reader_sources(workdir):
    """(dataset kind, root) pairs to measure: generated synth, its lmdb, and the real benchmarks if present."""
    from src.converters.iiit5k import convert_iiit5k
    from src.converters.crops import read_scene_xml, write_crops
    from src.dataset import load_samples, read_image_bytes
    from src.model_utils.config import load_config
    from src.readers.lmdb_reader import write_lmdb
    from src.synth.writer import generate_dataset
    synth = os.path.join(workdir, "synth")
    generate_dataset(synth, 0, 500, seed=2, show_progress=False)
    lmdb_root = os.path.join(workdir, "lmdb")
    write_lmdb(load_samples("synth", synth, False, load_config([])), read_image_bytes, lmdb_root)
    sources = [("synth", synth), ("lmdb", lmdb_root)]
    if os.path.isdir(os.path.join(REALDATA, "IC13")):
        sources.append(("ic13", os.path.join(REALDATA, "IC13")))
    if os.path.isdir(os.path.join(REALDATA, "IIIT5K")):
        iiit = os.path.join(workdir, "iiit5k")
        os.makedirs(iiit)
        os.symlink(os.path.join(REALDATA, "IIIT5K", "test"), os.path.join(iiit, "test"))
        convert_iiit5k(os.path.join(REALDATA, "IIIT5K", "testCharBound.mat"), os.path.join(iiit, "annotation.txt"),
                       os.path.join(REALDATA, "IIIT5K"))
        sources.append(("iiit5k", iiit))
    if os.path.isdir(os.path.join(REALDATA, "svt1")):
        svt = os.path.join(workdir, "svt")
        write_crops(read_scene_xml(os.path.join(REALDATA, "svt1", "train.xml")), os.path.join(REALDATA, "svt1"), svt)
        sources.append(("svt", svt))
    return sources


def bench_readers(limit=1000):
    """Decode + preprocess img/s of each dataset kind, one thread, as the training pipeline runs it."""
    sys.path.insert(0, REPO)
    from src.dataset import WordImageSource, load_samples
    from src.label import LabelCodec
    from src.model_utils.config import load_config
    config = load_config([])
    codec = LabelCodec(config.label_dict, config.max_text_length)
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for kind, root in _reader_sources(workdir):
            samples = load_samples(kind, root, False, config, scan_images=False)[:limit]
            source = WordImageSource(samples, codec, config.image_width, config.image_height)
            start = time.perf_counter()
            for index in range(len(source)):
                source[index]
            results[kind] = round(len(source) / (time.perf_counter() - start), 1)
    return {"figure": "readers", "img_per_s_one_thread": results, "peak_rss_mb": peak_rss_mb()}


def run_reference(python, script, batch_size=64):
    """One run of a PyTorch reference script: each JSON line it prints as a dict (one per variant it
    measures), or [{"error": ...}]."""
    done = subprocess.run([python, script, str(batch_size)], capture_output=True, text=True)
    if done.returncode != 0:
        return [{"error": done.stderr.strip().splitlines()[-1:], "script": os.path.basename(script)}]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def reference_mean(runs):
    """{peer: {field: mean img/s}} over the runs of each PyTorch variant that worked."""
    by_peer = {}
    for run in runs:
        if "error" not in run:
            by_peer.setdefault(run["peer"], []).append(run)
    return {peer: {key: round(sum(r[key] for r in good) / len(good), 1) for key in REFERENCE_KEYS.values()}
            for peer, good in by_peer.items()}


def with_ratios(result, conv, mean):
    """result (a train or eval figure of conv) with its ratios to each same-dtype PyTorch variant measured."""
    field = REFERENCE_KEYS[result["figure"]]
    anchors = [peer for peer in ANCHORS[conv] if peer in mean]
    if anchors:
        result["reference_img_per_s"] = {peer: mean[peer][field] for peer in anchors}
        result["ratios"] = {peer: round(result["img_per_s"] / mean[peer][field], 2) for peer in anchors}
        result["ratio_to_reference"] = result["ratios"][anchors[-1]]
    return result


def _jobs(only=None):
    """(figure, conv variant or None) in the order they run; the network figures once per variant."""
    figures = [only] if only else FIGURES
    return [(figure, conv) for figure in figures
            for conv in (CONV_VARIANTS if figure in REFERENCE_KEYS else [None])]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=FIGURES, help="measure one figure (each conv variant in its own process)")
    parser.add_argument("--conv", choices=sorted(CONV_VARIANTS),
                        help="with --only train|eval: measure this convolution in this process")
    parser.add_argument("--reference_python", help="a Python with torch, to run the PyTorch references")
    parser.add_argument("--reference_script", nargs="+", default=list(REFERENCE_SCRIPTS),
                        help="the reference scripts (%(default)s)")
    args = parser.parse_args()
    if args.only and (args.conv or args.only not in REFERENCE_KEYS):
        result = globals()[f"bench_{args.only}"](**({"conv": args.conv} if args.conv else {}))
        if args.only in REFERENCE_KEYS:
            result["forward_gflop_per_image"] = round(crnn_v2_forward_gflop(), 3)
        print(json.dumps(result), flush=True)
        return
    missing = [script for script in args.reference_script if not os.path.isfile(script)]
    if args.reference_python and missing:
        parser.error(f"--reference_script {', '.join(missing)} does not exist")
    reference_runs = []

    def measure_references():
        for script in args.reference_script:
            reference_runs.extend(run_reference(args.reference_python, script))
    if args.reference_python:
        measure_references()
    limit, train_img_s, ours = None, None, []
    for figure, conv in _jobs(args.only):
        command = [sys.executable, "-m", "bench", "--only", figure] + (["--conv", conv] if conv else [])
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        if done.returncode != 0:
            print(json.dumps({"figure": figure, "conv": conv, "error": done.stderr.strip().splitlines()[-1:]}),
                  flush=True)
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if figure == "sgemm":
            limit = result["gflops"]
        if figure == "train" and conv == "native":
            train_img_s = result["img_per_s"]
        if figure == "readers" and train_img_s:
            result["slowest_vs_training"] = round(min(result["img_per_s_one_thread"].values()) / train_img_s, 1)
        if limit and "achieved_gflops" in result:
            result["fraction_of_sgemm"] = round(result["achieved_gflops"] / limit, 3)
        if figure in REFERENCE_KEYS and args.reference_python:
            ours.append((result, conv))
        else:
            print(json.dumps(result), flush=True)
    if args.reference_python:
        # Reference, project, reference: the machines drift, and the mean brackets our figures in time.
        measure_references()
        mean = reference_mean(reference_runs)
        for result, conv in ours:
            print(json.dumps(with_ratios(result, conv, mean)), flush=True)
        print(json.dumps({"figure": "reference", "runs": reference_runs, "mean": mean}), flush=True)


if __name__ == "__main__":
    main()

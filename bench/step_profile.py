"""Where a V2 training step's time goes: ours (MindSpore's profiler) beside PyTorch's (torch.profiler), per op
and grouped by what the op does.

    python -m bench.step_profile --conv native_bf16 --reference_python /path/to/python-with-torch

Both sides run batch 64 on random images after warm-up, profile a few steps and report milliseconds per
step: each op's own time (a PyTorch op's children excluded), summed over the step's forward and backward
passes and the optimizer. PyTorch runs ../shared/speed/torch_crnn.py's network with channels_last, in fp32
or with bf16 autocast (the dtype follows --conv). One JSON line per side, then a table by group. Profilers
add overhead; the step time without one is printed beside it. Measure on an idle machine.
"""
import argparse
import csv
import glob
import json
import os
import subprocess
import sys
import tempfile
import time


from bench.run import REPO, _conv_fields, train_step

# What an op does, by a word in its name (the first group that matches, lower-cased).
GROUPS = (("convolution", ("conv", "custom")), ("batch norm", ("batchnorm", "batch_norm")),
          ("relu", ("relu", "clamp_min", "threshold")), ("pooling", ("pool",)), ("lstm", ("lstm", "rnn")),
          ("ctc loss", ("ctc",)), ("softmax", ("softmax",)), ("optimizer", ("adam", "sgd", "momentum", "optimizer")),
          ("dense", ("matmul", "addmm", "::mm", "linear", "biasadd", "dense")),
          ("layout and dtype", ("transpose", "copy", "contiguous", "reorder", "cast", "reshape", "permute",
                                "concat", "cat", "split", "slice", "stack", "view", "aten::to", "flip")))

TORCH_PROFILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_step_profile.py")


def group_of(op_name):
    lowered = op_name.lower()
    return next((group for group, words in GROUPS if any(word in lowered for word in words)),
                "elementwise and other")


def grouped(ops):
    """{group: ms per step} from {op: ms per step}."""
    out = {}
    for op, ms in ops.items():
        out[group_of(op)] = out.get(group_of(op), 0.0) + ms
    return dict(sorted(out.items(), key=lambda item: -item[1]))


def _read_op_types(folder, steps):
    """{op type (forward / backward): ms per step} from MindSpore's cpu_op_detail_info CSV."""
    paths = glob.glob(os.path.join(folder, "**", "cpu_op_detail_info_*.csv"), recursive=True)
    if not paths:
        raise RuntimeError(f"MindSpore's profiler wrote no cpu_op_detail_info under {folder}")
    ops = {}
    with open(paths[0], newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            phase = "backward" if row["full_op_name"].startswith("Gradients") else "forward"
            key = f"{row['op_type']} ({phase})"
            ops[key] = ops.get(key, 0.0) + float(row["op_total_time(ms)"]) / steps
    return dict(sorted(ops.items(), key=lambda item: -item[1]))


def profile_ours(conv, batch_size=64, warmup=3, steps=5):
    config, step = train_step(conv, batch_size, warmup)
    import mindspore as ms  # pylint: disable=import-outside-toplevel
    start = time.perf_counter()
    for _ in range(steps):
        step()
    step_ms = (time.perf_counter() - start) / steps * 1000
    with tempfile.TemporaryDirectory() as folder:
        profiler = ms.Profiler(output_path=folder)
        for _ in range(steps):
            step()
        profiler.analyse()
        ops = _read_op_types(folder, steps)
    return {"side": "ours", **_conv_fields(conv, config), "batch_size": batch_size,
            "step_ms": round(step_ms, 1), "img_per_s": round(batch_size / step_ms * 1000, 1),
            "profiled_ms": round(sum(ops.values()), 1), "groups": {k: round(v, 1) for k, v in grouped(ops).items()},
            "ops": {k: round(v, 2) for k, v in ops.items()}}


def profile_torch(python, dtype, batch_size=64):
    done = subprocess.run([python, TORCH_PROFILE, dtype, str(batch_size)], capture_output=True, text=True,
                          timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{TORCH_PROFILE} failed: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["groups"] = {k: round(v, 1) for k, v in grouped(result["ops"]).items()}
    return result


def print_table(sides):
    groups = sorted({g for side in sides for g in side["groups"]},
                    key=lambda g: -max(s["groups"].get(g, 0) for s in sides))
    names = [f"{s['side']} ({s.get('conv_used', s.get('variant', ''))})" for s in sides]
    print(f"{'ms per step':22}" + "".join(f"{n:>34}" for n in names))
    for group in groups:
        print(f"{group:22}" + "".join(f"{s['groups'].get(group, 0.0):34.1f}" for s in sides))
    print(f"{'sum of ops':22}" + "".join(f"{sum(s['groups'].values()):34.1f}" for s in sides))
    print(f"{'step, not profiled':22}" + "".join(f"{s['step_ms']:34.1f}" for s in sides))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conv", default="native_bf16", choices=["mindspore", "native", "native_bf16"])
    parser.add_argument("--reference_python", default="", help="a Python with torch, for PyTorch's side")
    args = parser.parse_args(argv)
    sides = [profile_ours(args.conv)]
    if args.reference_python:
        sides.append(profile_torch(args.reference_python, "bf16" if args.conv == "native_bf16" else "fp32"))
    for side in sides:
        print(json.dumps(side))
    print_table(sides)


if __name__ == "__main__":
    sys.path.insert(0, REPO)
    main()

"""PyTorch's side of bench/step_profile.py, run by an interpreter that has torch: one training step of
../shared/speed/torch_crnn.py's CRNN on channels_last tensors (fp32, or bf16 autocast), profiled with
torch.profiler. Prints one JSON line: step time without the profiler and each op's own time per step.

    python bench/torch_step_profile.py fp32|bf16 [BATCH]
"""
import importlib.util
import json
import os
import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile

SPEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "speed", "torch_crnn.py")


def load_network_module(path=SPEED):
    spec = importlib.util.spec_from_file_location("torch_crnn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(dtype="bf16", batch=64, warmup=3, steps=5):
    torch.manual_seed(0)
    network = load_network_module().CRNN().to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(network.parameters(), lr=0.02, momentum=0.95, nesterov=True)
    ctc = torch.nn.CTCLoss(blank=36, reduction="sum", zero_infinity=True)
    images = (torch.rand(batch, 3, 32, 100) * 2 - 1).to(memory_format=torch.channels_last)
    lengths = torch.full((batch,), 8)
    targets = torch.randint(0, 36, (int(lengths.sum()),))
    bf16 = dtype == "bf16"

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = network(images)
        loss = ctc(logits.float().log_softmax(2), targets, torch.full((batch,), logits.shape[0]), lengths)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), 10)
        optimizer.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    step_ms = (time.perf_counter() - start) / steps * 1000
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    ops = {event.key: event.self_cpu_time_total / 1000 / steps for event in prof.key_averages()
           if event.self_cpu_time_total > 0}
    ops = dict(sorted(ops.items(), key=lambda item: -item[1]))
    print(json.dumps({"side": "pytorch", "variant": f"channels_last {dtype}", "batch_size": batch,
                      "step_ms": round(step_ms, 1), "img_per_s": round(batch / step_ms * 1000, 1),
                      "profiled_ms": round(sum(ops.values()), 1), "torch": torch.__version__,
                      "ops": {k: round(v, 2) for k, v in ops.items()}}))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bf16", int(sys.argv[2]) if len(sys.argv) > 2 else 64)

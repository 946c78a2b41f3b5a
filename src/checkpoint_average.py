"""The uniform average of several checkpoints of one network (a "model soup").

Stages that start from the same file and train on different words end in nearby points of weight space;
their mean often reads more than any one of them (measured in the model card). Every network entry is
averaged, BatchNorm's moving statistics included; training state (optimizer moments, counters, a weight
average kept with ema_decay) is left out, as in a release file. The files must hold the same parameters
with the same shapes and read the same alphabet.

    python -m src.checkpoint_average OUT.ckpt A.ckpt B.ckpt [C.ckpt ...] [--dtype float16|float32]
"""
import argparse

import mindspore as ms
import numpy as np

from src.alphabet import checkpoint_alphabet, describe
from src.checkpoint import network_weights, read_checkpoint, save_checkpoint_atomic
from src.errors import CRNNError, report_errors

DTYPES = {"float16": np.float16, "float32": np.float32}


def _weights(path):
    """(network weights as float64 arrays, alphabet or None) of one checkpoint file."""
    params = read_checkpoint(path)
    weights = {name: value.asnumpy().astype(np.float64) for name, value in network_weights(params).items()}
    if not weights:
        raise CRNNError(f"checkpoint {path} holds no network weights")
    return weights, checkpoint_alphabet(params)


def _said(alphabet):
    return describe(alphabet) if alphabet is not None else "none stored"


def average_checkpoints(paths):
    """({name: float64 mean}, alphabet) of the checkpoints at paths, after checking they are one network."""
    if len(paths) < 2:
        raise CRNNError(f"averaging needs at least two checkpoints, got {len(paths)}")
    total, alphabet = _weights(paths[0])
    for path in paths[1:]:
        weights, other_alphabet = _weights(path)
        if other_alphabet != alphabet:
            raise CRNNError(f"checkpoint {path} reads another alphabet ({_said(other_alphabet)}) than "
                            f"{paths[0]} ({_said(alphabet)})")
        missing, extra = sorted(set(total) - set(weights)), sorted(set(weights) - set(total))
        if missing or extra:
            raise CRNNError(f"checkpoint {path} is another network than {paths[0]}: "
                            f"lacks {missing[:3]}, has {extra[:3]} besides")
        for name, value in weights.items():
            if value.shape != total[name].shape:
                raise CRNNError(f"checkpoint {path}: {name} has shape {value.shape}, {paths[0]} "
                                f"{total[name].shape}")
            total[name] += value
    return {name: value / len(paths) for name, value in total.items()}, alphabet


def write_average(out_path, paths, dtype="float16"):
    """Average paths into out_path (atomic), stored as dtype; returns the number of entries written."""
    mean, alphabet = average_checkpoints(paths)
    entries = [{"name": name, "data": ms.Tensor(value.astype(DTYPES[dtype]))} for name, value in sorted(mean.items())]
    save_checkpoint_atomic(entries, out_path, alphabet=alphabet)
    return len(entries)


@report_errors
def main(argv=None):
    parser = argparse.ArgumentParser(description="Write the uniform average of checkpoints of one network.")
    parser.add_argument("output", help="the averaged checkpoint to write (weights only)")
    parser.add_argument("inputs", nargs="+", help="two or more checkpoints (release files or training checkpoints)")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="float16",
                        help="how the average is stored (float16: as the release file)")
    args = parser.parse_args(argv)
    count = write_average(args.output, args.inputs, args.dtype)
    print(f"averaged {len(args.inputs)} checkpoints ({count} entries, {args.dtype}) into {args.output}")


if __name__ == "__main__":
    main()

"""Which files of a run are its step checkpoints, and which one is the newest.

A step checkpoint is named <prefix>-<epoch>_<step in epoch>.ckpt, exactly; anything else in the folder
(best_acc.ckpt, crnn-nonfinite-3_17.ckpt, a partial .crnn-*.tmp file) is not one, so resume, the recipes
and the keeper never pick it up. The newest is the one furthest into training, not the latest written.

    python -m src.checkpoint_files RUN/ckpt            # prints the newest step checkpoint, or nothing
    python -m src.checkpoint_files --require RUN/ckpt  # or, when there is none, one error line and status 1
"""
import os
import re
import sys


def step_checkpoint_name(epoch, step_in_epoch, prefix="crnn"):
    return f"{prefix}-{epoch}_{step_in_epoch}.ckpt"


def step_checkpoints(directory, prefix="crnn"):
    """Paths of the step checkpoints in directory, oldest (earliest epoch and step) first."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)_(\d+)\.ckpt$")
    found = []
    for name in os.listdir(directory) if os.path.isdir(directory) else ():
        match = pattern.match(name)
        if match:
            found.append(((int(match.group(1)), int(match.group(2))), os.path.join(directory, name)))
    return [path for _, path in sorted(found)]


def newest_checkpoint(directory, prefix="crnn"):
    """The step checkpoint furthest into training in directory, or '' if there is none."""
    saved = step_checkpoints(directory, prefix)
    return saved[-1] if saved else ""


def main(argv):
    require = argv[:1] == ["--require"]
    if len(argv) != 1 + require:
        sys.exit("usage: python -m src.checkpoint_files [--require] CKPT_DIR")
    found = newest_checkpoint(argv[-1])
    if require and not found:
        # A recipe would otherwise go on with an empty path, and eval.py/export.py would take the
        # shipped model instead, reporting its scores as the run's.
        sys.exit(f"error: {argv[-1]} holds no step checkpoint: the run saved none (save_checkpoint False?), "
                 "so there is no model of it to evaluate or export")
    print(found)


if __name__ == "__main__":
    main(sys.argv[1:])

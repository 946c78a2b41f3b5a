"""Text and background colours measured on real word crops, for the generator to draw from.

Each crop is split in two by Otsu's threshold on its luminance; the class that holds most of the crop's
border is the background, the other the text. A crop whose classes are not clearly apart, or whose
"text" covers most of it, gives no pair. The pairs keep what a random colour model misses: which
polarities, hues and contrasts real signs, shop fronts and book covers use, and how often.

The table the generator reads (src/synth/real_colours.txt) is built from real *training* crops only:

    python -m src.synth.real_colours --dataset ic15:../shared/realdata/IC15_train@train \
        --dataset iiit5k:RUN/data/iiit5k_train@train --dataset svt:RUN/data/svt_train \
        --output src/synth/real_colours.txt

(RUN/data: the IIIT5K and SVT train crops as scripts/budget_protocol.sh prepares them.) The table in the
repository holds 5,804 pairs; 226 crops gave none.
"""
import argparse
import os
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from src.errors import CRNNError, report_errors
from src.fileio import write_text_atomic
from src.readers.parts import part_samples

TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "real_colours.txt")
MIN_LUMA_GAP = 20.0         # classes closer than this are noise, not text on a background
TEXT_SHARE = (0.04, 0.6)    # the text class covers this much of a crop
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def measure_pair(rgb):
    """(text, background) median RGB colours (float32) of an RGB uint8 word crop, or None."""
    if rgb.ndim != 3 or min(rgb.shape[:2]) < 4:
        return None
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    _, bright = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = bright.astype(bool)
    border = np.concatenate([bright[0], bright[-1], bright[1:-1, 0], bright[1:-1, -1]])
    text = ~bright if border.mean() >= 0.5 else bright
    if not TEXT_SHARE[0] <= text.mean() <= TEXT_SHARE[1]:
        return None
    text_colour = np.median(rgb[text], axis=0).astype(np.float32)
    background_colour = np.median(rgb[~text], axis=0).astype(np.float32)
    if abs(float((text_colour - background_colour) @ _LUMA)) < MIN_LUMA_GAP:
        return None
    return text_colour, background_colour


def measure_datasets(datasets):
    """uint8 (N, 6) pairs (text RGB, background RGB) of every crop of [(kind, path)], and the skip count."""
    pairs, skipped = [], 0
    for kind, dataset_path in datasets:
        for sample in part_samples(kind, dataset_path, True):
            try:
                with Image.open(sample.path) as image:
                    pair = measure_pair(np.asarray(image.convert("RGB")))
            except (OSError, ValueError):
                pair = None
            if pair is None:
                skipped += 1
            else:
                pairs.append(np.concatenate(pair))
    return np.clip(np.rint(np.array(pairs, np.float32).reshape(-1, 6)), 0, 255).astype(np.uint8), skipped


def write_table(path, pairs, sources):
    header = "".join(f"#   {source}\n" for source in sources)
    lines = "".join(" ".join(str(v) for v in row) + "\n" for row in pairs)
    write_text_atomic(path, "# text R G B, background R G B: one real training crop a line, measured from\n"
                      + header + lines)


@lru_cache(maxsize=4)
def load_table(path=TABLE_PATH):
    """float32 (N, 6) pairs from a table file; CRNNError naming file:line on a bad line."""
    if not os.path.isfile(path):
        raise CRNNError(f"colour table {path} not found (python -m src.synth.real_colours builds it)")
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip() or line.startswith("#"):
                continue
            values = line.split()
            if len(values) != 6 or not all(v.isdigit() and int(v) <= 255 for v in values):
                raise CRNNError(f"{path}:{number}: expected six values 0-255, got {line.strip()!r}")
            rows.append([float(v) for v in values])
    if not rows:
        raise CRNNError(f"colour table {path} holds no pairs")
    return np.array(rows, np.float32)


def draw_pair(rng, path=TABLE_PATH):
    """(text, background) float32 RGB colours of one measured crop, each moved a little."""
    table = load_table(path)
    row = table[int(rng.integers(len(table)))]
    jitter = rng.normal(0, 6, size=6).astype(np.float32)
    row = np.clip(row + jitter, 0, 255)
    return row[:3], row[3:]


@report_errors
def main(argv=None):
    parser = argparse.ArgumentParser(description="Measure text/background colour pairs on real training crops.")
    parser.add_argument("--dataset", action="append", required=True, metavar="KIND:PATH",
                        help="a dataset kind and its path (a part such as PATH@train allowed); repeatable")
    parser.add_argument("--output", default=TABLE_PATH)
    args = parser.parse_args(argv)
    datasets = []
    for spec in args.dataset:
        kind, sep, path = spec.partition(":")
        if not sep or not path:
            raise CRNNError(f"--dataset {spec!r}: expected KIND:PATH")
        datasets.append((kind, path))
    pairs, skipped = measure_datasets(datasets)
    if not len(pairs):
        raise CRNNError("no crop gave a colour pair")
    write_table(args.output, pairs, [f"{kind}:{os.path.basename(path.rstrip('/'))}" for kind, path in datasets])
    print(f"{len(pairs)} colour pairs written to {args.output}; {skipped} crops gave none")


if __name__ == "__main__":
    main()

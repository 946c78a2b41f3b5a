"""postprocess.py: accuracy of the Ascend 310 program's .bin outputs against a dataset's annotation.

The C++ program writes <result_path>/<image path relative to its data folder, last extension
removed>_0.bin and result_path/output_info.txt (dtype and shape). The zoo read every file as float16
and cut names at the first '.'; here the dtype comes from output_info.txt (or the file size), and the
names keep every dot and sub-folder.
"""
import logging
import os

import numpy as np

from src.dataset import select_samples
from src.errors import CRNNError
from src.label import LabelCodec
from src.metric import CRNNAccuracy
from src.readers import get_parser
from src.recognizer import WordDecoder, read_words, score

logger = logging.getLogger("crnn")
DTYPES = {"float32": np.float32, "float16": np.float16}


def read_output_info(result_path):
    """(dtype name, shape) from output_info.txt, or None when the file is absent."""
    path = os.path.join(result_path, "output_info.txt")
    if not os.path.isfile(path):
        return None
    fields = open(path, encoding="utf-8").read().split()
    if not fields or fields[0] not in DTYPES:
        raise CRNNError(f"{path}: expected '<float32|float16> <dims>', got {' '.join(fields)!r}")
    return fields[0], [int(f) for f in fields[1:]]


def result_file(result_path, root, image_path):
    """The .bin written for image_path: its path relative to root, or a shorter tail of it (the C++
    program may have been pointed at a sub-folder of the dataset root)."""
    parts = os.path.splitext(os.path.relpath(image_path, root))[0].split(os.sep)
    for start in range(len(parts)):
        candidate = os.path.join(result_path, *parts[start:]) + "_0.bin"
        if os.path.isfile(candidate):
            return candidate
    return None


def load_logits(path, dtype, num_step, class_num):
    """(num_step, 1, class_num) float32 logits from one .bin; dtype None = decide by the file size."""
    size = os.path.getsize(path)
    if dtype is None:
        by_size = {num_step * class_num * np.dtype(t).itemsize: name for name, t in DTYPES.items()}
        if size not in by_size:
            raise CRNNError(f"{path}: {size} bytes is neither float32 nor float16 ({num_step}x{class_num}) logits")
        dtype = by_size[size]
    values = np.fromfile(path, dtype=DTYPES[dtype])
    if values.size != num_step * class_num:
        raise CRNNError(f"{path}: {values.size} {dtype} values, expected {num_step}x{class_num}")
    return values.astype(np.float32).reshape(num_step, 1, class_num)


def postprocess(config):
    """Print the zoo's lines for the .bin results in config.result_path; return the accuracy."""
    if not os.path.isdir(config.result_path or ""):
        raise CRNNError(f"result_path {config.result_path!r} is not a directory")
    ann_file = config.ann_file or ""
    if os.path.isdir(ann_file):  # a dataset folder: its kind's default annotation file
        root, annotation = ann_file, None
    elif os.path.isfile(ann_file):  # the annotation file itself; image paths are relative to its folder
        root, annotation = os.path.dirname(os.path.abspath(ann_file)), ann_file
    else:
        raise CRNNError(f"ann_file {config.ann_file!r}: neither an annotation file nor a dataset folder")
    codec = LabelCodec(config.label_dict, config.max_text_length)
    samples, _ = select_samples(get_parser(config.dataset)(root, False, annotation), codec, config.num_step, False,
                                config.dataset, config.word_filter)
    info = read_output_info(config.result_path)
    dtype = info[0] if info else None
    found = [(sample, result_file(config.result_path, root, sample.path)) for sample in samples]
    for sample, path in found:
        if path is None:
            logger.warning("no result for %s (%s)", sample.path, sample.origin)
    with_result = [(sample, path) for sample, path in found if path is not None]
    missing = len(samples) - len(with_result)
    if missing:
        print(f"skipped {missing} of {len(samples)} annotated images: no result file in {config.result_path}")
    if not with_result:
        raise CRNNError(f"none of the {len(samples)} annotated images has a result in {config.result_path}")
    logit_batches = (load_logits(path, dtype, config.num_step, config.class_num) for _, path in with_result)
    readings = read_words(logit_batches, [sample for sample, _ in with_result], WordDecoder(config))
    metric = score(readings, CRNNAccuracy(config, print_flag=config.print_flag))
    accuracy = metric.eval()
    print("result CRNNAccuracy is: ", accuracy)  # the zoo's line, with print's separator
    print(f"metric_mode: {metric.mode}")
    return accuracy

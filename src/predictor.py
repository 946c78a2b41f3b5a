"""predict.py: text from image files, folders or globs, with a checkpoint, an ONNX or a MINDIR model."""
import glob
import json
import os
import sys

from tqdm import tqdm

from src.checkpoint import checkpoint_or_shipped
from src.dataset import batched_dataset, readable_samples
from src.errors import CRNNError
from src.model_alphabet import use_model_alphabet
from src.readers import IMAGE_SUFFIXES, Sample, is_image_name
from src.recognizer import Recognizer, WordDecoder, image_batches, read_words

PROGRESS_FROM = 256  # images; smaller inputs print no progress bar


def collect_images(inputs):
    """Sorted image paths from files, folders (searched recursively) and glob patterns."""
    if not inputs:
        raise CRNNError("no input: give image files, folders or glob patterns")
    found = []
    for item in inputs:
        if os.path.isdir(item):
            for folder, _, names in os.walk(item):
                found += [os.path.join(folder, n) for n in sorted(names) if is_image_name(n)]
        elif os.path.isfile(item):
            found.append(item)
        elif glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise CRNNError(f"pattern {item!r} matches no file")
            found += [m for m in matches if os.path.isfile(m)]
        else:
            raise CRNNError(f"input {item!r} is not a file, folder or glob pattern")
    paths = sorted(dict.fromkeys(found))
    if not paths:
        raise CRNNError(f"no images ({', '.join(IMAGE_SUFFIXES)}) under {', '.join(inputs)}")
    return paths


def _model_path(config):
    """--checkpoint_path, else an ONNX/MINDIR --file_name, else the shipped model."""
    if not config.checkpoint_path and config.file_name.lower().endswith((".onnx", ".mindir")):
        return config.file_name
    return checkpoint_or_shipped(config.checkpoint_path, config)


def predict(config, out=sys.stdout):
    """Print one line per readable image; return (results list, unreadable count). CRNNError when no
    image can be read."""
    paths = collect_images(config.inputs)
    samples, failures = readable_samples([Sample(p, "", "input") for p in paths], "predict")
    if failures:
        print(f"skipped {len(failures)} unreadable images of {len(paths)}", file=sys.stderr)
    if not samples:
        raise CRNNError(f"none of the {len(paths)} image(s) could be read (first: {failures[0]})")
    model_path = _model_path(config)
    use_model_alphabet(config, model_path)
    recognizer = Recognizer.load(config, model_path)
    dataset = batched_dataset(samples, config, config.batch_size, False)
    batches = tqdm(image_batches(dataset), total=-(-len(samples) // config.batch_size), desc="predicting",
                   unit="batch", disable=len(samples) < PROGRESS_FROM, file=sys.stderr)
    readings = read_words((recognizer.logits(images) for images in batches), samples, WordDecoder(config))
    results = []
    for sample, text, confidence in readings:
        results.append((sample.path, text, confidence))
        if config.output_format == "jsonl":
            print(json.dumps({"path": sample.path, "text": text, "confidence": round(confidence, 4)}), file=out)
        else:
            print(f"{sample.path}\t{text}\t{confidence:.4f}", file=out)
    return results, len(failures)

"""predict.py: text from image files, folders or globs, with a checkpoint, an ONNX or a MINDIR model."""
import glob
import json
import logging
import os
import sys

import numpy as np
from tqdm import tqdm

from src.dataset import decode_image, preprocess
from src.errors import CRNNError
from src.label import LabelCodec
from src.lexicon import Lexicon, LexiconDecoder, greedy_confidence

logger = logging.getLogger("crnn")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
PROGRESS_FROM = 256  # images; smaller inputs print no progress bar


def collect_images(inputs):
    """Sorted image paths from files, folders (searched recursively) and glob patterns."""
    if not inputs:
        raise CRNNError("no input: give image files, folders or glob patterns")
    found = []
    for item in inputs:
        if os.path.isdir(item):
            for folder, _, names in os.walk(item):
                found += [os.path.join(folder, n) for n in sorted(names) if n.lower().endswith(IMAGE_EXTENSIONS)]
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
        raise CRNNError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) under {', '.join(inputs)}")
    return paths


def _model_path(config):
    if config.checkpoint_path:
        return config.checkpoint_path
    if config.file_name.lower().endswith((".onnx", ".mindir")):
        return config.file_name
    raise CRNNError("no model: pass --checkpoint_path C.ckpt, or --file_name M.onnx / M.mindir")


def load_recognizer(config):
    """A function float32 (B, 3, H, W) -> (T, B, C) logits, for the configured model file."""
    path = _model_path(config)
    if not os.path.isfile(path):
        raise CRNNError(f"model {path!r} not found")
    if path.lower().endswith(".onnx"):
        from src.onnx_inference import open_session, run_logits  # pylint: disable=import-outside-toplevel
        session = open_session(path, config.device_target)
        return lambda images: run_logits(session, images)
    import mindspore as ms  # pylint: disable=import-outside-toplevel
    from src.model_utils.device_adapter import set_device  # pylint: disable=import-outside-toplevel
    set_device(config)
    if path.lower().endswith(".mindir"):
        try:
            graph = ms.nn.GraphCell(ms.load(path))
        except (RuntimeError, ValueError) as err:
            raise CRNNError(f"MINDIR {path} cannot be loaded: {str(err).splitlines()[0][:200]}") from None

        def run_mindir(images):
            try:
                return graph(ms.Tensor(images)).asnumpy()
            except (RuntimeError, ValueError):  # exported with a static batch (the zoo's batch 1)
                return np.concatenate([graph(ms.Tensor(images[i:i + 1])).asnumpy() for i in range(len(images))], 1)
        return run_mindir
    from src.evaluator import load_eval_network  # pylint: disable=import-outside-toplevel
    net = load_eval_network(config, path)
    return lambda images: net(ms.Tensor(images)).asnumpy()


def predict(config, out=sys.stdout):
    """Print one line per readable image; return (results list, unreadable count)."""
    paths = collect_images(config.inputs)
    recognize = load_recognizer(config)
    codec = LabelCodec(config.label_dict, config.max_text_length)
    lexicon = Lexicon(config.lexicon) if config.lexicon else None
    decoder = LexiconDecoder(codec) if lexicon else None
    results, unreadable = [], 0
    batches = range(0, len(paths), config.batch_size)
    for start in tqdm(batches, desc="predicting", unit="batch", disable=len(paths) < PROGRESS_FROM, file=sys.stderr):
        chunk, images = [], []
        for path in paths[start:start + config.batch_size]:
            try:
                images.append(preprocess(decode_image(path), config.image_width, config.image_height))
                chunk.append(path)
            except (OSError, ValueError, SyntaxError) as err:
                unreadable += 1
                print(f"skipped unreadable image {path}: {err}", file=sys.stderr)
        if not chunk:
            continue
        logits = recognize(np.stack(images))
        for index, path in enumerate(chunk):
            frame_logits = logits[:, index, :]
            if decoder:
                text, confidence = decoder.decode(frame_logits, lexicon.words_for(path))
            else:
                text = codec.greedy_decode(frame_logits[:, None, :])[0]
                confidence = greedy_confidence(frame_logits)
            results.append((path, text, confidence))
            if config.output_format == "jsonl":
                print(json.dumps({"path": path, "text": text, "confidence": round(confidence, 4)}), file=out)
            else:
                print(f"{path}\t{text}\t{confidence:.4f}", file=out)
    if unreadable:
        print(f"skipped {unreadable} unreadable images of {len(paths)}", file=sys.stderr)
    return results, unreadable

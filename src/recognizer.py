"""The one inference path: a model (checkpoint, ONNX, MINDIR or a live network) turns image batches into
logits, and one loop decodes logits into words (greedy or with a lexicon) for whoever asks: eval.py,
eval_onnx.py, predict.py, plot.py, postprocess.py and evaluation while training.

    files -> reader -> preprocess (src.dataset) -> Recognizer.logits -> read_words -> metric or output
"""
import os
import time

import numpy as np

from src.errors import CRNNError
from src.label import LabelCodec
from src.lexicon import Lexicon, LexiconDecoder, greedy_confidence

MODEL_SUFFIXES = (".ckpt", ".onnx", ".mindir")


class Recognizer:
    """A model as one function, float32 (B, 3, H, W) -> float32 (T, B, C) logits, timing itself."""

    def __init__(self, run, description):
        self._run = run
        self.description = description
        self.seconds = 0.0
        self.images = 0

    def logits(self, images):
        start = time.perf_counter()
        out = np.asarray(self._run(np.ascontiguousarray(images, np.float32)))
        self.seconds += time.perf_counter() - start
        self.images += len(images)
        return out

    @classmethod
    def from_network(cls, net):
        """A MindSpore network already built and loaded (evaluation while training)."""
        import mindspore as ms  # pylint: disable=import-outside-toplevel
        return cls(lambda images: net(ms.Tensor(images)).asnumpy(), "MindSpore")

    @classmethod
    def load(cls, config, path):
        """The model in path, by its extension: .ckpt (MindSpore), .onnx (onnxruntime), .mindir (MindSpore)."""
        if not path or not os.path.isfile(path):
            raise CRNNError(f"model {path!r} not found")
        lower = path.lower()
        if lower.endswith(".onnx"):
            from src.onnx_inference import open_session, run_logits  # pylint: disable=import-outside-toplevel
            ort_session = open_session(path, config.device_target)
            return cls(lambda images: run_logits(ort_session, images), f"onnxruntime, {ort_session.get_providers()[0]}")
        from src.model_utils.device_adapter import set_device  # pylint: disable=import-outside-toplevel
        set_device(config)
        if lower.endswith(".mindir"):
            return cls(_mindir_runner(path), "MindSpore MINDIR")
        from src.checkpoint import load_eval_network  # pylint: disable=import-outside-toplevel
        return cls.from_network(load_eval_network(config, path))


def _mindir_runner(path):
    import mindspore as ms  # pylint: disable=import-outside-toplevel
    try:
        graph = ms.nn.GraphCell(ms.load(path))
    except (RuntimeError, ValueError) as err:
        raise CRNNError(f"MINDIR {path} cannot be loaded: {str(err).splitlines()[0][:200]}") from None

    def run(images):
        try:
            return graph(ms.Tensor(images)).asnumpy()
        except (RuntimeError, ValueError):  # exported with a static batch (the zoo's batch 1)
            return np.concatenate([graph(ms.Tensor(images[i:i + 1])).asnumpy() for i in range(len(images))], 1)
    return run


class WordDecoder:
    """(T, B, C) logits of a batch of samples -> [(word, confidence)]: greedy CTC decoding, or the most
    probable word of each image's lexicon (config.lexicon: one list for all, or per-image lines)."""

    def __init__(self, config, dataset_root=None):
        self.codec = LabelCodec(config.label_dict, config.max_text_length)
        self.lexicon = Lexicon(config.lexicon) if config.lexicon else None
        self.lexicon_decoder = LexiconDecoder(self.codec) if self.lexicon else None
        self.dataset_root = dataset_root

    def __call__(self, logits, samples):
        if self.lexicon is None:
            words = self.codec.greedy_decode(logits)
            return [(word, greedy_confidence(logits[:, i, :])) for i, word in enumerate(words)]
        return [self.lexicon_decoder.decode(logits[:, i, :], self.lexicon.words_for(s.path, self.dataset_root))
                for i, s in enumerate(samples)]


def image_batches(dataset):
    """float32 image batches of a dataset made by src.dataset.batched_dataset, in its order."""
    for images, _ in dataset.create_tuple_iterator(num_epochs=1, output_numpy=True):
        yield images


def read_words(logit_batches, samples, decode):
    """The decode loop: [(sample, word, confidence)] for logit batches that follow samples in order."""
    readings, seen = [], 0
    for logits in logit_batches:
        batch = samples[seen:seen + logits.shape[1]]
        readings += [(s, word, confidence) for s, (word, confidence) in zip(batch, decode(logits, batch))]
        seen += len(batch)
    if seen != len(samples):
        raise CRNNError(f"the model produced {seen} readings for {len(samples)} images")
    return readings


def recognize(recognizer, dataset, samples, decode):
    """read_words over the recognizer's logits of every batch of dataset (which holds samples in order)."""
    return read_words((recognizer.logits(images) for images in image_batches(dataset)), samples, decode)


def score(readings, metric):
    """Feed (sample, word, confidence) readings into a CRNNAccuracy; return it."""
    metric.update_texts([word for _, word, _ in readings], [s.text for s, _, _ in readings])
    return metric

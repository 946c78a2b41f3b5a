"""create_dataset: files -> reader -> the one preprocessing -> batches of (image, label).

Preprocessing is the zoo's: decode, RGB -> BGR, resize to 32x100 (aspect not kept), (x - 127.5) / 127.5,
HWC -> CHW, except that a side that shrinks is resampled by area (the zoo: bilinear, which aliases large
crops). Training, evaluation and inference all call `preprocess`.
"""
import io
import logging
from collections import Counter

import cv2
import numpy as np
import mindspore.dataset as ds
from PIL import Image

from src.augment import augment_crop
from src.errors import CRNNError
from src.label import LabelCodec, ctc_frames_needed
from src.readers import label_rules
from src.readers.parts import part_samples
from src.readers.lmdb_reader import close_lmdb_environments, is_lmdb_path, read_lmdb_bytes

logger = logging.getLogger("crnn")


def read_image_bytes(path):
    """Encoded bytes of an image file or of an lmdb entry ('<root>::image-%09d')."""
    if is_lmdb_path(path):
        return read_lmdb_bytes(path)
    with open(path, "rb") as handle:
        return handle.read()


def decode_image(path):
    """BGR uint8 (H, W, 3) array of an image, as the zoo decodes it (PIL, RGB, channels reversed)."""
    with Image.open(io.BytesIO(read_image_bytes(path))) as image:
        rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def preprocess(image_bgr, width=100, height=32):
    """float32 (3, height, width) in [-1, 1] from a BGR uint8 image.

    A side that shrinks is averaged over pixel areas, a side that grows is interpolated bilinearly.
    Bilinear alone reads only the two source pixels nearest each output pixel, so a 100 px tall crop
    shrunk to 32 keeps every third row or so and its strokes break up; the renderer and the crop
    augmentation shrink by area, so the network is trained on area-shrunk words.
    """
    rows, cols = image_bgr.shape[:2]
    if rows > height or cols > width:
        image_bgr = cv2.resize(image_bgr, (min(cols, width), min(rows, height)), interpolation=cv2.INTER_AREA)
    resized = cv2.resize(image_bgr, (width, height), interpolation=cv2.INTER_LINEAR)
    return ((resized.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)


def select_samples(samples, codec, num_step, is_training, dataset_name, word_filter="zoo"):
    """Keep the samples whose labels the network can learn from or be scored on; count the rest.

    Characters outside the alphabet drop the word or are stripped from it, and words shorter than a
    minimum are dropped, following the dataset kind's rules in DATASET_KINDS (word_filter "alnum" lowers every
    minimum to 1). A label longer than max_text_length, or (training) needing more CTC frames than
    num_step, is dropped. Returns (kept samples with normalized text, Counter of drop reasons).
    """
    unknown_rule, min_length = label_rules(dataset_name, is_training)
    if word_filter == "alnum":
        min_length = 1
    kept, dropped = [], Counter()
    for sample in samples:
        text = codec.normalize(sample.text)
        if unknown_rule == "strip":
            text = codec.strip_unknown(text)
        if codec.unknown_chars(text):
            dropped["characters outside label_dict"] += 1
        elif len(text) < max(min_length, 1):
            dropped["empty label" if not text else f"shorter than {min_length} characters"] += 1
        elif len(text) > codec.max_text_length:
            dropped[f"longer than max_text_length={codec.max_text_length}"] += 1
        elif is_training and ctc_frames_needed(text) > num_step:
            dropped[f"needs more than num_step={num_step} CTC frames"] += 1
        else:
            kept.append(sample._replace(text=text))
    for reason, count in dropped.items():
        logger.warning("%s: dropped %d samples: %s", dataset_name, count, reason)
    return kept, dropped


def readable_samples(samples, dataset_name):
    """Samples whose image decodes; the others are counted and logged (evaluation scans up front)."""
    kept, failures = [], []
    for sample in samples:
        try:
            decode_image(sample.path)
        except (OSError, ValueError, SyntaxError) as err:
            failures.append(f"{sample.path} ({sample.origin}): {err}")
            logger.warning("%s: skipped unreadable image %s", dataset_name, failures[-1])
            continue
        kept.append(sample)
    if failures:
        logger.warning("%s: skipped %d unreadable images of %d", dataset_name, len(failures), len(samples))
    return kept, failures


class WordImageSource:
    """Random-access source of (preprocessed image, encoded label) for GeneratorDataset.

    Item i is samples[order[i]] (order: the run's reading order; default, file order). Where augment
    (one flag per sample) is set, the image is augmented with a generator seeded by
    (*augment_seed, position_offset + i), so the same position of the same run looks the same after
    a resume and a sample that comes round again looks different.

    An image that fails to decode during training is replaced by the next readable sample (wrapping
    around) and counted in `unreadable`, so one bad file in millions neither stops nor skews a run.
    """

    def __init__(self, samples, codec, width, height, order=None, augment=None, augment_seed=(), position_offset=0):
        self.samples = samples
        self.codec = codec
        self.width = width
        self.height = height
        self.order = np.arange(len(samples)) if order is None else np.asarray(order)
        self.augment = augment
        self.augment_seed = list(augment_seed)
        self.position_offset = position_offset
        self.unreadable = set()

    def __len__(self):
        return len(self.order)

    def _read(self, index):
        """(BGR image, sample) of samples[index] or of the next readable sample."""
        for offset in range(len(self.samples)):
            sample = self.samples[(index + offset) % len(self.samples)]
            try:
                return decode_image(sample.path), sample
            except (OSError, ValueError, SyntaxError) as err:
                if sample.path not in self.unreadable:
                    self.unreadable.add(sample.path)
                    logger.warning("unreadable image %s (%s), using the next sample: %s (%d so far)",
                                   sample.path, sample.origin, err, len(self.unreadable))
        raise CRNNError("no image of the dataset can be read")

    def __getitem__(self, position):
        index = int(self.order[position])
        image, sample = self._read(index)
        if self.augment is not None and self.augment[index]:
            rng = np.random.default_rng(self.augment_seed + [self.position_offset + int(position)])
            image = augment_crop(image, rng)
        return preprocess(image, self.width, self.height), self.codec.encode(sample.text)


def load_samples(name, dataset_path, is_training, config, scan_images=None):
    """Parsed and filtered samples of a dataset (raises CRNNError if the path is missing or empty).

    dataset_path may name a part of a set, 'root@train' or 'root@val' (src.readers.parts).

    scan_images (default: when evaluating) decodes every image once and drops unreadable ones.
    """
    codec = LabelCodec(config.label_dict, config.max_text_length)
    samples = part_samples(name, dataset_path, is_training)
    samples, _ = select_samples(samples, codec, config.num_step, is_training, name, config.word_filter)
    if scan_images is None:
        scan_images = not is_training
    if scan_images:
        samples, _ = readable_samples(samples, name)
    if not samples:
        raise CRNNError(f"{name} dataset at {dataset_path} has no usable samples")
    return samples


def epoch_sample_order(num_samples, batch_size, seed, epoch, num_shards=1, shard_id=0):
    """Indices one shard trains on in one epoch: a permutation fixed by (seed, epoch), split into
    num_shards disjoint equal parts, cut to whole batches.

    Every rank computes the same permutation, so the shards never overlap, and a resumed run
    recomputes exactly the order the interrupted run was following.
    """
    order = np.random.default_rng([seed, epoch]).permutation(num_samples)
    per_shard = num_samples // num_shards
    shard = order[shard_id::num_shards][:per_shard]
    return shard[:len(shard) // batch_size * batch_size]


def batched_dataset(samples, config, batch_size, is_training, sample_order=None, augment=None, augment_seed=(),
                    position_offset=0):
    """Batched mindspore dataset over already loaded samples.

    sample_order (a sequence of indices into samples) fixes which samples are read and in what
    order; without it training shuffles and drops the last partial batch, and evaluation reads
    every sample in file order. augment, augment_seed, position_offset: see WordImageSource.
    """
    codec = LabelCodec(config.label_dict, config.max_text_length)
    source = WordImageSource(samples, codec, config.image_width, config.image_height, sample_order, augment,
                             augment_seed, position_offset)
    close_lmdb_environments()  # the pipeline's worker processes must open their own
    dataset = ds.GeneratorDataset(source, ["image", "label"], shuffle=is_training and sample_order is None,
                                  num_parallel_workers=config.num_parallel_workers)
    return dataset.batch(batch_size, drop_remainder=is_training)


def create_dataset(name, dataset_path, batch_size=1, num_shards=1, shard_id=0, is_training=True, config=None):
    """Batched mindspore dataset with columns image (B, 3, H, W) float32 and label (B, max_text_length) int32.

    Training shuffles (shard shard_id of num_shards, epoch 0 of the seeded order) and drops the last
    partial batch; evaluation keeps the file order and every sample.
    """
    samples = load_samples(name, dataset_path, is_training, config)
    order = None
    if is_training:
        order = epoch_sample_order(len(samples), batch_size, config.seed, 0, num_shards, shard_id)
    return batched_dataset(samples, config, batch_size, is_training, order)

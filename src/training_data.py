"""What train.py trains on: one dataset, or several mixed with fixed shares of every batch.

    --train_dataset synth,iiit5k,svt --train_dataset_path D1,D2,D3 --train_batch_ratio 0.75,0.22,0.03

With a mix, every batch holds round(ratio * batch_size) samples of each set (largest remainders make
them add up to batch_size). An epoch is as many samples as the first set holds. Each set is read as an
endless stream of seeded permutations, so a small set cycles while a large one is still on its first
pass; sets other than `synth` (real crops) are augmented afresh each time they come round. The order
and the augmentation are fixed by (seed, step), which keeps resume exact and ranks disjoint.
"""
import logging
import os

import numpy as np

from src.dataset import epoch_sample_order, load_samples
from src.errors import CRNNError
from src.readers import DATASET_KINDS
from src.readers.parts import split_part

logger = logging.getLogger("crnn")

# Generated words need no augmentation: every one is new. Real crops of any other kind get it.
UNAUGMENTED_KINDS = ("synth",)


def _split_list(text, key):
    items = [item.strip() for item in str(text).split(",")]
    if any(not item for item in items):
        raise CRNNError(f"{key} {text!r} has an empty entry")
    return items


def batch_shares(ratios, batch_size):
    """Samples of each set per batch: ratios scaled to batch_size, rounded by largest remainder."""
    ratios = np.asarray(ratios, np.float64)
    exact = ratios / ratios.sum() * batch_size
    shares = np.floor(exact).astype(int)
    for index in np.argsort(-(exact - shares), kind="stable")[:batch_size - shares.sum()]:
        shares[index] += 1
    return [int(s) for s in shares]


def parse_mix(config):
    """[(kind, path, ratio)] from train_dataset, train_dataset_path and train_batch_ratio; CRNNError names
    what does not fit."""
    kinds = _split_list(config.train_dataset, "train_dataset")
    paths = _split_list(config.train_dataset_path, "train_dataset_path") if config.train_dataset_path else [""]
    for kind in kinds:
        if kind not in DATASET_KINDS:
            raise CRNNError(f"train_dataset: unknown dataset kind {kind!r}; choose from {', '.join(DATASET_KINDS)}")
    if len(paths) != len(kinds):
        raise CRNNError(f"train_dataset names {len(kinds)} set(s) ({config.train_dataset}) but train_dataset_path "
                        f"gives {len(paths)} path(s)")
    if not config.train_batch_ratio:
        if len(kinds) > 1:
            raise CRNNError(f"train_dataset names {len(kinds)} sets: give their shares of a batch with "
                            "train_batch_ratio, e.g. 0.75,0.25")
        return [(kinds[0], paths[0], 1.0)]
    texts = _split_list(config.train_batch_ratio, "train_batch_ratio")
    if len(texts) != len(kinds):
        raise CRNNError(f"train_batch_ratio gives {len(texts)} ratio(s) for {len(kinds)} set(s) in train_dataset")
    ratios = []
    for text in texts:
        try:
            ratio = float(text)
        except ValueError:
            raise CRNNError(f"train_batch_ratio: {text!r} is not a number") from None
        if not ratio > 0 or not np.isfinite(ratio):
            raise CRNNError(f"train_batch_ratio: every ratio must be positive, got {text}")
        ratios.append(ratio)
    return list(zip(kinds, paths, ratios))


def held_out_split_reason(kind, root, samples):
    """Why a training set looks like a benchmark's test split (then it must not be trained on), or ''."""
    if kind not in ("iiit5k", "ic13", "ic03"):  # only these benchmarks' test splits are recognisable
        return ""
    root = os.path.abspath(split_part(root)[0])
    for sample in samples:
        relative = os.path.relpath(os.path.realpath(sample.path), os.path.realpath(root)).split(os.sep)
        linked = os.path.relpath(sample.path, root).split(os.sep)
        if kind == "iiit5k" and "test" in (relative[0], linked[0]):
            return f"its images are in IIIT5K's test folder ({sample.path})"
        if kind in ("ic13", "ic03") and "test" in os.path.basename(sample.origin.rsplit(":", 1)[0]).lower():
            return f"its annotations are a test file ({sample.origin})"
    return ""


class TrainingData:
    """The samples of every training set, concatenated, and the order a shard reads them in each epoch."""

    def __init__(self, config, group_size):
        self.mix = parse_mix(config)
        self.batch_size = config.batch_size
        self.seed = config.seed
        self.sets = [load_samples(kind, path, True, config) for kind, path, _ in self.mix]
        for (kind, path, _), samples in zip(self.mix, self.sets):
            reason = held_out_split_reason(kind, path, samples)
            if reason:
                raise CRNNError(f"train_dataset {kind} at {path} is a test split: {reason}. Train on train "
                                "splits only (IIIT5K train, SVT train, ...) and keep test splits for eval.py")
        self.samples = [sample for samples in self.sets for sample in samples]
        self.offsets = np.cumsum([0] + [len(s) for s in self.sets])[:-1]
        self.shares = batch_shares([ratio for _, _, ratio in self.mix], self.batch_size)
        if len(self.mix) > 1 and min(self.shares) == 0:
            raise CRNNError(f"train_batch_ratio {config.train_batch_ratio} gives a set no sample in a batch of "
                            f"{self.batch_size} (shares {self.shares}): raise its ratio or the batch size")
        self.augment = None
        if len(self.mix) > 1:
            self.augment = np.concatenate([np.full(len(s), kind not in UNAUGMENTED_KINDS)
                                           for (kind, _, _), s in zip(self.mix, self.sets)])
        self.steps_per_epoch = len(self.sets[0]) // group_size // self.batch_size
        if self.steps_per_epoch == 0:
            raise CRNNError(f"training set at {self.mix[0][1]} ({len(self.sets[0])} samples) is smaller than "
                            f"one batch of {self.batch_size} per rank on {group_size} rank(s)")

    @property
    def is_mix(self):
        return len(self.mix) > 1

    def describe(self):
        if not self.is_mix:
            kind, path, _ = self.mix[0]
            return f"{kind} at {path}: {len(self.samples)} samples"
        return ", ".join(f"{kind} at {path}: {len(s)} samples, {share} per batch"
                         for (kind, path, _), s, share in zip(self.mix, self.sets, self.shares))

    def samples_drawn(self, steps, group_size):
        """{kind: samples read} after steps training steps on every rank: what each set gave the run."""
        if not self.is_mix:
            return {self.mix[0][0]: steps * self.batch_size * group_size}
        drawn = {}
        for (kind, _, _), share in zip(self.mix, self.shares):
            drawn[kind] = drawn.get(kind, 0) + steps * share * group_size
        return drawn

    def epoch_order(self, epoch, num_shards=1, shard_id=0):
        """Indices into self.samples that shard shard_id reads in epoch (0-based), batch after batch."""
        if not self.is_mix:
            return epoch_sample_order(len(self.samples), self.batch_size, self.seed, epoch, num_shards, shard_id)
        steps = np.arange(epoch * self.steps_per_epoch, (epoch + 1) * self.steps_per_epoch)
        parts = []
        for set_id, (samples, share, offset) in enumerate(zip(self.sets, self.shares, self.offsets)):
            # Position in this set's stream of the j-th sample of a step's share, for this shard.
            positions = ((steps[:, None] * num_shards + shard_id) * share + np.arange(share)[None, :])
            parts.append(offset + self._stream(set_id, len(samples), positions))
        return np.concatenate(parts, axis=1).reshape(-1)

    def _stream(self, set_id, size, positions):
        """Element positions of the endless stream of seeded permutations of range(size)."""
        cycles, within = np.divmod(positions, size)
        out = np.empty_like(positions)
        for cycle in np.unique(cycles):
            permutation = np.random.default_rng([self.seed, 1 + set_id, int(cycle)]).permutation(size)
            selected = cycles == cycle
            out[selected] = permutation[within[selected]]
        return out

"""What the training loop does besides stepping: step logs and metrics, checkpoints, evaluation."""
import glob
import hashlib
import json
import logging
import os
import time

import numpy as np
import mindspore as ms

from src.checkpoint import load_network_checkpoint, read_checkpoint, save_checkpoint_atomic
from src.checkpoint_files import step_checkpoint_name, step_checkpoints
from src.metric import CRNNAccuracy
from src.recognizer import Recognizer, WordDecoder, recognize, score

logger = logging.getLogger("crnn")


def format_eta(seconds):
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def weights_digest(net):
    """sha256 over the network's parameters in name order: equal digests mean bit-identical weights."""
    digest = hashlib.sha256()
    for param in sorted(net.get_parameters(), key=lambda p: p.name):
        digest.update(param.name.encode())
        digest.update(np.ascontiguousarray(param.asnumpy()).tobytes())
    return digest.hexdigest()


class MetricsWriter:
    """Appends one JSON object per line to <run dir>/metrics.jsonl (step records and eval records)."""

    def __init__(self, path, enabled=True):
        self.path = path
        self.enabled = enabled

    def write(self, record):
        if not self.enabled:
            return
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


class StepLogger:
    """Every per_print_time steps: one log line (loss averaged over the window, lr, speed, ETA)."""

    def __init__(self, config, steps_per_epoch, total_steps, metrics, lr_values):
        self.config = config
        self.steps_per_epoch = steps_per_epoch
        self.total_steps = total_steps
        self.metrics = metrics
        self.lr_values = lr_values
        self.window = []
        self.window_start = self.run_start = time.time()

    def step(self, global_step, epoch, step_in_epoch, loss, first=False):
        self.window.append(loss)
        if not (global_step % self.config.per_print_time == 0 or global_step == self.total_steps or first):
            return
        elapsed = max(time.time() - self.window_start, 1e-9)
        ms_per_step = 1000.0 * elapsed / len(self.window)
        img_s = self.config.batch_size * len(self.window) / elapsed
        lr = float(self.lr_values[global_step - 1])
        mean_loss = float(np.mean(self.window))
        # The zoo's line (loss averaged over the window here), then throughput and ETA.
        logger.info("epoch: [%d/%d] step: [%d/%d], loss: %.6f, lr : %.6f, per step time: %.3f ms, %.1f img/s, ETA %s",
                    epoch, self.config.epoch_size, step_in_epoch, self.steps_per_epoch, mean_loss, lr,
                    ms_per_step, img_s, format_eta((self.total_steps - global_step) * ms_per_step / 1000.0))
        self.metrics.write({"step": global_step, "epoch": epoch, "loss": mean_loss, "lr": lr,
                            "img_per_s": round(img_s, 2), "time": round(time.time() - self.run_start, 1)})
        self.window, self.window_start = [], time.time()

    def epoch_end(self, epoch, losses, seconds):
        """The zoo's epoch-end line: mean loss of the epoch's steps in this run, epoch and step time."""
        logger.info("epoch: [%d/%d], loss: %.6f, epoch time: %.3f ms, per step time: %.3f ms", epoch,
                    self.config.epoch_size, float(np.mean(losses)), seconds * 1000.0,
                    seconds * 1000.0 / max(len(losses), 1))


class CheckpointKeeper:
    """Saves crnn-<epoch>_<step>.ckpt atomically and keeps the newest keep_max of them."""

    def __init__(self, directory, keep_max, prefix="crnn", enabled=True, alphabet=None):
        self.directory = directory
        self.alphabet = alphabet
        self.keep_max = keep_max
        self.prefix = prefix
        self.enabled = enabled
        if enabled:
            os.makedirs(directory, exist_ok=True)
            self._remove_stale_temporaries()

    def _remove_stale_temporaries(self):
        # A process killed while saving leaves .<name>.tmp<pid>.ckpt behind; never a final name.
        for tmp in glob.glob(os.path.join(self.directory, f".{self.prefix}*.tmp*.ckpt")):
            os.remove(tmp)
            logger.warning("removed the partial checkpoint %s left by an interrupted save", tmp)

    def saved(self):
        return step_checkpoints(self.directory, self.prefix)

    def save(self, cell, epoch, step_in_epoch, global_step, name=None, average=None):
        """Save cell (and the weight average, when one is kept) under name or crnn-<epoch>_<step>.ckpt."""
        if not self.enabled:
            return ""
        name = name or step_checkpoint_name(epoch, step_in_epoch, self.prefix)
        path = os.path.join(self.directory, name)
        extra = {"epoch_num": epoch, "step_num": global_step}
        if average is not None:
            extra.update(average.entries())
        save_checkpoint_atomic(cell, path, extra, self.alphabet)
        logger.info("saved checkpoint %s (step %d)", path, global_step)
        for old in self.saved()[:-self.keep_max]:
            os.remove(old)
        return path


class EvalDuringTraining:
    """run_eval: accuracy on each train_eval_dataset every eval_interval epochs from eval_start_epoch;
    best_acc.ckpt (judged on the first set) when save_best_ckpt (ties go to the later epoch, as in the zoo).

    eval_sets: [(name, samples, dataset)]; with one set the log line and metrics are the zoo-era ones.
    average: the run's WeightAverage, scored beside the trained weights on every set (reported only).
    """

    def __init__(self, config, net, eval_sets, ckpt_dir, metrics, is_main_rank, average=None):
        self.config = config
        self.net = net
        self.recognizer = Recognizer.from_network(net)
        self.decode = WordDecoder(config)
        self.eval_sets = eval_sets
        self.ckpt_dir = ckpt_dir
        self.metrics = metrics
        self.is_main_rank = is_main_rank
        self.average = average
        self.best_accuracy, self.best_epoch = -1.0, 0
        if config.resume_ckpt and config.save_best_ckpt:
            self._restore_best()

    def _restore_best(self):
        """A resumed run competes with the best_acc.ckpt it made before the interruption, not from -1."""
        path = os.path.join(self.ckpt_dir, "best_acc.ckpt")
        if not os.path.isfile(path):
            return
        stored = read_checkpoint(path)
        if "best_accuracy" not in stored:
            logger.warning("%s holds no accuracy (written by an older version): the first evaluation replaces it",
                           path)
            return
        self.best_accuracy = float(stored["best_accuracy"].asnumpy())
        self.best_epoch = int(stored["epoch_num"].asnumpy()) if "epoch_num" in stored else 0
        logger.info("resumed best result: {%.6f} at epoch %d (%s)", self.best_accuracy, self.best_epoch, path)

    def due(self, epoch):
        start, interval = self.config.eval_start_epoch, self.config.eval_interval
        return epoch >= start and (epoch - start) % interval == 0

    def accuracy(self, eval_set=None):
        """Accuracy and 1-NED of the current weights on a whole evaluation set (default: the first)."""
        _, samples, dataset = eval_set or self.eval_sets[0]
        self.net.set_train(False)
        try:
            metric = score(recognize(self.recognizer, dataset, samples, self.decode), CRNNAccuracy(self.config))
        finally:
            self.net.set_train(True)
        return metric.eval(), metric.normalized_edit_similarity()

    def after_epoch(self, epoch, global_step, cell):
        if not self.due(epoch):
            return None
        start = time.time()
        scores = [(eval_set[0], *self.accuracy(eval_set)) for eval_set in self.eval_sets]
        _, accuracy, ned = scores[0]
        logger.info("epoch: {%d}, {acc}: {%.6f}", epoch, accuracy)  # the zoo's lines
        improved = accuracy >= self.best_accuracy
        if improved:
            self.best_accuracy, self.best_epoch = accuracy, epoch
            logger.info("update best result: {%.6f}", accuracy)
            if self.config.save_best_ckpt and self.is_main_rank:
                best_path = os.path.join(self.ckpt_dir, "best_acc.ckpt")
                save_checkpoint_atomic(cell, best_path, {"epoch_num": epoch, "step_num": global_step,
                                                         "best_accuracy": float(accuracy)}, self.config.label_dict)
                logger.info("update best checkpoint at: {%s}", best_path)
        others = "".join(f"; {name} accuracy {acc:.4f}, 1-NED {n:.4f}" for name, acc, n in scores[1:])
        logger.info("eval epoch %d step %d: accuracy %.4f, 1-NED %.4f%s (%.1f s); best %.4f at epoch %d%s",
                    epoch, global_step, accuracy, ned, others, time.time() - start, self.best_accuracy,
                    self.best_epoch, ", saved best_acc.ckpt" if improved and self.config.save_best_ckpt
                    and self.is_main_rank else "")
        record = {"step": global_step, "epoch": epoch, "eval_accuracy": accuracy, "eval_1_ned": ned}
        if len(scores) > 1:
            record.update({f"eval_{name}_accuracy": acc for name, acc, _ in scores})
        if self.average is not None:
            start = time.time()
            with self.average.swapped_in():
                averaged = [(eval_set[0], *self.accuracy(eval_set)) for eval_set in self.eval_sets]
            logger.info("eval epoch %d step %d, weight average: %s (%.1f s)", epoch, global_step,
                        "; ".join(f"{name} accuracy {acc:.4f}, 1-NED {n:.4f}" for name, acc, n in averaged),
                        time.time() - start)
            record.update({f"eval_{name}_average_accuracy": acc for name, acc, _ in averaged})
        self.metrics.write(record)
        return accuracy

    def all_saved(self, checkpoints, cell):
        """eval_all_saved_ckpts: score every saved checkpoint, keep the best as best_acc.ckpt, then
        restore the weights the run ended with. Returns {path: accuracy}."""
        final = {p.name: p.asnumpy().copy() for p in self.net.get_parameters()}
        scores = {}
        try:
            for path in checkpoints:
                load_network_checkpoint(self.net, path, self.config.model_version, alphabet=self.config.label_dict)
                scores[path], _ = self.accuracy()
                logger.info("eval %s: accuracy %.4f", os.path.basename(path), scores[path])
            if scores:
                best = max(scores, key=scores.get)
                logger.info("best saved checkpoint: %s, accuracy %.4f", os.path.basename(best), scores[best])
                if self.config.save_best_ckpt and self.is_main_rank and scores[best] > self.best_accuracy:
                    load_network_checkpoint(self.net, best, self.config.model_version)
                    save_checkpoint_atomic(self.net, os.path.join(self.ckpt_dir, "best_acc.ckpt"),
                                           {"best_accuracy": float(scores[best])}, self.config.label_dict)
                    self.best_accuracy = scores[best]
        finally:
            for param in self.net.get_parameters():
                param.set_data(ms.Tensor(final[param.name]))
        return scores

"""The training loop: data, network, loss, SGD + cosine schedule, logging, checkpoints."""
import glob
import json
import logging
import math
import os
import time

import numpy as np
import mindspore as ms
import mindspore.nn as nn

from src.checkpoint import save_checkpoint_atomic
from src.crnn import crnn
from src.crnn_for_train import TrainOneStepCellWithGradClip
from src.dataset import create_dataset
from src.errors import CRNNError
from src.loss import CTCLoss
from src.lr_schedule import cosine_lr_per_step
from src.model_utils.device_adapter import full_precision, get_rank_id, set_device

logger = logging.getLogger("crnn")


def setup_logging(log_dir, rank_id):
    """Log to <log_dir>/log.txt, and to stdout on the first rank of each node."""
    os.makedirs(log_dir, exist_ok=True)
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    formatter = logging.Formatter("%(asctime)s:%(levelname)s:%(message)s")
    handlers = [logging.FileHandler(os.path.join(log_dir, "log.txt"))]
    if rank_id % 8 == 0:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)


def _format_eta(seconds):
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class CheckpointKeeper:
    """Saves crnn-<epoch>_<step>.ckpt atomically and keeps the newest keep_max of them."""

    def __init__(self, directory, keep_max, prefix="crnn"):
        self.directory = directory
        self.keep_max = keep_max
        self.prefix = prefix
        os.makedirs(directory, exist_ok=True)

    def save(self, cell, epoch, step_in_epoch, global_step, name=None):
        name = name or f"{self.prefix}-{epoch}_{step_in_epoch}.ckpt"
        path = os.path.join(self.directory, name)
        save_checkpoint_atomic(cell, path, {"epoch_num": epoch, "step_num": global_step})
        saved = sorted(glob.glob(os.path.join(self.directory, f"{self.prefix}-*_*.ckpt")), key=os.path.getmtime)
        for old in saved[:-self.keep_max]:
            os.remove(old)
        return path


def build_train_cell(config, lr):
    """Network and one-step training cell whose optimizer follows the per-step learning rates lr."""
    net = crnn(config, full_precision=full_precision(config))
    if config.optimizer == "adam":
        optimizer = nn.Adam(net.trainable_params(), learning_rate=ms.Tensor(lr))
    else:
        optimizer = nn.SGD(net.trainable_params(), learning_rate=ms.Tensor(lr), momentum=config.momentum,
                           nesterov=config.nesterov)
    cell = TrainOneStepCellWithGradClip(nn.WithLossCell(net, CTCLoss(config.blank)), optimizer)
    cell.set_train()
    return net, cell


_NOT_YET = {"resume_ckpt": "resuming", "run_eval": "evaluation while training",
            "eval_all_saved_ckpts": "evaluating all saved checkpoints", "run_distribute": "distributed training",
            "enable_modelarts": "ModelArts"}


def train(config):
    """Train on config.train_dataset; return a summary dict (steps, final loss, checkpoint path)."""
    for key, what in _NOT_YET.items():
        if getattr(config, key):
            raise CRNNError(f"{key}: {what} is not implemented in this version yet; remove --{key}")
    set_device(config)
    ms.set_seed(config.seed)
    rank_id = get_rank_id()
    setup_logging(os.path.join(config.output_dir, "log", f"rank_{rank_id}"), rank_id)
    dataset = create_dataset(config.train_dataset, config.train_dataset_path, config.batch_size,
                             is_training=True, config=config)
    steps_per_epoch = dataset.get_dataset_size()
    if steps_per_epoch == 0:
        raise CRNNError(f"training set at {config.train_dataset_path} is smaller than one batch "
                        f"of {config.batch_size}")
    total_steps = steps_per_epoch * config.epoch_size
    if config.max_steps > 0:
        total_steps = min(total_steps, config.max_steps)
    lr_values = cosine_lr_per_step(config.learning_rate, steps_per_epoch, config.epoch_size)
    _, cell = build_train_cell(config, lr_values)
    keeper = CheckpointKeeper(os.path.join(config.output_dir, "ckpt"), config.keep_checkpoint_max)
    metrics_path = os.path.join(config.output_dir, "metrics.jsonl")
    logger.info("training %s on %s: %d samples/epoch, %d steps/epoch, %d steps in total, batch %d",
                config.model_version, config.train_dataset_path, steps_per_epoch * config.batch_size,
                steps_per_epoch, total_steps, config.batch_size)

    global_step, losses, last_ckpt = 0, [], ""
    window_start, window_steps, run_start = time.time(), 0, time.time()
    with open(metrics_path, "a", encoding="utf-8") as metrics:
        for epoch in range(1, config.epoch_size + 1):
            iterator = dataset.create_tuple_iterator(num_epochs=1)
            for step_in_epoch, (images, labels) in enumerate(iterator, 1):
                loss = float(cell(images, labels).asnumpy().mean())
                global_step += 1
                window_steps += 1
                losses.append(loss)
                if not math.isfinite(loss):
                    path = keeper.save(cell, epoch, step_in_epoch, global_step,
                                       name=f"crnn-nonfinite-{epoch}_{step_in_epoch}.ckpt")
                    raise CRNNError(f"loss became {loss} at epoch {epoch} step {step_in_epoch}; the update was "
                                    f"skipped and the weights before it saved to {path}. Lower learning_rate "
                                    f"or check the labels.")
                done = global_step >= total_steps
                if global_step % config.per_print_time == 0 or done or global_step == 1:
                    elapsed = time.time() - window_start
                    ms_per_step = 1000.0 * elapsed / window_steps
                    img_s = config.batch_size * window_steps / max(elapsed, 1e-9)
                    eta = (total_steps - global_step) * ms_per_step / 1000.0
                    lr = float(lr_values[global_step - 1])
                    mean_loss = float(np.mean(losses[-window_steps:]))
                    logger.info("epoch: [%d/%d] step: [%d/%d], loss: %.4f, lr: %.6f, %.1f ms/step, %.1f img/s, "
                                "ETA %s", epoch, config.epoch_size, step_in_epoch, steps_per_epoch,
                                mean_loss, lr, ms_per_step, img_s, _format_eta(eta))
                    metrics.write(json.dumps({"step": global_step, "epoch": epoch, "loss": mean_loss, "lr": lr,
                                              "img_per_s": round(img_s, 2),
                                              "time": round(time.time() - run_start, 1)}) + "\n")
                    metrics.flush()
                    window_start, window_steps = time.time(), 0
                if config.save_checkpoint and rank_id == 0 and (
                        global_step % config.save_checkpoint_steps == 0 or done):
                    last_ckpt = keeper.save(cell, epoch, step_in_epoch, global_step)
                if done:
                    break
            if global_step >= total_steps:
                break
    logger.info("training done: %d steps in %.1f s, last loss %.4f, checkpoint %s", global_step,
                time.time() - run_start, losses[-1], last_ckpt)
    return {"steps": global_step, "first_loss": losses[0], "last_loss": losses[-1], "checkpoint": last_ckpt}

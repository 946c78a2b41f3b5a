"""The training loop: data, network, loss, optimizer and schedule; resume, data parallelism, evaluation."""
import logging
import math
import os
import time

import mindspore as ms
import mindspore.nn as nn
import numpy as np
import yaml

from src.alphabet import ALPHABET_ENTRY
from src.callbacks import CheckpointKeeper, EvalDuringTraining, MetricsWriter, StepLogger, weights_digest
from src.checkpoint import load_for_fine_tuning, load_network_checkpoint, read_checkpoint
from src.crnn import crnn
from src.crnn_for_train import MovingStatisticsAverager, TrainOneStepCellWithGradClip
from src.dataset import batched_dataset, load_samples
from src.errors import CRNNError
from src.fileio import write_text_atomic
from src.loss import CTCLoss
from src.lr_schedule import cosine_lr_per_step
from src.model_utils.device_adapter import full_precision, init_data_parallel, set_device
from src.model_utils.moxing_adapter import moxing_wrapper
from src.readers.parts import refuse_validation_leak, split_part
from src.training_data import TrainingData
from src.weight_average import WeightAverage

logger = logging.getLogger("crnn")

# Checkpoint entries a resume sets itself instead of loading: the schedule is recomputed for this run.
_NOT_RESTORED = ("learning_rate", "epoch_num", "step_num", ALPHABET_ENTRY)


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


def restore_training_state(net, cell, path, config, steps_per_epoch, average=None):
    """Load a training checkpoint (weights, optimizer state and the weight average when one is kept);
    return the global step it was saved at.

    The zoo restarted at the next epoch, dropping the rest of the interrupted one; here the run
    continues at the saved step, and the optimizer's step counter follows so the schedule does too.
    """
    params = read_checkpoint(path)
    load_network_checkpoint(net, path, config.model_version, alphabet=config.label_dict)
    if "step_num" in params:
        step = int(params["step_num"].asnumpy().reshape(-1)[0])
    else:
        epoch = int(params["epoch_num"].asnumpy().reshape(-1)[0]) if "epoch_num" in params else 0
        step = epoch * steps_per_epoch
        logger.warning("%s has no step_num (not written by this trainer): resuming at the start of epoch %d",
                       path, epoch + 1)
    state = {k: v for k, v in params.items() if k not in _NOT_RESTORED}
    not_loaded, _ = ms.load_param_into_net(cell.optimizer, state, strict_load=False)
    missing = [name for name in not_loaded if name not in ("global_step", "learning_rate")]
    if missing:
        logger.warning("%s has no optimizer state for %d parameters (e.g. %s; another optimizer?): "
                       "they start from zero", path, len(missing), ", ".join(missing[:3]))
    cell.optimizer.global_step.set_data(ms.Tensor(np.array([step], np.int32)))
    if average is not None:
        average.restore(params, path)
    return step


def save_run_config(config, output_dir):
    """The full configuration of the run, for plot.py and for whoever reads the run later."""
    values = {k: v for k, v in config.to_dict().items() if k != "config_path"}
    write_text_atomic(os.path.join(output_dir, "config.yaml"), yaml.safe_dump(values, sort_keys=True, allow_unicode=True))


@moxing_wrapper
def train(config):
    """Train on config.train_dataset; return a summary dict (steps, losses, checkpoint, eval results)."""
    set_device(config)
    rank_id, group_size = init_data_parallel(config)
    ms.set_seed(config.seed)  # the same on every rank: identical initial weights
    is_main = rank_id == 0
    setup_logging(os.path.join(config.output_dir, "log", f"rank_{rank_id}"), rank_id)
    if is_main:
        os.makedirs(config.output_dir, exist_ok=True)
        save_run_config(config, config.output_dir)
    eval_kinds = config.train_eval_dataset.split(",")
    eval_paths = (config.train_eval_dataset_path or "").split(",")
    if config.run_eval and (len(eval_kinds) != len(eval_paths) or not all(os.path.isdir(split_part(p)[0]) for p in eval_paths)):
        raise CRNNError(f"run_eval: train_eval_dataset_path {config.train_eval_dataset_path!r} must be one "
                        f"directory per train_eval_dataset entry ({config.train_eval_dataset})")
    if config.run_eval or config.eval_all_saved_ckpts:
        refuse_validation_leak((config.train_dataset_path or "").split(","), eval_paths)

    data = TrainingData(config, group_size)
    steps_per_epoch = data.steps_per_epoch
    total_steps = steps_per_epoch * config.epoch_size
    if config.max_steps > 0:
        total_steps = min(total_steps, config.max_steps)
    lr_values = cosine_lr_per_step(config.learning_rate, steps_per_epoch, config.epoch_size)
    net, cell = build_train_cell(config, lr_values)
    average_statistics = MovingStatisticsAverager(net, group_size)
    average = WeightAverage(net, config.ema_decay) if config.ema_decay > 0 else None

    start_step = config.train_start_epoch * steps_per_epoch
    if config.resume_ckpt:
        start_step = restore_training_state(net, cell, config.resume_ckpt, config, steps_per_epoch, average)
        logger.info("resumed from %s at step %d (epoch %d, step %d of it)", config.resume_ckpt, start_step,
                    start_step // steps_per_epoch + 1, start_step % steps_per_epoch)
    elif config.pre_trained:
        load_for_fine_tuning(net, config.pre_trained, config.model_version, config.label_dict)
        logger.info("network initialised from %s (optimizer state and step count start fresh)", config.pre_trained)
    elif start_step:
        cell.optimizer.global_step.set_data(ms.Tensor(np.array([start_step], np.int32)))
    if average is not None and not config.resume_ckpt:
        average.reset()  # the average starts at the weights training starts from
    if start_step >= total_steps:
        raise CRNNError(f"nothing to train: the run starts at step {start_step} and ends at step {total_steps} "
                        "(raise epoch_size or max_steps)")

    ckpt_dir = os.path.join(config.output_dir, "ckpt")
    keeper = CheckpointKeeper(ckpt_dir, config.keep_checkpoint_max, enabled=config.save_checkpoint and is_main,
                              alphabet=config.label_dict)
    metrics = MetricsWriter(os.path.join(config.output_dir, "metrics.jsonl"), enabled=is_main)
    step_logger = StepLogger(config, steps_per_epoch, total_steps, metrics, lr_values)
    evaluator = None
    if (config.run_eval or config.eval_all_saved_ckpts) and is_main:
        eval_sets = []
        for kind, path in zip(eval_kinds, eval_paths):
            samples = load_samples(kind, path, False, config)
            part = split_part(path)[1]
            eval_sets.append((f"{kind}@{part}" if part else kind, samples,
                              batched_dataset(samples, config, config.batch_size, False)))
        evaluator = EvalDuringTraining(config, net, eval_sets, ckpt_dir, metrics, is_main, average)
    logger.info("per_epoch_step_size: %d", steps_per_epoch)  # the zoo's lines
    logger.info("train_start_epoch: %d", start_step // steps_per_epoch)
    logger.info("training %s on %s; rank %d of %d (pid %d), %d steps/epoch, steps %d to %d, batch %d",
                config.model_version, data.describe(), rank_id, group_size, os.getpid(),
                steps_per_epoch, start_step + 1, total_steps, config.batch_size)

    global_step, losses, last_ckpt, run_start = start_step, [], "", time.time()
    for epoch_index in range(start_step // steps_per_epoch, math.ceil(total_steps / steps_per_epoch)):
        epoch = epoch_index + 1
        skip = global_step - epoch_index * steps_per_epoch
        order = data.epoch_order(epoch_index, group_size, rank_id)
        if config.log_sample_order:
            write_text_atomic(os.path.join(config.output_dir, "log", f"rank_{rank_id}", f"samples_epoch{epoch}.txt"),
                              "".join(f"{i}\n" for i in order[skip * config.batch_size:]))
        dataset = batched_dataset(data.samples, config, config.batch_size, True, order[skip * config.batch_size:],
                                  data.augment, (config.seed, epoch_index, rank_id), skip * config.batch_size)
        epoch_losses, epoch_start = [], time.time()
        for step_in_epoch, (images, labels) in enumerate(dataset.create_tuple_iterator(num_epochs=1), skip + 1):
            loss = float(cell(images, labels).asnumpy().mean())
            global_step += 1
            if average is not None and math.isfinite(loss):
                average.update(global_step)
            losses.append(loss)
            epoch_losses.append(loss)
            if not math.isfinite(loss):
                path = keeper.save(cell, epoch, step_in_epoch, global_step,
                                   name=f"crnn-nonfinite-{epoch}_{step_in_epoch}.ckpt", average=average)
                raise CRNNError(f"loss became {loss} at epoch {epoch} step {step_in_epoch}; the update was "
                                f"skipped{' and the weights before it saved to ' + path if path else ''}. "
                                "Lower learning_rate or check the labels.")
            step_logger.step(global_step, epoch, step_in_epoch, loss, first=len(losses) == 1)
            done = global_step >= total_steps
            if global_step % config.save_checkpoint_steps == 0 or done:
                average_statistics()  # every rank reaches this step: collective, then rank 0 saves
                last_ckpt = keeper.save(cell, epoch, step_in_epoch, global_step, average=average) or last_ckpt
            if done:
                break
        if step_in_epoch == steps_per_epoch:
            step_logger.epoch_end(epoch, epoch_losses, time.time() - epoch_start)
            if evaluator is not None and config.run_eval:
                evaluator.after_epoch(epoch, global_step, cell)
        if global_step >= total_steps:
            break

    summary = {"steps": global_step, "start_step": start_step, "first_loss": losses[0], "last_loss": losses[-1],
               "checkpoint": last_ckpt, "weights_sha256": weights_digest(net)}
    if average is not None:
        with average.swapped_in():
            summary["average_sha256"] = weights_digest(net)
        logger.info("weight average sha256 %s (rank %d)", summary["average_sha256"], rank_id)
    if evaluator is not None and config.run_eval:
        summary["best_accuracy"], summary["best_epoch"] = evaluator.best_accuracy, evaluator.best_epoch
        logger.info("End training, the best {acc} is: {%.6f}, the best {acc} epoch is {%d}",
                    evaluator.best_accuracy, evaluator.best_epoch)
    if evaluator is not None and config.eval_all_saved_ckpts:
        summary["saved_ckpt_accuracy"] = evaluator.all_saved(keeper.saved(), cell)
    summary["samples_drawn"] = data.samples_drawn(global_step - start_step, group_size)
    logger.info("samples drawn in steps %d to %d: %s", start_step + 1, global_step,
                ", ".join(f"{kind} {count}" for kind, count in summary["samples_drawn"].items()))
    logger.info("training done: steps %d to %d in %.1f s, last loss %.4f, checkpoint %s", start_step + 1,
                global_step, time.time() - run_start, losses[-1], last_ckpt or "(none on this rank)")
    logger.info("final weights sha256 %s (rank %d)", summary["weights_sha256"], rank_id)
    return summary

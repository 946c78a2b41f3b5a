"""ModelArts: copy data and checkpoints in from OBS before a job and the outputs back after it.

With moxing installed (on ModelArts) URLs go through `moxing.file.copy_parallel`. Without it the
same options take local folders, so a job can be rehearsed on any machine before it is submitted.
"""
import functools
import logging
import os
import shutil
import time

from src.errors import CRNNError

logger = logging.getLogger("crnn")
_REMOTE_SCHEMES = ("obs://", "s3://")


def _moxing():
    try:
        import moxing  # pylint: disable=import-outside-toplevel
        return moxing
    except ImportError:
        return None


def sync_folder(source, target):
    """Copy the folder source (URL or local path) into target, merging with what is there."""
    mox = _moxing()
    if mox is not None:
        mox.file.copy_parallel(source, target)
        return
    if source.startswith(_REMOTE_SCHEMES) or target.startswith(_REMOTE_SCHEMES):
        raise CRNNError(f"enable_modelarts: cannot copy {source} -> {target}: moxing is not installed "
                        "(outside ModelArts, give local folders as data_url/train_url/checkpoint_url)")
    if not os.path.isdir(source):
        raise CRNNError(f"enable_modelarts: {source} is not a folder")
    if os.path.abspath(source) != os.path.abspath(target):
        shutil.copytree(source, target, dirs_exist_ok=True)


def _resolve_under(paths, folder):
    """Each relative path (of a comma list) that does not exist here is looked up in the synced folder."""
    resolved = [os.path.join(folder, p) if p and not os.path.isabs(p) and not os.path.exists(p) else p
                for p in paths.split(",")]
    return ",".join(resolved)


def prepare_modelarts(config, rank_id=0, timeout=3600):
    """Sync the inputs in and point the config at the local copies. One process per node copies."""
    marker = os.path.join(config.data_path, f".synced_{os.getppid()}")
    if rank_id % 8 == 0:
        for url, local in ((config.data_url, config.data_path), (config.checkpoint_url, config.load_path)):
            if url:
                start = time.time()
                os.makedirs(local, exist_ok=True)
                sync_folder(url, local)
                logger.info("modelarts: copied %s to %s in %.1f s", url, local, time.time() - start)
        os.makedirs(config.data_path, exist_ok=True)
        with open(marker, "w", encoding="utf-8"):
            pass
    else:
        deadline = time.time() + timeout
        while not os.path.exists(marker):
            if time.time() > deadline:
                raise CRNNError(f"enable_modelarts: rank {rank_id} waited {timeout} s for the data copy")
            time.sleep(1)
    for key in ("train_dataset_path", "eval_dataset_path"):  # empty: the synced data itself
        if not getattr(config, key):
            setattr(config, key, config.data_path)
    for key in ("train_dataset_path", "train_eval_dataset_path", "eval_dataset_path"):
        setattr(config, key, _resolve_under(getattr(config, key), config.data_path))
    for key in ("resume_ckpt", "pre_trained", "checkpoint_path", "ckpt_file"):
        setattr(config, key, _resolve_under(getattr(config, key), config.load_path))
    config.output_dir = config.output_path
    if not os.path.isabs(config.file_name):  # export.py writes where train_url will receive it
        config.file_name = os.path.join(config.output_path, config.file_name)


def moxing_wrapper(func):
    """Decorator for an entry function f(config): sync in, run, sync config.output_path to train_url."""
    @functools.wraps(func)
    def wrapped(config, *args, **kwargs):
        if not config.enable_modelarts:
            return func(config, *args, **kwargs)
        from src.model_utils.device_adapter import get_rank_id  # pylint: disable=import-outside-toplevel
        prepare_modelarts(config, get_rank_id())
        try:
            return func(config, *args, **kwargs)
        finally:
            if config.train_url and get_rank_id() % 8 == 0 and os.path.isdir(config.output_path):
                sync_folder(config.output_path, config.train_url)
                logger.info("modelarts: copied %s to %s", config.output_path, config.train_url)
    return wrapped

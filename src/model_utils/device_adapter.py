"""Device, rank and job information from the environment (the zoo's local adapter)."""
import logging
import os


def get_device_id(config=None):
    """The device to run on: --device_id when given on the command line, else the launchers' DEVICE_ID,
    else config.device_id (default 0), as the zoo's scripts read it."""
    if config is not None and config.is_explicit("device_id"):
        return int(config.device_id)
    if "DEVICE_ID" in os.environ:
        return int(os.environ["DEVICE_ID"])
    return int(getattr(config, "device_id", 0))


def get_device_num():
    return int(os.getenv("RANK_SIZE", "1"))


def get_rank_id():
    return int(os.getenv("RANK_ID", "0"))


def get_job_id():
    return "Local Job"


# What the GPU plugins of the MindSpore 2.8.0 wheel (lib/plugin/gpu11.1, gpu11.6) load: CUDA 11 and cuDNN 8.
CUDA_LIBRARIES = ("libcuda.so.1", "libcudart.so.11.0", "libcudnn.so.8", "libcublas.so.11", "libcurand.so.10",
                  "libcusolver.so.11", "libcufft.so.10", "libcusparse.so.11", "libnvrtc.so.11.2")


def missing_cuda_libraries():
    """The CUDA 11 libraries MindSpore's GPU plugin needs that the dynamic loader cannot find."""
    import ctypes
    missing = []
    for name in CUDA_LIBRARIES:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.append(name)
    return missing


def set_device(config):
    """Graph mode on config.device_target; a CRNNError when this MindSpore build lacks that device.

    When device_target was not given on the command line (the YAML's default is the zoo's Ascend) and
    that device is not here, the process runs on the CPU instead and says so in one log line.
    """
    import mindspore as ms
    from src.errors import CRNNError
    try:
        _use_device(ms, config)
    except CRNNError:
        if config.is_explicit("device_target") or config.device_target == "CPU":
            raise
        logging.getLogger("crnn").warning("device_target %s is not available here: running on the CPU "
                                          "(pass --device_target to choose)", config.device_target)
        config.device_target = "CPU"
        _use_device(ms, config)


def _use_device(ms, config):
    from src.errors import CRNNError
    if config.device_target == "GPU":
        missing = missing_cuda_libraries()
        if missing:
            raise CRNNError(f"device_target GPU needs CUDA 11 (11.1-11.8) and cuDNN 8, which MindSpore "
                            f"{ms.__version__}'s GPU plugins are built for; not found: {', '.join(missing)} "
                            "(libcuda.so.1 comes with the NVIDIA driver); install them or pass --device_target CPU")
    try:
        ms.set_context(mode=ms.GRAPH_MODE)
        if config.device_target == "CPU":
            ms.set_device("CPU")
        else:
            ms.set_device(config.device_target, get_device_id(config))
    except (RuntimeError, ValueError) as err:
        if ms.get_context("device_target") == config.device_target:
            return  # this process already runs on that device (MindSpore sets it once per process)
        raise CRNNError(f"device_target {config.device_target} is not usable here "
                        f"({str(err).splitlines()[0][:160]}); pass --device_target CPU") from None


def full_precision(config):
    """float32 everywhere but Ascend, where the zoo trains and infers in float16."""
    return config.device_target != "Ascend"


def init_data_parallel(config):
    """(rank, group size): initialise the collective backend when config.run_distribute is on.

    Ascend uses HCCL, GPU NCCL and CPU MindSpore's own mccl; the launcher (rank table, msrun or
    mpirun) provides the process group. Gradients are averaged across ranks.
    """
    if not config.run_distribute:
        return get_rank_id(), 1
    import mindspore as ms
    from mindspore.communication import get_group_size, get_rank, init
    from src.errors import CRNNError
    try:
        init()
    except (RuntimeError, ValueError) as err:
        raise CRNNError("run_distribute: the collective backend did not start "
                        f"({str(err).splitlines()[0][:200]}); launch with scripts/run_distribute_train.sh "
                        "(msrun, mpirun or a rank table)") from None
    rank, size = get_rank(), get_group_size()
    ms.reset_auto_parallel_context()
    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.DATA_PARALLEL, gradients_mean=True, device_num=size)
    return rank, size

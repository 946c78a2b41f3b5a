"""Device, rank and job information from the environment (the zoo's local adapter)."""
import os


def get_device_id():
    return int(os.getenv("DEVICE_ID", "0"))


def get_device_num():
    return int(os.getenv("RANK_SIZE", "1"))


def get_rank_id():
    return int(os.getenv("RANK_ID", "0"))


def get_job_id():
    return "Local Job"


def set_device(config):
    """Graph mode on config.device_target; a CRNNError when this MindSpore build lacks that device."""
    import mindspore as ms
    from src.errors import CRNNError
    try:
        ms.set_context(mode=ms.GRAPH_MODE)
        if config.device_target == "CPU":
            ms.set_device("CPU")
        else:
            ms.set_device(config.device_target, get_device_id())
    except (RuntimeError, ValueError) as err:
        raise CRNNError(f"device_target {config.device_target} is not usable here "
                        f"({str(err).splitlines()[0][:160]}); pass --device_target CPU") from None


def full_precision(config):
    """float32 everywhere but Ascend, where the zoo trains and infers in float16."""
    return config.device_target != "Ascend"

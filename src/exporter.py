"""Export a checkpoint to MINDIR, ONNX or (on Ascend) AIR."""
import os

import numpy as np
import mindspore as ms

from src.errors import CRNNError
from src.evaluator import load_eval_network
from src.model_utils.device_adapter import set_device

_SUFFIX = {"MINDIR": ".mindir", "ONNX": ".onnx", "AIR": ".air"}


def export_model(config, batch_size=1):
    """Write <file_name>.<format> with input (batch_size, 3, image_height, image_width); return its path."""
    if config.file_format == "AIR" and config.device_target != "Ascend":
        raise CRNNError("file_format AIR can only be exported on Ascend; use MINDIR or ONNX")
    set_device(config)
    net = load_eval_network(config, config.ckpt_file)
    dummy = ms.Tensor(np.zeros((batch_size, 3, config.image_height, config.image_width), np.float32))
    base = config.file_name
    if base.lower().endswith(_SUFFIX[config.file_format]):
        base = base[:-len(_SUFFIX[config.file_format])]
    directory = os.path.dirname(os.path.abspath(base))
    os.makedirs(directory, exist_ok=True)
    ms.export(net, dummy, file_name=base, file_format=config.file_format)
    path = base + _SUFFIX[config.file_format]
    if not os.path.isfile(path):
        raise CRNNError(f"MindSpore reported no error but {path} was not written")
    print(f"exported {config.model_version} from {config.ckpt_file} to {path}")
    return path

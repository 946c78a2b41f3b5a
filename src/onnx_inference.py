"""Run an exported ONNX model with onnxruntime: sessions, batched logits, int8 calibration data."""
import numpy as np

from src.errors import CRNNError

_PROVIDERS = {"GPU": ["CUDAExecutionProvider", "CPUExecutionProvider"], "CPU": ["CPUExecutionProvider"],
              "Ascend": ["CPUExecutionProvider"]}


def open_session(path, device_target="CPU", threads=0):
    """An onnxruntime InferenceSession on CUDA for GPU (onnxruntime-gpu), on the CPU otherwise."""
    import onnxruntime as ort  # pylint: disable=import-outside-toplevel
    if device_target not in _PROVIDERS:
        raise CRNNError(f"device_target {device_target} has no onnxruntime provider; use GPU or CPU")
    wanted = _PROVIDERS[device_target]
    if wanted[0] not in ort.get_available_providers():
        raise CRNNError(f"onnxruntime here has no {wanted[0]} (installed: {', '.join(ort.get_available_providers())}); "
                        "install onnxruntime-gpu or pass --device_target CPU")
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(path, options, providers=wanted)
    except Exception as err:  # onnxruntime raises its own exception types for unreadable models
        raise CRNNError(f"ONNX model {path} cannot be loaded: {str(err).splitlines()[0][:200]}") from None


def static_batch(ort_session):
    """The batch size a model was exported with, or None when its batch dimension is dynamic."""
    dim = ort_session.get_inputs()[0].shape[0]
    return dim if isinstance(dim, int) else None


def run_logits(ort_session, images):
    """(T, B, C) logits for a float32 (B, 3, H, W) batch; a static-batch model runs it in pieces."""
    name = ort_session.get_inputs()[0].name
    fixed = static_batch(ort_session)
    if fixed is None or fixed == len(images):
        return ort_session.run(None, {name: images})[0]
    pieces = []
    for start in range(0, len(images), fixed):
        chunk = images[start:start + fixed]
        pad = fixed - len(chunk)
        if pad:
            chunk = np.concatenate([chunk, np.zeros((pad,) + chunk.shape[1:], chunk.dtype)])
        out = ort_session.run(None, {name: chunk})[0]
        pieces.append(out[:, :fixed - pad])
    return np.concatenate(pieces, axis=1)


class ImageCalibrationReader:
    """onnxruntime CalibrationDataReader over preprocessed (B, 3, H, W) batches."""

    def __init__(self, input_name, batches):
        self.input_name = input_name
        self.batches = iter(batches)

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {self.input_name: batch}

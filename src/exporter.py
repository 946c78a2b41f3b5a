"""Export a checkpoint to MINDIR, ONNX (dynamic batch, optional int8), a weights-only checkpoint or, on Ascend, AIR."""
import os
import tempfile

import numpy as np
import mindspore as ms

from src.checkpoint import checkpoint_or_shipped, load_eval_network, save_checkpoint_atomic
from src.errors import CRNNError
from src.fileio import atomic_path
from src.model_alphabet import tag_onnx, use_model_alphabet, write_sidecar
from src.model_utils.device_adapter import set_device
from src.model_utils.moxing_adapter import moxing_wrapper

_SUFFIX = {"MINDIR": ".mindir", "ONNX": ".onnx", "AIR": ".air", "CKPT": ".ckpt"}
# Two probe batch sizes for the dynamic ONNX rewrite: distinct, and not a size the network has elsewhere.
_PROBE_BATCHES = (5, 7)
ONNX_TOLERANCE = 1e-4


def export_batch_size(config):
    """The zoo exports batch 1; --batch_size on the command line overrides it (the YAML's 64 is for training)."""
    return config.batch_size if config.is_explicit("batch_size") else 1


def _refuse_native_convolution(net):
    """The project's native convolution is a CPU kernel no exporter knows: exports need MindSpore's Conv2D."""
    from src.native_conv import NATIVE_CELLS  # pylint: disable=import-outside-toplevel
    if any(isinstance(cell, NATIVE_CELLS) for _, cell in net.cells_and_names()):
        raise CRNNError("this network uses the native CPU convolution, which cannot be exported: "
                        "build it with crnn(config, ..., for_export=True)")


def _export(net, batch_size, config, base, file_format):
    _refuse_native_convolution(net)
    dummy = ms.Tensor(np.zeros((batch_size, 3, config.image_height, config.image_width), np.float32))
    ms.export(net, dummy, file_name=base, file_format=file_format)
    path = base + _SUFFIX[file_format]
    if not os.path.isfile(path):
        raise CRNNError(f"MindSpore reported no error but {path} was not written")
    return path


def check_onnx_against_network(path, net, config, batch_sizes):
    """Largest |onnxruntime - MindSpore| over random inputs of the given batch sizes; error above tolerance."""
    from src.onnx_inference import open_session, run_logits  # pylint: disable=import-outside-toplevel
    session = open_session(path)
    worst = 0.0
    for batch in batch_sizes:
        images = np.random.default_rng(batch).uniform(-1, 1, (batch, 3, config.image_height, config.image_width))
        images = images.astype(np.float32)
        worst = max(worst, float(np.abs(run_logits(session, images) - net(ms.Tensor(images)).asnumpy()).max()))
    if worst > ONNX_TOLERANCE:
        raise CRNNError(f"{path}: onnxruntime differs from MindSpore by {worst:.2e} (> {ONNX_TOLERANCE})")
    return worst


def export_dynamic_onnx(net, config, path):
    """ONNX with a dynamic batch dimension: two static exports, compared and rewritten (src/onnx_dynamic.py)."""
    import onnx  # pylint: disable=import-outside-toplevel
    from src.onnx_dynamic import make_batch_dynamic  # pylint: disable=import-outside-toplevel
    with tempfile.TemporaryDirectory() as tmp:
        b1, b2 = _PROBE_BATCHES
        first = _export(net, b1, config, os.path.join(tmp, "b1"), "ONNX")
        second = _export(net, b2, config, os.path.join(tmp, "b2"), "ONNX")
        model = make_batch_dynamic(onnx.load(first), onnx.load(second), b1, b2)
        with atomic_path(path) as tmp_path:
            onnx.save(model, tmp_path)
    return path


_QDQ_OPSET = 13


def _opset(model):
    return max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)


def quantize_int8(fp32_path, int8_path, config):
    """Static int8 quantization (QDQ, per-channel weights) calibrated on training images."""
    import onnx  # pylint: disable=import-outside-toplevel
    from onnx import version_converter  # pylint: disable=import-outside-toplevel
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static  # pylint: disable=import-outside-toplevel
    from onnxruntime.quantization.shape_inference import quant_pre_process  # pylint: disable=import-outside-toplevel
    from src.dataset import decode_image, load_samples, preprocess  # pylint: disable=import-outside-toplevel
    from src.onnx_inference import ImageCalibrationReader, open_session  # pylint: disable=import-outside-toplevel

    if not config.train_dataset_path:
        raise CRNNError("quantize int8 needs calibration images: pass --train_dataset and --train_dataset_path")
    samples = load_samples(config.train_dataset, config.train_dataset_path, True, config)
    picks = np.random.default_rng(config.seed).permutation(len(samples))[:config.calibration_images]
    images = np.stack([preprocess(decode_image(samples[i].path), config.image_width, config.image_height)
                       for i in picks])
    batches = [images[i:i + 32] for i in range(0, len(images), 32)]
    input_name = open_session(fp32_path).get_inputs()[0].name
    with tempfile.TemporaryDirectory() as tmp:
        prepared = os.path.join(tmp, "prepared.onnx")
        quant_pre_process(fp32_path, prepared, skip_symbolic_shape=True)
        model = onnx.load(prepared)
        if _opset(model) < _QDQ_OPSET:  # per-channel QDQ needs DequantizeLinear's axis (opset 13)
            onnx.save(version_converter.convert_version(model, _QDQ_OPSET), prepared)
        # Written beside int8_path, not in tmp: a rename from another filesystem fails with EXDEV.
        with atomic_path(int8_path) as tmp_out:
            quantize_static(prepared, tmp_out, ImageCalibrationReader(input_name, batches),
                            quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8,
                            weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                            op_types_to_quantize=["Conv", "MatMul", "Gemm"])
    print(f"int8 model calibrated on {len(images)} images of {config.train_dataset_path}: {int8_path}")
    return int8_path


@moxing_wrapper
def export_model(config, batch_size=None):
    """Write <file_name>.<format> (and <file_name>_int8.onnx with --quantize int8); return the path."""
    if config.file_format == "AIR" and config.device_target != "Ascend":
        raise CRNNError("file_format AIR can only be exported on Ascend; use MINDIR or ONNX")
    if config.quantize and config.file_format != "ONNX":
        raise CRNNError(f"quantize {config.quantize} needs --file_format ONNX")
    set_device(config)
    batch_size = batch_size or export_batch_size(config)
    config.ckpt_file = checkpoint_or_shipped(config.ckpt_file, config)
    use_model_alphabet(config, config.ckpt_file)
    net = load_eval_network(config, config.ckpt_file, for_export=True)
    base = config.file_name
    if base.lower().endswith(_SUFFIX[config.file_format]):
        base = base[:-len(_SUFFIX[config.file_format])]
    os.makedirs(os.path.dirname(os.path.abspath(base)), exist_ok=True)
    if config.file_format == "CKPT":  # the network's weights alone, under the zoo's names: a release file
        path = base + ".ckpt"
        dtype = np.float16 if config.ckpt_dtype == "float16" else np.float32
        save_checkpoint_atomic([{"name": p.name, "data": ms.Tensor(p.asnumpy().astype(dtype))}
                                for p in net.get_parameters()], path, alphabet=config.label_dict)
        print(f"exported {config.model_version} weights ({config.ckpt_dtype}) from {config.ckpt_file} to {path}")
        return path
    if config.file_format == "ONNX" and config.dynamic_batch:
        path = export_dynamic_onnx(net, config, base + ".onnx")
        worst = check_onnx_against_network(path, net, config, (1, 3))
        shape = "dynamic batch"
    else:
        path = _export(net, batch_size, config, base, config.file_format)
        shape = f"batch {batch_size}"
        worst = check_onnx_against_network(path, net, config, (batch_size,)) if config.file_format == "ONNX" else None
    if config.file_format == "ONNX":
        tag_onnx(path, config.label_dict)
    else:
        write_sidecar(path, config.label_dict)
    checked = f"; onnxruntime matches MindSpore to {worst:.1e}" if worst is not None else ""
    print(f"exported {config.model_version} from {config.ckpt_file} to {path} ({shape}{checked})")
    if config.quantize == "int8":
        tag_onnx(quantize_int8(path, base + "_int8.onnx", config), config.label_dict)
    return path

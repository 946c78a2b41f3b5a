import numpy as np
import onnxruntime as ort
import pytest
import mindspore as ms
import mindspore.nn as nn

from src.checkpoint import load_eval_network
from src.errors import CRNNError
from src.model_utils.config import load_config
from tests.conftest import DEMO_WORDS, SHIPPED, run_script


@pytest.fixture(scope="module")
def exported(shipped_onnx, tmp_path_factory):
    """The shipped model as ONNX (the session's export) and MINDIR."""
    out = tmp_path_factory.mktemp("export")
    result = run_script("export.py", "--ckpt_file", SHIPPED, "--file_name", out / "crnn", "--file_format", "MINDIR",
                        "--device_target", "CPU", "--model_version", "V2")
    assert result.returncode == 0, result.stderr[-2000:]
    return SHIPPED, {"ONNX": shipped_onnx["fp32"], "MINDIR": str(out / "crnn.mindir")}


def demo_images(count=13):
    from src.dataset import decode_image, preprocess
    from src.readers.path_label import parse_iiit5k
    return np.stack([preprocess(decode_image(s.path)) for s in parse_iiit5k(DEMO_WORDS)[:count]])


def reference_logits(ckpt, image):
    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
    config = load_config(["--model_version", "V2", "--device_target", "CPU"])
    return load_eval_network(config, ckpt)(ms.Tensor(image)).asnumpy()


def test_onnx_matches_mindspore(exported):
    ckpt, paths = exported
    image = demo_images(1)
    session = ort.InferenceSession(paths["ONNX"], providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {session.get_inputs()[0].name: image})
    expected = reference_logits(ckpt, image)
    assert onnx_out.shape == (24, 1, 37)
    np.testing.assert_allclose(onnx_out, expected, atol=1e-4, rtol=0)


def test_mindir_matches_mindspore(exported):
    ckpt, paths = exported
    image = demo_images(2)[1:]  # batch 1: the MINDIR is exported with the zoo's static batch
    graph = nn.GraphCell(ms.load(paths["MINDIR"]))
    np.testing.assert_allclose(graph(ms.Tensor(image)).asnumpy(), reference_logits(ckpt, image), atol=1e-4)


def test_air_off_ascend_is_a_clear_error(tmp_path):
    ckpt = SHIPPED
    result = run_script("export.py", "--ckpt_file", ckpt, "--file_name", tmp_path / "m", "--file_format", "AIR",
                        "--device_target", "CPU", "--model_version", "V2")
    assert result.returncode == 2 and "AIR can only be exported on Ascend" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_dynamic_batch_onnx_equals_mindspore(exported, batch):
    ckpt, paths = exported
    session = ort.InferenceSession(paths["ONNX"], providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == ["batch", 3, 32, 100]
    assert session.get_outputs()[0].shape == [24, "batch", 37]
    images = np.random.default_rng(batch).uniform(-1, 1, (batch, 3, 32, 100)).astype(np.float32)
    (onnx_out,) = session.run(None, {session.get_inputs()[0].name: images})
    assert onnx_out.shape == (24, batch, 37)
    np.testing.assert_allclose(onnx_out, reference_logits(ckpt, images), atol=1e-4, rtol=0)


def test_static_batch_export_when_asked(tmp_path):
    ckpt = SHIPPED
    result = run_script("export.py", "--ckpt_file", ckpt, "--file_name", tmp_path / "s", "--file_format", "ONNX",
                        "--device_target", "CPU", "--model_version", "V2", "--dynamic_batch", "False",
                        "--batch_size", 4)
    assert result.returncode == 0, result.stderr[-2000:]
    session = ort.InferenceSession(str(tmp_path / "s.onnx"), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == [4, 3, 32, 100]


@pytest.mark.slow
def test_v1_exports_to_dynamic_batch_onnx(tmp_path):
    from src.crnn import crnn
    from src.exporter import check_onnx_against_network, export_dynamic_onnx
    from src.native_conv import native_conv_dtype
    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
    config = load_config(["--model_version", "V1", "--device_target", "CPU"])
    if native_conv_dtype(config) is not None:  # a training network on CPU: exporting it is refused clearly
        with pytest.raises(CRNNError, match="native CPU convolution, which cannot be exported"):
            export_dynamic_onnx(crnn(config, full_precision=True), config, str(tmp_path / "refused.onnx"))
    net = crnn(config, full_precision=True, for_export=True)
    net.set_train(False)
    path = export_dynamic_onnx(net, config, str(tmp_path / "v1.onnx"))
    assert check_onnx_against_network(path, net, config, (1, 7)) < 1e-4


def test_int8_model_stays_close_to_fp32_on_real_crops(shipped_onnx):
    fp32 = ort.InferenceSession(shipped_onnx["fp32"], providers=["CPUExecutionProvider"])
    int8 = ort.InferenceSession(shipped_onnx["int8"], providers=["CPUExecutionProvider"])
    assert any(n.op_type == "QLinearConv" or n.op_type == "QuantizeLinear" for n in
               __import__("onnx").load(shipped_onnx["int8"]).graph.node)
    images = demo_images()
    a = fp32.run(None, {fp32.get_inputs()[0].name: images})[0]
    b = int8.run(None, {int8.get_inputs()[0].name: images})[0]
    assert np.abs(a - b).mean() < 0.05 * np.abs(a).mean()
    assert (a.argmax(2) == b.argmax(2)).mean() > 0.95


def test_quantize_needs_onnx_and_calibration_data(tmp_path):
    ckpt = SHIPPED
    common = ["--ckpt_file", ckpt, "--file_name", tmp_path / "q", "--device_target", "CPU", "--model_version", "V2"]
    result = run_script("export.py", *common, "--file_format", "MINDIR", "--quantize", "int8")
    assert result.returncode == 2 and "needs --file_format ONNX" in result.stderr
    result = run_script("export.py", *common, "--file_format", "ONNX", "--quantize", "int8")
    assert result.returncode == 2 and "calibration images" in result.stderr

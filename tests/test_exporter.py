import numpy as np
import onnxruntime as ort
import pytest
import mindspore as ms
import mindspore.nn as nn

from src.evaluator import load_eval_network
from src.model_utils.config import load_config
from tests.conftest import run_script


@pytest.fixture(scope="module")
def exported(trained_run, tmp_path_factory):
    _, _, ckpt = trained_run
    out = tmp_path_factory.mktemp("export")
    paths = {}
    for fmt in ("ONNX", "MINDIR"):
        result = run_script("export.py", "--ckpt_file", ckpt, "--file_name", out / "crnn", "--file_format", fmt,
                            "--device_target", "CPU", "--model_version", "V2")
        assert result.returncode == 0, result.stderr[-2000:]
        paths[fmt] = str(out / ("crnn.onnx" if fmt == "ONNX" else "crnn.mindir"))
    return ckpt, paths


def reference_logits(ckpt, image):
    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
    config = load_config(["--model_version", "V2", "--device_target", "CPU"])
    return load_eval_network(config, ckpt)(ms.Tensor(image)).asnumpy()


def test_onnx_matches_mindspore(exported):
    ckpt, paths = exported
    image = np.random.default_rng(1).uniform(-1, 1, (1, 3, 32, 100)).astype(np.float32)
    session = ort.InferenceSession(paths["ONNX"], providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {session.get_inputs()[0].name: image})
    expected = reference_logits(ckpt, image)
    assert onnx_out.shape == (24, 1, 37)
    np.testing.assert_allclose(onnx_out, expected, atol=1e-4, rtol=0)


def test_mindir_matches_mindspore(exported):
    ckpt, paths = exported
    image = np.random.default_rng(2).uniform(-1, 1, (1, 3, 32, 100)).astype(np.float32)
    graph = nn.GraphCell(ms.load(paths["MINDIR"]))
    np.testing.assert_allclose(graph(ms.Tensor(image)).asnumpy(), reference_logits(ckpt, image), atol=1e-4)


def test_air_off_ascend_is_a_clear_error(trained_run, tmp_path):
    _, _, ckpt = trained_run
    result = run_script("export.py", "--ckpt_file", ckpt, "--file_name", tmp_path / "m", "--file_format", "AIR",
                        "--device_target", "CPU", "--model_version", "V2")
    assert result.returncode == 2 and "AIR can only be exported on Ascend" in result.stderr
    assert "Traceback" not in result.stderr

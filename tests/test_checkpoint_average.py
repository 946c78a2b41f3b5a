import os
import subprocess
import sys

import mindspore as ms
import numpy as np
import pytest

from src.checkpoint import (
    load_network_checkpoint,
    read_checkpoint,
    save_checkpoint_atomic,
)
from src.checkpoint_average import average_checkpoints, write_average
from src.crnn import crnn
from src.errors import CRNNError
from src.model_utils.config import load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = os.path.join(ROOT, "models", "crnn_v2_release.ckpt")


def _save(path, values, alphabet="abc", extra=None):
    entries = [{"name": name, "data": ms.Tensor(np.asarray(value, np.float32))} for name, value in values.items()]
    save_checkpoint_atomic(entries, str(path), append_dict=extra, alphabet=alphabet)
    return str(path)


def test_average_is_the_mean_of_every_network_entry_without_training_state(tmp_path):
    a = _save(tmp_path / "a.ckpt", {"w": [1.0, 2.0], "bn.moving_variance": [4.0], "moments.w": [9.0, 9.0]})
    b = _save(tmp_path / "b.ckpt", {"w": [3.0, 6.0], "bn.moving_variance": [2.0], "moments.w": [0.0, 0.0]})
    c = _save(tmp_path / "c.ckpt", {"w": [2.0, 1.0], "bn.moving_variance": [0.0], "moments.w": [1.0, 1.0]})
    mean, alphabet = average_checkpoints([a, b, c])
    assert alphabet == "abc" and set(mean) == {"w", "bn.moving_variance"}  # optimizer moments left out
    np.testing.assert_allclose(mean["w"], [2.0, 3.0])
    np.testing.assert_allclose(mean["bn.moving_variance"], [2.0])
    out = tmp_path / "out.ckpt"
    assert write_average(str(out), [a, b]) == 2
    stored = read_checkpoint(str(out))
    assert stored["w"].asnumpy().dtype == np.float16 and stored["alphabet"] == "abc"
    np.testing.assert_array_equal(stored["w"].asnumpy(), np.float16([2.0, 4.0]))
    write_average(str(out), [a, b], dtype="float32")
    assert read_checkpoint(str(out))["w"].asnumpy().dtype == np.float32


@pytest.mark.parametrize("other, message", [
    ({"w": [1.0, 2.0], "v": [1.0]}, r"b\.ckpt is another network than .*a\.ckpt"),
    ({"w": [1.0, 2.0, 3.0]}, r"b\.ckpt: w has shape \(3,\)"),
])
def test_checkpoints_of_another_network_are_refused_naming_the_file(tmp_path, other, message):
    a = _save(tmp_path / "a.ckpt", {"w": [1.0, 2.0]})
    b = _save(tmp_path / "b.ckpt", other)
    with pytest.raises(CRNNError, match=message):
        average_checkpoints([a, b])


def test_another_alphabet_and_a_single_file_are_refused(tmp_path):
    a = _save(tmp_path / "a.ckpt", {"w": [1.0]})
    b = _save(tmp_path / "b.ckpt", {"w": [1.0]}, alphabet="xyz")
    with pytest.raises(CRNNError, match=r"b\.ckpt reads another alphabet \(3 characters, 'xyz'\)"):
        average_checkpoints([a, b])
    with pytest.raises(CRNNError, match="at least two checkpoints, got 1"):
        average_checkpoints([a])


def test_shipped_file_averaged_with_itself_is_itself_and_loads_strictly(tmp_path):
    out = tmp_path / "soup.ckpt"
    run = subprocess.run([sys.executable, "-m", "src.checkpoint_average", str(out), SHIPPED, SHIPPED],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "averaged 2 checkpoints (59 entries, float16)" in run.stdout
    shipped, soup = read_checkpoint(SHIPPED), read_checkpoint(str(out))
    assert set(shipped) == set(soup)
    for name, value in shipped.items():
        if isinstance(value, str):
            assert soup[name] == value
        else:
            np.testing.assert_array_equal(soup[name].asnumpy(), value.asnumpy())
    net = crnn(load_config(["--model_version", "V2", "--device_target", "CPU"]), full_precision=True)
    load_network_checkpoint(net, str(out), "V2")  # strict: every parameter, nothing else


def test_command_line_error_is_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "src.checkpoint_average", str(tmp_path / "o.ckpt"), SHIPPED],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert run.stderr.strip() == "error: averaging needs at least two checkpoints, got 1"
    assert not (tmp_path / "o.ckpt").exists()

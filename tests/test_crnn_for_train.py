import mindspore as ms
import numpy as np
import pytest
from mindspore import ops

from src.crnn_for_train import clip_by_global_norm


@pytest.mark.parametrize("scale", [0.01, 30.0])  # global norm under and over the clip norm of 10
def test_clip_by_global_norm_matches_mindspores(scale):
    rng = np.random.default_rng(0)
    shapes = [(64, 3, 3, 3), (128, 64, 3, 3), (1024, 256), (37, 512), (512,)]
    grads = tuple(ms.Tensor((rng.standard_normal(s) * scale / np.sqrt(np.prod(s))).astype(np.float32))
                  for s in shapes)
    norm = np.sqrt(sum(float((g.asnumpy().astype(np.float64) ** 2).sum()) for g in grads))
    assert (norm > 10) == (scale > 10)
    ours = clip_by_global_norm(grads, 10.0)
    theirs = ops.clip_by_global_norm(grads, 10.0)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=2e-6, atol=1e-9)
    clipped = np.sqrt(sum(float((g.asnumpy().astype(np.float64) ** 2).sum()) for g in ours))
    assert clipped == pytest.approx(min(norm, 10.0), rel=1e-5)

import numpy as np
import pytest
import mindspore as ms

from src.loss import CTCLoss

ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")


def reference_ctc(log_probs, target, blank):
    """Textbook CTC forward algorithm in numpy: -log p(target | log_probs (T, C))."""
    ext = [blank]
    for c in target:
        ext += [c, blank]
    steps, n = log_probs.shape[0], len(ext)
    alpha = np.full(n, -np.inf)
    alpha[0] = log_probs[0, blank]
    if n > 1:
        alpha[1] = log_probs[0, ext[1]]
    for t in range(1, steps):
        new = np.full(n, -np.inf)
        for s in range(n):
            terms = [alpha[s]] + ([alpha[s - 1]] if s > 0 else [])
            if s > 1 and ext[s] != blank and ext[s] != ext[s - 2]:
                terms.append(alpha[s - 2])
            new[s] = np.logaddexp.reduce(terms) + log_probs[t, ext[s]]
        alpha = new
    return -np.logaddexp(alpha[-1], alpha[-2] if n > 1 else -np.inf)


def test_per_sample_loss_uses_real_target_lengths():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(24, 3, 37)).astype(np.float32)
    targets = [[7, 4, 11, 11, 14], [0], list(range(20))]
    labels = np.full((3, 23), 36, np.int32)
    for i, t in enumerate(targets):
        labels[i, :len(t)] = t
    loss = CTCLoss(blank=36)(ms.Tensor(logits), ms.Tensor(labels)).asnumpy()
    assert loss.shape == (3,) and loss.dtype == np.float32
    log_probs = logits - np.log(np.exp(logits).sum(axis=2, keepdims=True))
    for i, t in enumerate(targets):
        assert loss[i] == pytest.approx(reference_ctc(log_probs[:, i], t, 36), rel=1e-4)

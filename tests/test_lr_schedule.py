import numpy as np

from src.lr_schedule import cosine_lr_per_step


def test_cosine_is_constant_within_an_epoch_and_matches_the_zoo_values():
    lr = cosine_lr_per_step(0.02, steps_per_epoch=3, epochs=10)
    assert lr.shape == (30,) and lr.dtype == np.float32
    per_epoch = lr[::3]
    expected = [0.02, 0.019511, 0.01809, 0.015878, 0.01309, 0.01, 0.00691, 0.004122, 0.00191, 0.000489]
    np.testing.assert_allclose(per_epoch, expected, atol=1e-6)
    assert (lr.reshape(10, 3) == per_epoch[:, None]).all()

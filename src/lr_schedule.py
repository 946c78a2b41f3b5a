"""The zoo's learning-rate schedule: cosine over epochs, constant within an epoch, no warm-up."""
import math

import numpy as np


def cosine_lr_per_step(max_lr, steps_per_epoch, epochs, min_lr=0.0):
    """float32 array of epochs * steps_per_epoch learning rates, one per step."""
    epoch_of_step = np.arange(epochs * steps_per_epoch) // steps_per_epoch
    lr = min_lr + 0.5 * (max_lr - min_lr) * (1.0 + np.cos(math.pi * epoch_of_step / epochs))
    return lr.astype(np.float32)

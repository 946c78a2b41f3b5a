"""One training step: per-sample CTC loss, gradients of its sum, global-norm clip, all-reduce, SGD."""
import mindspore.nn as nn
import mindspore.ops as ops
from mindspore.communication.management import get_group_size
from mindspore.context import ParallelMode
from mindspore.parallel._utils import _get_gradients_mean, _get_parallel_mode

GRADIENT_CLIP_NORM = 10.0


def clip_by_global_norm(grads, clip_norm):
    """grads scaled by clip_norm / max(their global L2 norm, clip_norm), as ops.clip_by_global_norm does.

    MindSpore 2.8's CPU ReduceSum over all axes of a 4-d tensor is slow (24 ms of a 560 ms bf16 training
    step); over the last axis of a (rows, -1) view, then over the rows, it takes a third of that and resumes
    bit-identically (one 1-d ReduceSum over each whole gradient was as fast, but a run resumed after kill -9
    then ended with other weights than the uninterrupted run). One scale factor
    multiplies every gradient instead of a multiply and a divide each.
    """
    square_sum = ops.addn([ops.reduce_sum(ops.reduce_sum(ops.square(g.reshape((g.shape[0], -1))), 1), 0)
                           for g in grads])
    scale = clip_norm / ops.maximum(ops.sqrt(square_sum), clip_norm)
    return tuple(g * scale for g in grads)


class TrainOneStepCellWithGradClip(nn.Cell):
    """(images, labels) -> per-sample loss (B,), after one optimizer update.

    The gradient is that of the summed per-sample losses (the zoo's sens of ones), clipped to a
    global L2 norm of 10 before it is averaged across devices, as the zoo does. A step whose loss is
    NaN or Inf leaves the weights unchanged (the zoo applied it and then stopped).
    """

    def __init__(self, network_with_loss, optimizer, clip_norm=GRADIENT_CLIP_NORM):
        super().__init__(auto_prefix=False)
        self.network = network_with_loss
        self.network.set_grad()
        self.optimizer = optimizer
        self.weights = optimizer.parameters
        self.clip_norm = clip_norm
        self.grad = ops.GradOperation(get_by_list=True, sens_param=True)
        self.reducer = None
        if _get_parallel_mode() in (ParallelMode.DATA_PARALLEL, ParallelMode.HYBRID_PARALLEL):
            self.reducer = nn.DistributedGradReducer(self.weights, _get_gradients_mean(), get_group_size())

    def construct(self, images, labels):
        loss = self.network(images, labels)
        sens = ops.ones_like(loss)
        grads = self.grad(self.network, self.weights)(images, labels, sens)
        grads = clip_by_global_norm(grads, self.clip_norm)
        if self.reducer is not None:
            grads = self.reducer(grads)
        # A non-finite loss skips the update, so the weights stay usable for the caller to save.
        if ops.isfinite(loss).all():
            self.optimizer(grads)
        return loss


class MovingStatisticsAverager:
    """Averages BatchNorm moving mean/variance over the ranks of a data-parallel job.

    Gradients are all-reduced, so the trainable weights stay identical on every rank, but each rank's
    BatchNorm statistics see only its own shard. Averaging them before a checkpoint makes the saved
    statistics describe all the data and leaves every rank with the same full state.
    """

    def __init__(self, net, group_size):
        self.stats = [p for p in net.get_parameters() if "moving_mean" in p.name or "moving_variance" in p.name]
        self.reducer = nn.DistributedGradReducer(self.stats, True, group_size) if group_size > 1 else None

    def __call__(self):
        if self.reducer is None or not self.stats:
            return
        for param, averaged in zip(self.stats, self.reducer(tuple(p.value() for p in self.stats))):
            param.set_data(averaged)

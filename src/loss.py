"""CTC loss per sample, in float32, from dense blank-padded labels.

Labels arrive as (B, max_text_length) int32 arrays padded with the blank index (the zoo's layout).
The target lengths are counted from the padding inside the graph, so every batch has the same
static shapes and graph mode compiles once.
"""
import mindspore.nn as nn
import mindspore.ops as ops
from mindspore.common import dtype as mstype


class CTCLoss(nn.Cell):
    """logits (T, B, C), labels (B, S) padded with blank -> loss (B,), no reduction."""

    def __init__(self, blank):
        super().__init__()
        self.blank = blank

    def construct(self, logits, labels):
        log_probs = ops.log_softmax(ops.cast(logits, mstype.float32), axis=2)
        steps, batch = logits.shape[0], logits.shape[1]
        labels = ops.cast(labels, mstype.int32)
        target_lengths = ops.reduce_sum(ops.cast(labels != self.blank, mstype.int32), 1)
        input_lengths = ops.fill(mstype.int32, (batch,), steps)
        loss, _ = ops.CTCLossV2(blank=self.blank, reduction="none")(log_probs, labels, input_lengths,
                                                                     target_lengths)
        return loss


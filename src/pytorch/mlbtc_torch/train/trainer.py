"""
One optimiser step at a time: batch → loss and gradients → AdamW, a port of src/engine/train/trainer.ts. Nothing
here knows about files or processes (see job.py), so the loop is testable on any model and task.

Determinism: every random draw comes from the seeded Rngs of the model and task and the step order is fixed, so the
same seed gives the same losses on the same device (CUDA kernels aside that PyTorch documents as nondeterministic).
With training.microBatchSize the batch is split along its first axis and each part runs its own forward/backward
pass (gradient accumulation): the activations of only one part are alive at a time, and the averaged gradients are
those of the whole batch whenever the parts weigh the same in the loss (equal sizes; for masked losses equal mask
sums, as in an ICL batch, whose prompts share one curriculum).
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Dict, List, Mapping, Optional

import torch

from ..jsjson import js_number_text
from ..types import Batch
from .adamw import AdamW
from .schedule import lr_multiplier


@dataclass
class StepResult:
    step: int
    loss: float
    #: Scheduled base learning rate of this step.
    lr: float
    tokens: int


class DivergedError(Exception):
    """A NaN or infinite loss: training cannot continue, and the weights are no longer worth checkpointing."""

    def __init__(self, step: int, loss: float):
        super().__init__(f"diverged at step {step} (loss {js_number_text(loss)})")
        self.step = step
        self.loss = loss


class Trainer:
    def __init__(
        self,
        model: Any,
        task: Any,
        training: Mapping[str, Any],
        device: torch.device = torch.device("cpu"),
        autocast: Callable[[], ContextManager[Any]] = contextlib.nullcontext,
    ):
        micro = training["microBatchSize"]
        if micro is not None and training["batchSize"] % micro != 0:
            raise ValueError(f"training.microBatchSize ({micro}) must divide training.batchSize ({training['batchSize']})")
        self.model = model
        self.task = task
        self.training = training
        self.device = device
        self.autocast = autocast
        self.params = model.named_params()
        self.optimizer = AdamW(self.params, training)

    @property
    def passes(self) -> int:
        """Forward/backward passes per step."""
        micro = self.training["microBatchSize"]
        return 1 if micro is None else self.training["batchSize"] // micro

    def step(self, step: int) -> StepResult:
        """Run step number `step` (1-based, as the schedule and the records count). Raises DivergedError when the loss
        is not finite; the weights are then left as they were before the step."""
        lr = self.training["lr"] * lr_multiplier(step, self.training)
        batch = self.task.next_batch(step)
        parts = split_batch(batch.to(self.device), self.passes)
        for p in self.params:
            p.param.grad = None
        loss_sum: Optional[torch.Tensor] = None
        for part in parts:
            with self.autocast():
                loss = self.model.loss(part)
            loss.backward()
            value = loss.detach().float()
            loss_sum = value if loss_sum is None else loss_sum + value
        k = len(parts)
        mean = loss_sum if k == 1 else loss_sum / k
        loss_value = float(mean.item())
        if not math.isfinite(loss_value):
            raise DivergedError(step, loss_value)
        grads: List[Optional[torch.Tensor]] = [p.param.grad if k == 1 or p.param.grad is None else p.param.grad / k for p in self.params]
        self.optimizer.apply(grads, lr)
        for p in self.params:
            p.param.grad = None
        return StepResult(step=step, loss=loss_value, lr=lr, tokens=batch.tokens)

    def evaluate(self, step: int, between_batches: Optional[Callable[[], None]] = None) -> Dict[str, float]:
        """The task's evaluation metrics after `step`, without gradients; `between_batches` runs before every batch."""
        with torch.no_grad(), self.autocast():
            return self.task.evaluate(self.model, step, between_batches)


def split_batch(batch: Batch, k: int) -> List[Batch]:
    """`k` equal batches along the first axis (the batch itself when k is 1)."""
    if k == 1:
        return [batch]
    inputs = torch.chunk(batch.inputs, k, 0)
    targets = torch.chunk(batch.targets, k, 0)
    masks = torch.chunk(batch.mask, k, 0) if batch.mask is not None else [None] * k
    return [Batch(x, y, m, batch.tokens // k) for x, y, m in zip(inputs, targets, masks)]

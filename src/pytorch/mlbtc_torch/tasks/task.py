"""What every task implements (src/engine/types.ts Task), and reading a model's predictions for evaluation."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, Optional, Tuple

import torch

from ..rng import Rng
from ..types import Batch


class Task(ABC):
    @abstractmethod
    def next_batch(self, step: int) -> Batch:
        """Training batch for a step (1-based). Deterministic given the task's RNG state."""

    @abstractmethod
    def evaluate(self, model, step: int, between_batches: Optional[Callable[[], None]] = None) -> Dict[str, float]:
        """Metrics on the evaluation split(s), keyed "val.loss", "test.mse", … as the tfjs engine names them.
        `between_batches` runs before every batch: the job's stop point, which raises to end a long evaluation."""

    @abstractmethod
    def state(self) -> Any:
        """JSON-able state (RNG, evaluation seed) of exactly the tfjs engine's shape, so either runtime resumes it."""

    @abstractmethod
    def restore(self, state: Any) -> None:
        """Restore a state() (from either runtime)."""

    @abstractmethod
    def describe(self) -> str:
        """One line for logs, the same text as the tfjs engine's."""


class SeededEvaluationTask(Task):
    """A task whose evaluation draws from its own seed, the run RNG's first draw, so every evaluation sees the same
    samples however far training has gone; training batches draw from the run RNG. Its resume state is
    {"rng", "evalSeed"}, the shape of the tfjs engine's IclRegressionTask and LanguageModelTask states."""

    def __init__(self, rng: Rng):
        self.eval_seed = rng.int(2**32)
        self.rng = rng

    def state(self) -> dict:
        return {"rng": self.rng.state, "evalSeed": self.eval_seed}

    def restore(self, state: dict) -> None:
        self.rng = Rng(state["rng"])
        self.eval_seed = state["evalSeed"]


def model_device(model) -> torch.device:
    return next(p.param for p in model.named_params()).device


@torch.no_grad()
def predictions_and_targets(model, batch: Batch) -> Tuple[torch.Tensor, torch.Tensor]:
    """model.predict(batch.inputs) and batch.targets as float64 on the CPU, in the same layout: the engine reads
    float32 predictions back into JavaScript numbers and sums errors in float64."""
    predicted = model.predict(batch.inputs.to(model_device(model)))
    return predicted.detach().to("cpu", torch.float64), batch.targets.to(torch.float64)

"""
In-context linear regression (§5.1), as src/engine/tasks/iclRegression.ts. Each prompt draws w ~ N(0, I_d) and
N = 2·inputDim points x ~ N(0, I/d_cur), coordinates beyond the curriculum's d_cur zero, y = xᵀw (+ noise·ε); the
model reads (x₁, ỹ₁, x₂, ỹ₂, …), ỹ = (y, 0, …, 0), and predicts y_i at token x_i. The curriculum grows d_cur by
dimsIncrement and the points by 2·dimsIncrement every `interval` steps; prompts always hold all N points and the loss
is masked to the active ones. Evaluation re-draws the same prompts every time from a fixed evaluation seed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import torch

from ..rng import Rng
from ..types import Batch
from .task import SeededEvaluationTask, predictions_and_targets


@dataclass
class Curriculum:
    dims: int
    points: int


def curriculum_after(task: dict, updates: int) -> Curriculum:
    """The curriculum after `updates` updates: training step s draws its batch after s − 1, an evaluation after
    step s sees s."""
    c = task["curriculum"]
    increments = math.floor(max(0, updates) / c["interval"])
    return Curriculum(
        dims=min(task["inputDim"], c["startDims"] + increments * c["dimsIncrement"]),
        points=min(2 * task["inputDim"], c["startPoints"] + increments * 2 * c["dimsIncrement"]),
    )


def excess_loss_baseline(dims: int, points: int) -> float:
    """The reference's excess-loss normaliser Σ_{i<N} max(d − i, 0)/N."""
    return sum(max(dims - i, 0) for i in range(points)) / points


class IclRegressionTask(SeededEvaluationTask):
    def __init__(self, spec: dict, rng: Rng):
        if spec["task"]["kind"] != "icl-regression":
            raise ValueError(f"IclRegressionTask needs an icl-regression task, got {spec['task']['kind']}")
        self.spec = spec
        self.task = spec["task"]
        super().__init__(rng)

    def sample(self, rng: Rng, size: int, curriculum: Curriculum) -> Batch:
        """A batch of `size` prompts at a curriculum, drawn from `rng` in the engine's order."""
        d = self.task["inputDim"]
        n = 2 * d
        dims, noise = curriculum.dims, self.task["noise"]
        x_std = 1 / math.sqrt(dims)
        tokens = [0.0] * (size * 2 * n * d)  # (size, 2n, d) row-major, zeros where nothing is drawn
        targets = [0.0] * (size * n)
        for b in range(size):
            w = rng.normals(d)
            for i in range(n):
                x_token = (b * 2 * n + 2 * i) * d
                y = 0.0
                for k, z in enumerate(rng.normals(dims)):
                    x = x_std * z
                    tokens[x_token + k] = x  # rounded to float32 where it is stored; y sums the float64 x, as the engine
                    y += x * w[k]
                if noise > 0:
                    y += noise * rng.normal()
                tokens[x_token + d] = y  # ỹ_i = (y_i, 0, …, 0), the token after x_i
                targets[b * n + i] = y
        mask = (torch.arange(n) < curriculum.points).to(torch.float32).expand(size, n).contiguous()
        return Batch(
            torch.tensor(tokens, dtype=torch.float64).to(torch.float32).reshape(size, 2 * n, d),
            torch.tensor(targets, dtype=torch.float64).to(torch.float32).reshape(size, n),
            mask,
            size * 2 * n,
        )

    def next_batch(self, step: int) -> Batch:
        return self.sample(self.rng, self.spec["training"]["batchSize"], curriculum_after(self.task, step - 1))

    def evaluate(self, model, step: int, between_batches: Optional[Callable[[], None]] = None) -> Dict[str, float]:
        curriculum = curriculum_after(self.task, step)
        rng = Rng(self.eval_seed)
        points = curriculum.points
        squared = last = 0.0
        prompts = 0
        for _ in range(self.spec["training"]["evalBatches"]):
            if between_batches:
                between_batches()
            predicted, targets = predictions_and_targets(model, self.sample(rng, self.spec["training"]["batchSize"], curriculum))
            errors = (predicted - targets) ** 2
            squared += float(errors[:, :points].sum())
            last += float(errors[:, points - 1].sum())
            prompts += targets.shape[0]
        mse = squared / (prompts * points)
        return {
            "val.loss": mse,
            "val.lastPointError": last / prompts,
            "val.excessLoss": mse / excess_loss_baseline(curriculum.dims, points),
            "curriculum.dims": curriculum.dims,
            "curriculum.points": points,
        }

    def describe(self) -> str:
        d, c = self.task["inputDim"], self.task["curriculum"]
        return (
            f"in-context regression, d = {d}, {2 * d} points; curriculum from {c['startDims']} dims / {c['startPoints']} "
            f"points, +{c['dimsIncrement']} / +{2 * c['dimsIncrement']} every {c['interval']} steps"
        )

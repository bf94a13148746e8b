"""
Test doubles for the training side of mlbtc_torch, as test/unit/engine.train.fixtures.ts is for tfjs: a tiny
two-layer regression model and its task with seeded initialisation and a checkpointable data stream, so the optimiser,
the loop, checkpoints and resumption are tested in milliseconds, independently of the real transformer. Also run
folders as the studio creates them (spec.json + a queued status.json).
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from typing import Any, Dict

import torch

from mlbtc_torch import Batch, NamedParam, Rng
from mlbtc_torch.job import JobDependencies

IN = 6
HIDDEN = 8

#: The training block resolveSpec fills in (src/core/spec/resolve.ts defaults), with small toy settings.
TRAINING: Dict[str, Any] = {
    "steps": 12, "batchSize": 8, "microBatchSize": None, "lr": 0.02, "warmupSteps": 3, "schedule": "constant",
    "minLrRatio": 0.1, "weightDecay": 0.1, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "gradClip": 1, "mupBaseWidth": 768,
    "seed": 9, "logEvery": 1, "evalEvery": 4, "evalBatches": 1, "checkpointEvery": 4, "backend": "cpu",
}


class ToyModel(torch.nn.Module):
    """y = tanh(x·W1 ⊙ g)·W2: two decayed matrices with µP-like lr scales and one undecayed gain."""

    def __init__(self, rng: Rng, loss_scale: float = 1):
        super().__init__()
        normal = lambda n, std: torch.tensor([std * rng.normal() for _ in range(n)], dtype=torch.float32)  # noqa: E731
        self.w1 = torch.nn.Parameter(normal(IN * HIDDEN, 1 / math.sqrt(IN)).reshape(IN, HIDDEN))
        self.gain = torch.nn.Parameter(torch.ones(HIDDEN))
        self.w2 = torch.nn.Parameter(normal(HIDDEN, 0.1).reshape(HIDDEN, 1))
        self.loss_scale = loss_scale

    def named_params(self):
        return [NamedParam("w1", self.w1, 2, True), NamedParam("gain", self.gain, 1, False), NamedParam("w2", self.w2, 0.5, True)]

    def loss(self, batch: Batch) -> torch.Tensor:
        y = torch.tanh((batch.inputs @ self.w1) * self.gain) @ self.w2
        return ((y - batch.targets) ** 2).mean() * self.loss_scale


class ToyTask:
    """Regression on a fixed random teacher; batches come from a checkpointable Rng."""

    def __init__(self, spec: Dict[str, Any], rng: Rng, delay_s: float = 0):
        self.batch_size = spec["training"]["batchSize"]
        self.teacher = [rng.normal() for _ in range(IN)]
        self.rng = rng
        self.delay_s = delay_s

    def _sample(self, rng: Rng, size: int) -> Batch:
        x = [[rng.normal() for _ in range(IN)] for _ in range(size)]
        y = [[math.sin(sum(a * b for a, b in zip(row, self.teacher)))] for row in x]
        return Batch(torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32), None, size)

    def next_batch(self, step: int) -> Batch:
        time.sleep(self.delay_s)
        return self._sample(self.rng, self.batch_size)

    def evaluate(self, model, step: int, between_batches=None) -> Dict[str, float]:
        if between_batches:
            between_batches()
        return {"val.loss": float(model.loss(self._sample(Rng(12345), 64)))}

    def state(self):
        return {"rng": self.rng.state}

    def restore(self, state) -> None:
        self.rng = Rng(state["rng"])

    def describe(self) -> str:
        return "toy regression"


def toy_dependencies(loss_scale: float = 1, delay_s: float = 0) -> JobDependencies:
    return JobDependencies(
        build_model=lambda spec, rng: ToyModel(rng, loss_scale),
        create_task=lambda spec, spec_dir, rng: ToyTask(spec, rng, delay_s),
    )


def new_run(parent: str, name: str = "run", flops_per_step: int = 1000, **training: Any) -> str:
    """A run folder as createRunFolder (src/runfolder/runFolder.ts) makes it, for a toy spec."""
    run = os.path.join(str(parent), name)
    os.makedirs(os.path.join(run, "checkpoints"))
    spec = {"name": "toy", "training": {**TRAINING, **training}}
    spec_file = {
        "version": 1, "name": name, "createdAt": "2026-01-01T00:00:00.000Z",
        "source": {"path": os.path.join(str(parent), "toy.mlbtc.json"), "text": "{}"},
        "spec": spec, "overrides": {}, "flopsPerStep": flops_per_step,
    }
    status = {
        "version": 1, "state": "queued", "pid": None, "heartbeat": None, "backend": None, "runtime": None, "startedAt": None,
        "endedAt": None, "exitReason": None, "step": 0, "totalSteps": spec["training"]["steps"],
    }
    for file, value in (("spec.json", spec_file), ("status.json", status)):
        with open(os.path.join(run, file), "w", encoding="utf-8") as f:
            json.dump(value, f, indent=2)
    return run


def records(run: str, kind: str):
    from mlbtc_torch.runfolder import parse_metric_lines

    with open(os.path.join(run, "metrics.jsonl"), encoding="utf-8") as f:
        return [r for r in parse_metric_lines(f.read()) if r["kind"] == kind]


def status(run: str) -> Dict[str, Any]:
    with open(os.path.join(run, "status.json"), encoding="utf-8") as f:
        return json.load(f)


#: A worker process on toy dependencies: `python -c TOY_WORKER RUN_DIR [--resume]` (delay per step from the env).
TOY_WORKER = (
    "import os, sys; sys.path[:0] = os.environ['MLBTC_TEST_PATH'].split(os.pathsep); "
    "from train_toys import toy_dependencies; from mlbtc_torch.worker import main; "
    "sys.exit(main(sys.argv[1:], toy_dependencies(delay_s=float(os.environ.get('MLBTC_TOY_DELAY', '0')))))"
)


def toy_worker_env() -> Dict[str, str]:
    here = os.path.dirname(os.path.abspath(__file__))
    package = os.path.abspath(os.path.join(here, "..", "..", "src", "pytorch"))
    return {**os.environ, "MLBTC_TEST_PATH": os.pathsep.join([package, here]), "PYTHONPATH": package}


PYTHON = sys.executable

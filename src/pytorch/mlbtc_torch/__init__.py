"""
mlbtc_torch: MLBTC Studio's PyTorch runtime. It builds the model of a resolved spec and its task's data exactly as
the tfjs engine (src/engine) does: same parameter names, shapes and order, the same seeded initial weights, the same
batches from the same seed, the same forward math and metrics, so the two runtimes check each other.

    from mlbtc_torch import build_model, create_task, Rng
    root = Rng(spec["training"]["seed"])
    model = build_model(spec, root.fork())            # fast=True: fused attention + torch.compile (torch ≥ 2.5)
    task = create_task(spec, spec_dir, root.fork())
"""
from .model import Model, build_attention, build_model
from .rng import Rng, RngState
from .spec import SpecError, check_resolved
from .tasks import DataError, Task, create_task
from .types import Batch, NamedParam

__all__ = [
    "Batch",
    "DataError",
    "Model",
    "NamedParam",
    "Rng",
    "RngState",
    "SpecError",
    "Task",
    "build_attention",
    "build_model",
    "check_resolved",
    "create_task",
]

"""
The PyTorch side of the cross-runtime check. test/crossRuntime/tfjsReference.ts records, per case, what the tfjs
engine builds and computes from a seed; this builds the same in torch and reports how far each part is from it:

- parameters: names, shapes, order, lr scales and decay flags must be identical; initial values as max-norm
  relative errors (max |Δ| / max |reference| per tensor, the worst tensor reported);
- the first batch (max |Δ|), tokens, the task state and description after drawing it, and the second batch of a
  task restored from the reference's state (a tfjs checkpoint resumed in torch);
- at the reference's perturbed point: the loss (relative error), every gradient (max-norm relative), and the
  evaluation metrics (relative, same keys), on the plain path and the fast path (build_model(fast=True)).

    python -m mlbtc_torch.crosscheck reference.json [--compile CASE=BACKEND …]

The fast path of every case runs its fused attention kernels eagerly; --compile also compiles the named cases' fast
models with a torch.compile backend (inductor takes tens of seconds per model on a small CPU, so tests pick a few).

prints one JSON report; test/unit/runtime.crossCheck.test.ts holds the numbers to their tolerances.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Dict, List, Optional

import torch

from . import Rng, build_model, create_task
from .model import fast_path_available


def max_norm_error(ours: torch.Tensor, reference: torch.Tensor) -> float:
    """max |ours − reference| / max |reference| (0 when both are all zeros)."""
    delta = (ours.double() - reference.double()).abs().max().item() if reference.numel() else 0.0
    scale = reference.double().abs().max().item() if reference.numel() else 0.0
    if delta == 0:
        return 0.0
    return delta / scale if scale > 0 else float("inf")


def worst(errors: Dict[str, float]) -> dict:
    name = max(errors, key=lambda k: errors[k]) if errors else None
    return {"max": errors[name] if name else 0.0, "at": name}


def tensor(dump: dict, dtype=torch.float32) -> torch.Tensor:
    return torch.tensor(dump["values"], dtype=torch.float64).reshape(dump["shape"]).to(dtype)


def batch_errors(batch, reference: dict) -> dict:
    """The largest |Δ| between a batch's tensors and the reference's, and both token counts."""
    parts = {"inputs": (batch.inputs, reference["inputs"]), "targets": (batch.targets, reference["targets"])}
    if reference["mask"] is not None or batch.mask is not None:
        parts["mask"] = (batch.mask, reference["mask"])
    errors = {}
    for key, (ours, theirs) in parts.items():
        if ours is None or theirs is None or list(ours.shape) != theirs["shape"]:
            errors[key] = float("inf")
        else:
            errors[key] = (ours.double() - tensor(theirs, torch.float64)).abs().max().item() if ours.numel() else 0.0
    return {**worst(errors), "tokens": [batch.tokens, reference["tokens"]]}


def relative(ours: float, reference: float) -> float:
    return abs(ours - reference) / max(abs(reference), 1e-30)


def loss_and_gradients(model, batch, point: Dict[str, List[float]]):
    with torch.no_grad():
        for p in model.named_params():
            p.param.copy_(torch.tensor(point[p.name], dtype=torch.float64).reshape(p.param.shape))
    model.zero_grad(set_to_none=True)
    loss = model.loss(batch)
    loss.backward()
    return loss.item(), {p.name: p.param.grad for p in model.named_params()}


def gradient_errors(gradients, reference) -> dict:
    return worst({name: max_norm_error(g, torch.tensor(reference[name]).reshape(g.shape)) for name, g in gradients.items()})


def check_case(case: dict, compile_backend: Optional[str] = None) -> dict:
    spec = case["spec"]
    root = Rng(spec["training"]["seed"])
    model = build_model(spec, root.fork())
    task = create_task(spec, case["specDir"], root.fork())
    report: dict = {"name": case["name"]}

    ours = [(p.name, list(p.param.shape), p.lr_scale, p.decay) for p in model.named_params()]
    theirs = [(p["name"], p["shape"], p["lrScale"], p["decay"]) for p in case["initial"]]
    report["params"] = {"same": ours == theirs, "ours": ours if ours != theirs else None, "reference": theirs if ours != theirs else None}
    by_name = {p.name: p.param.detach() for p in model.named_params()}
    report["initial"] = worst({p["name"]: max_norm_error(by_name[p["name"]], tensor(p)) for p in case["initial"] if p["name"] in by_name})

    batch = task.next_batch(1)
    report["batch"] = batch_errors(batch, case["batch"])
    # A task restored from the reference's state draws the reference's next batch: a run checkpointed by the tfjs
    # engine resumes here.
    resumed = create_task(spec, case["specDir"], Rng(0))
    resumed.restore(case["taskState"])
    report["resumedBatch"] = batch_errors(resumed.next_batch(2), case["nextBatch"])
    report["taskState"] = {"ours": json.loads(json.dumps(task.state())), "reference": case["taskState"]}
    report["describe"] = {"ours": task.describe(), "reference": case["describe"]}

    loss, gradients = loss_and_gradients(model, batch, case["point"])
    report["plain"] = {"loss": relative(loss, case["loss"]), "gradients": gradient_errors(gradients, case["gradients"])}
    metrics = task.evaluate(model, 1)
    report["metrics"] = {
        "keys": [sorted(metrics), sorted(case["metrics"])],
        **worst({k: relative(metrics[k], case["metrics"][k]) for k in metrics if k in case["metrics"]}),
    }

    if not fast_path_available():
        report["fast"] = {"skipped": f"torch {torch.__version__} has no flex_attention (needs ≥ 2.5)"}
    else:
        fast = build_model(spec, Rng(spec["training"]["seed"]).fork(), fast=True, compile_backend=compile_backend)
        loss, gradients = loss_and_gradients(fast, batch, case["point"])
        report["fast"] = {
            "compiled": compile_backend,
            "loss": relative(loss, case["loss"]),
            "gradients": gradient_errors(gradients, case["gradients"]),
        }
    return report


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlbtc_torch.crosscheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("reference", help="JSON written by test/crossRuntime/tfjsReference.ts")
    parser.add_argument("--compile", nargs="*", default=[], metavar="CASE=BACKEND", help="compile these cases' fast models")
    args = parser.parse_args(argv)
    compiled = dict(item.split("=", 1) for item in args.compile)
    with open(args.reference, encoding="utf-8") as f:
        cases = json.load(f)
    reports = []
    for case in cases:
        reports.append(check_case(case, compiled.get(case["name"])))
    json.dump({"torch": torch.__version__, "cases": reports}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

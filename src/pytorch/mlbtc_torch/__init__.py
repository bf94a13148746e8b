"""
mlbtc_torch: MLBTC Studio's PyTorch runtime. It builds the model of a resolved spec and its task's data exactly as
the tfjs engine (src/engine) does: same parameter names, shapes and order, the same seeded initial weights, the same
batches from the same seed, the same forward math and metrics, so the two runtimes check each other.

    from mlbtc_torch import build_model, create_task, Rng
    root = Rng(spec["training"]["seed"])
    model = build_model(spec, root.fork())            # fast=True: fused attention + torch.compile (torch ≥ 2.5)
    task = create_task(spec, spec_dir, root.fork())
"""
# Imported on first use (PEP 562), not when the package loads: `python -m mlbtc_torch.probe` must start and say
# "no torch" on a Python without it, and everything below imports torch.
_EXPORTS = {
    "Batch": ".types",
    "DataError": ".tasks",
    "Model": ".model",
    "NamedParam": ".types",
    "Rng": ".rng",
    "RngState": ".rng",
    "SpecError": ".spec",
    "Task": ".tasks",
    "build_attention": ".model",
    "build_model": ".model",
    "check_resolved": ".spec",
    "create_task": ".tasks",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value

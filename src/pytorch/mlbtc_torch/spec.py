"""
Reading a resolved spec (src/core/spec/resolve.ts ResolvedSpec) as the plain dict JSON gives: every default filled
in, attention as "layers" (one {"groups": [...]} per block, always model.layers long), mlbtc presets expanded into
levels. This package never resolves raw
specs itself (one source of truth: the TypeScript resolver); a run folder's spec.json holds the resolved spec under
the key "spec" (mlbtc_torch.runfolder reads it).

Also the logit scales of src/core/materialize/scoring.ts, which the model needs.
"""
from __future__ import annotations

import math
from typing import Any, Dict

ResolvedSpec = Dict[str, Any]

_REQUIRED = {
    "task": ["kind"],
    "model": ["width", "heads", "headDim", "layers", "seqLen", "mlpRatio"],
    "training": ["batchSize", "evalBatches", "mupBaseWidth", "seed"],
}


class SpecError(ValueError):
    """A resolved spec that lacks what the runtime needs; the message names the JSON path."""


def check_resolved(spec: Any, source: str = "spec") -> ResolvedSpec:
    """`spec` itself after checking it is a resolved spec (not a raw one, not a run folder's wrapper)."""
    if not isinstance(spec, dict):
        raise SpecError(f"{source}: a resolved spec must be a JSON object, got {type(spec).__name__}.")
    if "spec" in spec and "model" not in spec:
        raise SpecError(f'{source}: this is a run folder\'s spec file; pass its "spec" member (read_run_spec does).')
    for section, keys in _REQUIRED.items():
        if not isinstance(spec.get(section), dict):
            raise SpecError(f"{source}: {section} is missing; expected a resolved spec (src/core/spec/resolve.ts).")
        for key in keys:
            if key not in spec[section]:
                raise SpecError(f"{source}: {section}.{key} is missing; a resolved spec has every default filled in.")
    if "layers" not in spec and isinstance(spec.get("groups"), list):
        # Run folders written before per-layer structures (docs/formats.md): every block has the same groups.
        groups = spec.pop("groups")
        spec["layers"] = [{"groups": groups} for _ in range(spec["model"]["layers"])]
    layers = spec.get("layers")
    if not isinstance(layers, list) or len(layers) != spec["model"]["layers"]:
        raise SpecError(
            f'{source}: layers must list model.layers ({spec["model"]["layers"]}) blocks; a resolved spec gives each '
            'block its head groups (raw "attention" is not read).'
        )
    for l, layer in enumerate(layers):
        groups = layer.get("groups") if isinstance(layer, dict) else None
        if not isinstance(groups, list) or not groups:
            raise SpecError(f"{source}: layers.{l}.groups is missing; each block lists its head groups.")
        for i, g in enumerate(groups):
            if not isinstance(g, dict) or "heads" not in g or "attention" not in g or "kind" not in g["attention"]:
                raise SpecError(f"{source}: layers.{l}.groups.{i} needs heads and attention.kind.")
    return spec


def dense_scale(logit_scale: str, d: int) -> float:
    """κ of a d-dimensional dot-product head (§2.3): "mup" 8/d, "standard" 1/√d."""
    return 8 / d if logit_scale == "mup" else 1 / math.sqrt(d)


def bilinear_scale(logit_scale: str, width: int) -> float:
    """κ of a D-wide bilinear head (bilinear-btt, mlbtc; §2.3): "standard" 1/√D, "mup" 1/D."""
    return 1 / width if logit_scale == "mup" else 1 / math.sqrt(width)


def bilinear_mlr_scale(logit_scale: str, rank: int, blocks: int) -> float:
    """κ_l of a bilinear-mlr level whose query/key width is r_l·p_l (§2.3), before the optional 1/L."""
    return 8 / (rank * blocks) if logit_scale == "mup" else 1 / math.sqrt(rank * blocks)

"""Resolved specs for the Python tests, written out as src/core/spec/resolve.ts resolves them (every default
explicit, attention as per-layer head groups, mlbtc as levels): the Python runtime reads resolved specs only."""
import copy

TRAINING = {
    "steps": 20, "batchSize": 3, "microBatchSize": None, "lr": 1e-3, "warmupSteps": 2, "schedule": "constant",
    "minLrRatio": 0.1, "weightDecay": 0, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "gradClip": 1, "mupBaseWidth": 768,
    "seed": 0, "logEvery": 1, "evalEvery": 10, "evalBatches": 2, "checkpointEvery": 10, "backend": "cpu",
}

ICL = {"kind": "icl-regression", "inputDim": 4, "noise": 0,
       "curriculum": {"startDims": 2, "startPoints": 4, "interval": 3, "dimsIncrement": 1}}

#: One resolved attention per family (width 16, 2 heads, headDim 8, seqLen 16).
FAMILIES = {
    "dense": {"kind": "dense", "qkDim": 8, "logitScale": "mup", "qkNorm": True},
    "sliding-window": {"kind": "sliding-window", "window": 3, "logitScale": "mup", "qkNorm": True},
    "global-local": {"kind": "global-local", "window": 3, "split": [4, 4], "qkNorm": True},
    "mlr": {"kind": "mlr", "ranks": [4, 2, 2], "blockSizes": [16, 8, 4], "normalize": "coverage", "qkNorm": True},
    "bilinear-mlr": {"kind": "bilinear-mlr", "ranks": [2, 2], "logitScale": "standard", "normalize": "none",
                     "weightClamp": True, "qkNorm": True},
    "bilinear-btt": {"kind": "bilinear-btt", "rank": 2, "factors": [2, 8], "logitScale": "standard",
                     "weightClamp": True, "qkNorm": True},
    "mlbtc": {"kind": "mlbtc", "logitScale": "standard", "qkNorm": True, "levels": [
        {"blocks": 1, "out": [2, 8], "in": [4, 4], "rank": 2, "kronecker": False},
        {"blocks": 4, "out": [2, 2], "in": [2, 2], "rank": 1, "kronecker": True},
    ]},
}


def _groups(entry):
    """Resolved head groups of one layer: a family name (all heads) or [(heads, family), …]."""
    resolved, first = [], 0
    for heads, family in ([(2, entry)] if isinstance(entry, str) else entry):
        resolved.append({"heads": heads, "firstHead": first, "attention": copy.deepcopy(FAMILIES[family])})
        first += heads
    return resolved


def spec(attention="dense", task=None, layers=1, seq_len=16, groups=None, pattern=None, **training):
    """A resolved spec of width 16 and 2 heads; `groups` as [(heads, family), …] for head groups; `pattern` as a
    list of per-layer entries (each a family name or such a group list), repeated to `layers` as resolution does."""
    entries = pattern if pattern is not None else [groups if groups is not None else attention]
    resolved = [{"groups": _groups(e)} for e in entries]
    return {
        "name": "test",
        "task": copy.deepcopy(task or ICL),
        "model": {"width": 16, "heads": 2, "layers": layers, "seqLen": seq_len, "mlpRatio": 2, "headDim": 8},
        "layers": [copy.deepcopy(resolved[l % len(resolved)]) for l in range(layers)],
        "training": {**TRAINING, **training},
    }


def language_model(data="text.txt", vocab=40):
    return {"kind": "language-model", "vocabSize": vocab, "data": data}


def forecast(data="series.csv", channels=3, features="M", lookback=12, horizon=4, split=(0.6, 0.2, 0.2)):
    return {"kind": "forecast", "channels": channels, "data": data, "dateColumn": "date", "target": "OT",
            "features": features, "lookback": lookback, "horizon": horizon, "split": list(split)}

#!/usr/bin/env python3
"""
The GPU benchmark of the PyTorch runtime (bench/README.md, "GPU"). Run on a machine with CUDA, from the repository
root, after bench/gpu/prepare.ts wrote the cases where Node is:

    python3 bench/gpu/run.py bench/results/gpu-cases.json [--steps N] [--peak-tflops P] [--only TEXT] [--device D]

For each case (the paper's char-LM and ICL configurations, with dense, mlr and bilinear-btt attention) it times, in
bf16 autocast on cuda:0:
  - the torch runtime on its fast path (flex_attention block masks, torch.compile): what a run does on a GPU;
  - the torch runtime's plain path;
  - the reference-style implementation (bench/torch_reference.py: manual T x T attention, MLR with one T x T matrix
    per level as the reference code builds it).
It prints tokens/s, model FLOP utilisation (training FLOPs from core analysis / time / the device's peak) and the
ratios the targets are stated in (runtime vs reference-style per family; mlr vs dense time at T = 1024).
tfjs-webgpu is not timed here: it needs Node, which the device machine does not have.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

#: Dense bf16 tensor-core peaks (TFLOP/s) by device name, for MFU; --peak-tflops overrides.
PEAKS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0}


def timing(script, config):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "bench", script), json.dumps(config)], capture_output=True, text=True)
    if r.returncode != 0:
        return f"failed: {(r.stderr.strip().splitlines() or ['?'])[-1][:70]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--peak-tflops", type=float)
    ap.add_argument("--only", help="cases whose label contains this text")
    ap.add_argument("--device", default="cuda", help="cuda (default), or cpu to check the script where there is no GPU")
    args = ap.parse_args()
    import torch

    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else args.device
    peak = args.peak_tflops or next((p for k, p in PEAKS.items() if k in name), None)
    print(f"torch {torch.__version__} · {name} · bf16 · {args.steps} steps after 3 warm-up; peak {peak} TFLOP/s")
    cases = [c for c in json.load(open(args.cases))["cases"] if not args.only or args.only in c["label"]]
    common = {"device": args.device, "precision": "bf16", "steps": args.steps, "warmup": 3, "threads": 4}
    rows, wall = [], {}
    for c in cases:
        runs = {
            "runtime (fast)": timing("torch_runtime.py", {**common, "spec": c["spec"], "specDir": ROOT, "fast": True}),
            "runtime (plain)": timing("torch_runtime.py", {**common, "spec": c["spec"], "specDir": ROOT, "fast": False}),
            "reference-style": timing("torch_reference.py", {**common, **c["reference"]}),
        }
        for what, t in runs.items():
            if isinstance(t, str):
                rows.append([c["label"], what, t, "", ""])
                continue
            tok_s = c["tokensPerStep"] / t["wallMs"] * 1000
            mfu = c["flopsPerStep"] / (t["wallMs"] / 1000) / (peak * 1e12) if peak else float("nan")
            wall[(c["label"], what)] = t["wallMs"]
            rows.append([c["label"], what, f"{t['wallMs']:.1f}", f"{tok_s:,.0f}", f"{mfu:.1%}"])
        print(f"  {c['label']}: " + ", ".join(f"{w} {r if isinstance(r, str) else round(r['wallMs'], 1)}" for w, r in runs.items()), flush=True)
    print("\n| case | implementation | ms/step | tokens/s | MFU |\n|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print("\nRatios (targets: runtime ≥ 1.0× reference-style tokens/s, ≥ 1.5× for mlr; mlr/dense time ≤ 0.8 at T 1024):")
    for c in cases:
        ref, fast = wall.get((c["label"], "reference-style")), wall.get((c["label"], "runtime (fast)"))
        if ref and fast:
            print(f"  {c['label']}: runtime (fast) / reference-style tokens/s = {ref / fast:.2f}")
    for prefix in ("char LM T1024", "ICL d64"):
        mlr, dense = wall.get((f"{prefix} mlr", "runtime (fast)")), wall.get((f"{prefix} dense", "runtime (fast)"))
        if mlr and dense:
            print(f"  {prefix}: mlr / dense time (runtime, fast) = {mlr / dense:.2f}")


if __name__ == "__main__":
    main()

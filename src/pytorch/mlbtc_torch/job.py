"""
One training job on one run folder, from start (or the last checkpoint) to a final state: a port of
src/engine/train/job.ts behind the same run-folder contract (src/protocol/run.ts), so the extension, the CLI and the
run store read a PyTorch run exactly like a tfjs one, and either runtime resumes the other's checkpoints.

Step numbering: steps are 1-based; a record or checkpoint "at step N" is taken after N optimiser steps.
Logging: a train record every logEvery steps holds the mean loss of the steps since the previous record; an eval
record every evalEvery steps; a checkpoint every checkpointEvery steps; all three also after the last step.
Exact resumption: a checkpoint holds weights, AdamW moments and step, the task state and the losses not yet logged,
and metrics.jsonl is cut back to the checkpoint's step, so a resumed run writes the same losses and records an
uninterrupted run would have written (same runtime and device; wall times aside).

Device and precision come from spec.training.device (auto | cpu | cuda | cuda:N | mps; auto = cuda, else mps, else
cpu) and spec.training.precision (fp32 | bf16: bf16 autocast where the device supports it, weights and optimiser
state stay float32).
"""
from __future__ import annotations

import contextlib
import math
import os
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Dict, List, Optional, Tuple

import torch

from . import DataError, SpecError
from .checkpoint import CheckpointContent, read_checkpoint, restore_params, write_checkpoint_files
from .claim import claim_run_folder
from .resources import ResourceError, free_memory, memory_problem, recorded_memory
from .rng import Rng
from .runfolder import (
    HEARTBEAT_INTERVAL_S,
    RunFolderError,
    RunFolderWriter,
    iso_now,
    newest_readable_checkpoint,
    read_run_spec,
    stop_request_of,
)
from .train.stop import StopRequested, stop_point
from .train.trainer import DivergedError, Trainer

#: Set to "0" to train without the fast path (flex_attention, torch.compile), "1" to use it on every device; unset,
#: it is used on CUDA with torch ≥ 2.5 (on the CPU and MPS compiling costs more than it saves at studio sizes).
FAST_ENV = "MLBTC_TORCH_FAST"


@dataclass
class JobDependencies:
    """How a job builds its model and task: the package's own by default; tests substitute small ones."""

    build_model: Callable[..., Any]
    create_task: Callable[[Dict[str, Any], str, Rng], Any]


def package_dependencies() -> JobDependencies:
    from . import build_model, create_task

    return JobDependencies(build_model, create_task)


@dataclass
class FinalResult:
    #: "finished", "cancelled" or "failed", as the tfjs worker's final message.
    type: str
    step: int
    message: Optional[str] = None


class DeviceError(Exception):
    """training.device or training.precision asks for something this machine's torch cannot do."""


def torch_version() -> str:
    """torch's release without a local build tag ("2.13.0", not "2.13.0+cpu")."""
    return torch.__version__.split("+")[0]


def resolve_device(requested: str) -> torch.device:
    """The device of spec.training.device; a forced device that is missing raises DeviceError saying why."""
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if requested == "auto":
        return torch.device("cuda:0" if cuda else "mps" if mps else "cpu")
    if requested == "cpu":
        return torch.device("cpu")
    if requested == "mps":
        if not mps:
            raise DeviceError(f'training.device is "mps" but torch {torch_version()} sees no MPS device (Apple silicon GPU)')
        return torch.device("mps")
    if requested == "cuda" or requested.startswith("cuda:"):
        if not cuda:
            raise DeviceError(f'training.device is "{requested}" but torch {torch_version()} sees no CUDA device')
        index = int(requested.split(":")[1]) if ":" in requested else 0
        count = torch.cuda.device_count()
        if index >= count:
            seen = f"{count} CUDA device(s) (cuda:0–cuda:{count - 1})"
            raise DeviceError(f'training.device is "{requested}" but torch {torch_version()} sees {seen}')
        return torch.device(f"cuda:{index}")
    raise DeviceError(f'training.device is "{requested}"; expected auto, cpu, cuda, cuda:N or mps')


def bf16_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type in ("cpu", "mps")


def device_label(device: torch.device) -> str:
    """"cpu", "mps", "cuda:0 NVIDIA H200": the device and, for CUDA, its name."""
    if device.type == "cuda":
        return f"{device} {torch.cuda.get_device_name(device)}"
    return str(device)


def use_fast_path(device: torch.device) -> bool:
    setting = os.environ.get(FAST_ENV)
    if setting == "0":
        return False
    from .model.model import fast_path_available

    return fast_path_available() and (setting == "1" or device.type == "cuda")


def rounded_position(p: Dict[str, Any]) -> Dict[str, Any]:
    """Wall time to 0.1 ms in the records, rounded half up as Math.round does."""
    return {**p, "wallMs": _js_round_tenth(p["wallMs"])}


def _js_round_tenth(x: float) -> float:
    value = math.floor(x * 10 + 0.5) / 10
    return int(value) if value.is_integer() else value


def _as_number(x: float) -> Any:
    """An integral float as an int, so counts stay integers in JSON as JavaScript writes them."""
    return int(x) if isinstance(x, float) and x.is_integer() and abs(x) < 2**53 else x


def run_job(
    run_dir: str,
    resume: bool = False,
    stop_requested: Callable[[], Optional[str]] = lambda: None,
    dependencies: Optional[JobDependencies] = None,
) -> FinalResult:
    deps = dependencies or package_dependencies()
    # Before anything is written: a folder another worker holds, or one that completed, is refused untouched.
    claim = claim_run_folder(run_dir, resume)
    if claim.lock is None:
        return FinalResult("failed", 0, claim.refused)
    try:
        writer = RunFolderWriter(run_dir)
    except BaseException:
        claim.lock.release()
        raise

    def log(level: str, message: str) -> None:
        writer.log(level, message)

    step = 0
    last_checkpoint: Optional[int] = None
    between_batches = stop_point(stop_requested)
    try:
        run_spec = read_run_spec(run_dir)
        spec = run_spec["spec"]
        t = spec["training"]
        before = writer.current_status
        writer.update_status(
            state="running",
            pid=os.getpid(),
            startedAt=before.get("startedAt") or iso_now(),
            endedAt=None,
            exitReason=None,
            totalSteps=t["steps"],
        )
        writer.start_heartbeat(HEARTBEAT_INTERVAL_S)

        device = resolve_device(t.get("device", "auto"))
        precision = t.get("precision", "fp32")
        if precision not in ("fp32", "bf16"):
            raise DeviceError(f'training.precision is "{precision}"; expected fp32 or bf16')
        if precision == "bf16" and not bf16_supported(device):
            log("warn", f"training.precision is bf16 but {device_label(device)} does not support it: training in fp32")
            precision = "fp32"
        autocast: Callable[[], ContextManager[Any]] = (
            (lambda: torch.autocast(device.type, dtype=torch.bfloat16)) if precision == "bf16" else contextlib.nullcontext
        )
        runtime = f"torch {torch_version()} · {device_label(device)} · {precision}"
        writer.update_status(backend=str(device), runtime=runtime)
        fast = use_fast_path(device)
        log("info", f"runtime {runtime}{' (fast path: flex_attention, torch.compile)' if fast else ''}")
        between_batches()  # a stop during start-up ends here, before the model is built
        need = recorded_memory(run_spec, os.path.join(run_dir, "spec.json"))
        free = free_memory(device) if need else None
        too_big = memory_problem(need, t, *free) if need and free else None
        if too_big:
            raise ResourceError(too_big)

        flops_per_step = run_spec.get("flopsPerStep")
        if not isinstance(flops_per_step, (int, float)):
            why = "MLBTC Studio writes it when it creates a run"
            raise RunFolderError(f"{os.path.join(run_dir, 'spec.json')}: no flopsPerStep ({why}); create the run again")

        # One seed, two independent streams: initialisation, then data. task.state() carries the data stream onward.
        root = Rng(t["seed"])
        model = deps.build_model(spec, root.fork(), fast=fast) if fast else deps.build_model(spec, root.fork())
        if hasattr(model, "to"):
            model.to(device)
        source = run_spec.get("source") or {}
        task = deps.create_task(spec, os.path.dirname(source.get("path", "")) or ".", root.fork())
        trainer = Trainer(model, task, t, device, autocast)
        params = sum(p.param.numel() for p in trainer.params)
        log("info", f"{spec.get('name', 'model')}: {params:,} parameters; {task.describe()}")

        position: Dict[str, Any] = {"step": 0, "tokens": 0, "flops": 0, "wallMs": 0}
        pending: List[float] = []
        latest = newest_readable_checkpoint(run_dir, read_checkpoint, lambda m: log("warn", m)) if resume else None
        if latest:
            checkpoint = latest.value
            trainer.optimizer.set_state(restore_params(trainer.params, checkpoint, latest.path))
            task.restore(checkpoint.meta["task"])
            position = dict(checkpoint.meta["position"])
            pending = list(checkpoint.meta["pendingLosses"])
            if checkpoint.meta.get("runtime") != runtime:
                differ = "losses will differ slightly from an uninterrupted run"
                log("warn", f"the checkpoint was written by {checkpoint.meta.get('runtime')} and training continues on {runtime}: {differ}")
            log("info", f"resuming from {latest.path} after step {checkpoint.meta['step']}")
        elif resume:
            log("info", "no checkpoint to resume from: starting from step 1")
        # Records a previous worker wrote after the step training restarts from would otherwise appear twice.
        writer.truncate_metrics_after(position["step"])
        step = position["step"]
        last_checkpoint = step if latest else None

        def save_checkpoint() -> None:
            nonlocal last_checkpoint
            content = CheckpointContent(step, position, runtime, trainer.params, trainer.optimizer.get_state(), task.state(), pending)
            writer.save_checkpoint(step, lambda tmp: write_checkpoint_files(tmp, content))
            last_checkpoint = step
            writer.update_status(step=step)

        while step < t["steps"]:
            stop = stop_requested() or stop_request_of(run_dir)
            if stop:
                if step > 0 and last_checkpoint != step:
                    save_checkpoint()
                reason = f"stopped by {stop} after step {step}"
                log("info", reason)
                writer.update_status(state="cancelled", step=step, endedAt=iso_now(), exitReason=reason)
                return FinalResult("cancelled", step)
            started = time.perf_counter()
            try:
                result = trainer.step(step + 1)
            except Exception as e:
                if _is_out_of_memory(e):
                    raise OutOfMemory(_out_of_memory_message(e, device, t, step + 1, last_checkpoint)) from e
                raise
            step = result.step
            position = {
                "step": step,
                "tokens": _as_number(position["tokens"] + result.tokens),
                "flops": _as_number(position["flops"] + flops_per_step),
                "wallMs": position["wallMs"] + (time.perf_counter() - started) * 1000,
            }
            pending.append(result.loss)
            writer.note_step(step)
            last = step == t["steps"]
            if step % t["logEvery"] == 0 or last:
                loss = sum(pending) / len(pending)
                pending = []
                writer.append_metric({"kind": "train", **rounded_position(position), "loss": loss, "lr": result.lr})
            if step % t["evalEvery"] == 0 or last:
                metrics = trainer.evaluate(step, between_batches)
                writer.append_metric({"kind": "eval", **rounded_position(position), **metrics})
            if step % t["checkpointEvery"] == 0 or last:
                save_checkpoint()
        reason = f"completed {step} steps"
        log("info", reason)
        writer.update_status(state="completed", step=step, endedAt=iso_now(), exitReason=reason)
        return FinalResult("finished", step)
    except StopRequested as e:
        return _stopped_midway(writer, log, e, step)
    except Exception as e:  # every failure ends the run as "failed" with a message; nothing written is lost
        message = str(e) or type(e).__name__
        expected = isinstance(e, EXPECTED_FAILURES)
        log("error", message if expected else "".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip())
        writer.update_status(state="failed", step=step, endedAt=iso_now(), exitReason=message)
        return FinalResult("failed", step, message)
    finally:
        writer.stop_heartbeat()
        claim.lock.release()


def _stopped_midway(writer: RunFolderWriter, log: Callable[[str, str], None], stop: StopRequested, step: int) -> FinalResult:
    """A stop that arrived during start-up or an evaluation: no checkpoint is written for the step in flight (its
    evaluation record would be missing from a run resumed there), so a resume continues from the last checkpoint and
    redoes the evaluation."""
    when = f"during the evaluation after step {step}" if step > 0 else "while starting"
    reason = f"stopped by {stop.by} {when}; a resume continues from the last checkpoint"
    log("info", reason)
    writer.update_status(state="cancelled", endedAt=iso_now(), exitReason=reason)
    return FinalResult("cancelled", step)


class OutOfMemory(Exception):
    """The device ran out of memory in a training step; the message says which setting to lower."""


#: Failures whose message says everything (file, JSON path or setting): logged without a stack trace.
EXPECTED_FAILURES = (DivergedError, DeviceError, OutOfMemory, ResourceError, RunFolderError, DataError, SpecError)


def _is_out_of_memory(e: BaseException) -> bool:
    oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom is not None and isinstance(e, oom)) or (isinstance(e, RuntimeError) and "out of memory" in str(e))


def _out_of_memory_message(e: BaseException, device: torch.device, t: Dict[str, Any], step: int, kept: Optional[int]) -> str:
    batch, micro = t["batchSize"], t.get("microBatchSize")
    current = micro or batch
    smaller = [d for d in range(current - 1, 0, -1) if batch % d == 0]
    advice = (
        f"set training.microBatchSize to a smaller divisor of training.batchSize {batch} (e.g. {smaller[0]}) to train each batch in parts"
        if smaller
        else "the batch is already trained one sequence at a time: lower model.width, model.layers or model.seqLen"
    )
    where = f"the last checkpoint (step {kept}) is kept" if kept else "no checkpoint was written yet"
    first_line = str(e).splitlines()[0] if str(e) else ""
    return f"out of memory on {device_label(device)} at step {step} with training.microBatchSize {micro} ({first_line}): {advice}; {where}"

"""
The PyTorch training worker: one process runs one job on one run folder, then exits, as the tfjs worker
(src/engine/worker.ts) does, writing the same run folder (src/protocol/run.ts).

    python -m mlbtc_torch.worker RUN_DIR [--resume]

It trains the folder only while it holds <run>/worker.lock (claim.py, the lock the tfjs worker takes too): a folder
another worker holds, or one that completed, is refused without writing anything, exit status 1.

Stopping it: SIGTERM or SIGINT set a flag that the job polls between steps: the current step finishes, a checkpoint
is saved, status.json says "cancelled", and the process exits 0; the run can be resumed by either runtime. The job
also polls it during start-up and before every evaluation batch; a stop there ends the run "cancelled" without a
checkpoint for the step in flight, so a resume redoes that evaluation from the last checkpoint.

Exit status: 0 finished or cancelled, 1 failed, 2 bad invocation.
"""
from __future__ import annotations

import signal
import sys
from typing import List, Optional

USAGE = "usage: python -m mlbtc_torch.worker RUN_DIR [--resume]"
#: The oldest torch this runtime supports (torch.autocast on the CPU with bf16, torch.frombuffer, OutOfMemoryError).
MIN_TORCH = (2, 1)


def torch_problem() -> Optional[str]:
    """Why torch cannot run this worker, or None."""
    try:
        import torch
    except ImportError as e:
        return f"PyTorch is not installed for {sys.executable} ({e}); install torch ≥ {'.'.join(map(str, MIN_TORCH))}"
    parts = torch.__version__.split("+")[0].split(".")
    try:
        version = (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        return None
    if version < MIN_TORCH:
        return f"torch {torch.__version__} is older than {'.'.join(map(str, MIN_TORCH))}, which this runtime needs; upgrade torch"
    return None


def main(argv: List[str], dependencies=None) -> int:
    """Run the worker on `argv` (without the program name); `dependencies` substitute the model and task in tests."""
    run_dirs = [a for a in argv if not a.startswith("--")]
    unknown = [a for a in argv if a.startswith("--") and a != "--resume"]
    if len(run_dirs) != 1 or unknown:
        prefix = f"unknown option {unknown[0]}; " if unknown else ""
        sys.stderr.write(f"mlbtc torch worker: {prefix}{USAGE}\n")
        return 2

    stop_reason: List[str] = []

    def request_stop(signum: int, _frame) -> None:
        if not stop_reason:
            stop_reason.append(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    problem = torch_problem()
    if problem:
        return _fail_without_torch(run_dirs[0], "--resume" in argv, problem)
    from .job import run_job

    final = run_job(
        run_dirs[0],
        resume="--resume" in argv,
        stop_requested=lambda: stop_reason[0] if stop_reason else None,
        dependencies=dependencies,
    )
    return 1 if final.type == "failed" else 0


def _fail_without_torch(run_dir: str, resume: bool, problem: str) -> int:
    """Record the failure in the run folder (so the studio shows why) and on stderr, if this worker may write the
    folder: one another worker holds, or one that completed, is left as it is."""
    from .claim import claim_run_folder
    from .runfolder import RunFolderError, RunFolderWriter, iso_now

    sys.stderr.write(f"mlbtc torch worker: {problem}\n")
    claim = claim_run_folder(run_dir, resume)
    if claim.lock is None:
        return 1
    try:
        writer = RunFolderWriter(run_dir)
        writer.log("error", problem)
        writer.update_status(state="failed", endedAt=iso_now(), exitReason=problem)
    except (RunFolderError, OSError) as e:
        sys.stderr.write(f"mlbtc torch worker: {e}\n")
        return 2
    finally:
        claim.lock.release()
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

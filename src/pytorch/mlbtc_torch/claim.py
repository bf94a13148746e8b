"""
One writer per run folder, a port of src/runfolder/workerClaim.ts: a worker trains a folder only while it holds
<run>/worker.lock (lock.py, the same file the tfjs worker takes), taken before it writes anything and held until it
exits. A refused worker leaves the folder exactly as it found it; the messages are the TypeScript side's.
"""
from __future__ import annotations

import errno
import os
import time
from typing import NamedTuple, Optional

from .lock import FileLock, read_lock
from .process import is_process_alive_since, parse_iso_ms
from .runfolder import RunFolderError, read_status

WORKER_LOCK_FILE = "worker.lock"


class Claim(NamedTuple):
    #: The held lock, or None when refused.
    lock: Optional[FileLock]
    #: Why the folder was refused, or None.
    refused: Optional[str]


def worker_lock(run_dir: str) -> FileLock:
    return FileLock(os.path.join(run_dir, WORKER_LOCK_FILE), "worker")


def already_running(run_dir: str, pid: Optional[int]) -> str:
    """"DIR is already running (pid N)": the one wording every starter uses."""
    return f"{run_dir} is already running (pid {'?' if pid is None else pid}); stop it first, or wait for it to end."


def status_worker_alive(status: dict) -> bool:
    """True while the worker named by status.pid is alive and wrote the status's heartbeat (runfolder/liveness.ts)."""
    pid = status.get("pid")
    return isinstance(pid, int) and is_process_alive_since(pid, parse_iso_ms(status.get("heartbeat")))


def _holder_pid(file: str) -> Optional[int]:
    """The pid in a lock that may still be being written (its creator is between create and write): waits up to
    100 ms."""
    for _ in range(20):
        holder = read_lock(file)
        if holder:
            return holder.pid
        time.sleep(0.005)
    return None


def claim_run_folder(run_dir: str, resume: bool) -> Claim:
    """Take the run folder for this process's worker, or say why not: another live worker holds it, it completed, or
    (without `resume`) it has started before. Nothing in the folder is written on refusal."""
    lock = worker_lock(run_dir)
    try:
        if not lock.try_acquire():
            return Claim(None, already_running(run_dir, _holder_pid(lock.file)))
    except OSError as e:
        code = errno.errorcode.get(e.errno) if e.errno else None
        return Claim(None, f"{run_dir}: cannot take {WORKER_LOCK_FILE} ({code or e}); is it a run folder?")

    def refuse(why: str) -> Claim:
        lock.release()
        return Claim(None, why)

    try:
        status = read_status(run_dir)
    except RunFolderError as e:
        return refuse(str(e))
    # A worker of another runtime version that does not take the lock: its live pid in a running status excludes us.
    if status["state"] == "running" and status.get("pid") != os.getpid() and status_worker_alive(status):
        return refuse(already_running(run_dir, status["pid"]))
    if status["state"] == "completed":
        return refuse(f"{run_dir} already completed {status['step']} steps; there is nothing to resume")
    if not resume and status["state"] != "queued":
        return refuse(f"{run_dir} has already started (state {status['state']}); continue it with resume instead of starting it again")
    return Claim(lock, None)

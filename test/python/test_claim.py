"""One writer per run folder (mlbtc_torch/claim.py, the port of src/runfolder/workerClaim.ts): the python worker takes
the same <run>/worker.lock as the tfjs worker, refuses a folder a live worker holds or one that completed without
touching it, and takes over a lock whose process is gone or whose pid was reused."""
import json
import os
import socket
import subprocess

from mlbtc_torch.job import run_job
from mlbtc_torch.runfolder import iso_now
from train_toys import PYTHON, TOY_WORKER, new_run, status, toy_dependencies, toy_worker_env


def write_ts_lock(run, pid, created_at=None):
    """worker.lock as src/runfolder/lock.ts writes it: JSON.stringify({pid, hostname, createdAt, owner})."""
    info = {"pid": pid, "hostname": socket.gethostname(), "createdAt": created_at or iso_now(), "owner": "worker"}
    with open(os.path.join(run, "worker.lock"), "w", encoding="utf-8") as f:
        f.write(json.dumps(info, separators=(",", ":")))


def snapshot(folder):
    """Every file under `folder` with its bytes and modification time."""
    found = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, folder)] = (f.read(), os.stat(path).st_mtime_ns)
    return found


def dead_pid():
    child = subprocess.Popen([PYTHON, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_lock_held_by_a_live_tfjs_worker_refuses_the_python_worker_untouched(tmp_path):
    run = new_run(tmp_path)
    write_ts_lock(run, os.getpid())  # this test process stands in for the live tfjs worker
    before = snapshot(run)
    r = subprocess.run([PYTHON, "-c", TOY_WORKER, run], env=toy_worker_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert snapshot(run) == before
    final = run_job(run, dependencies=toy_dependencies())
    assert final.type == "failed"
    assert final.message == f"{run} is already running (pid {os.getpid()}); stop it first, or wait for it to end."
    assert snapshot(run) == before


def test_a_stale_lock_of_a_dead_process_is_taken_over_and_released_at_the_end(tmp_path):
    run = new_run(tmp_path)
    write_ts_lock(run, dead_pid())
    r = subprocess.run([PYTHON, "-c", TOY_WORKER, run], env=toy_worker_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert status(run)["state"] == "completed"
    assert not os.path.exists(os.path.join(run, "worker.lock"))


def test_a_lock_whose_pid_was_reused_by_a_younger_process_is_stale(tmp_path):
    run = new_run(tmp_path)
    write_ts_lock(run, os.getppid(), "2000-01-01T00:00:00.000Z")  # alive, but started long after the lock was written
    assert run_job(run, dependencies=toy_dependencies()).type == "finished"


def test_the_lock_is_held_while_training_in_the_tfjs_format(tmp_path):
    run = new_run(tmp_path, steps=2)
    deps = toy_dependencies()
    create_task, seen = deps.create_task, []

    def task_that_reads_the_lock(spec, spec_dir, rng):
        with open(os.path.join(run, "worker.lock"), encoding="utf-8") as f:
            seen.append(f.read())
        return create_task(spec, spec_dir, rng)

    deps.create_task = task_that_reads_the_lock
    assert run_job(run, dependencies=deps).type == "finished"
    lock = json.loads(seen[0])
    assert list(lock) == ["pid", "hostname", "createdAt", "owner"]
    assert (lock["pid"], lock["hostname"], lock["owner"]) == (os.getpid(), socket.gethostname(), "worker")
    assert seen[0] == json.dumps(lock, separators=(",", ":"), ensure_ascii=False)
    assert not os.path.exists(os.path.join(run, "worker.lock"))


def test_a_completed_run_is_refused_untouched(tmp_path):
    run = new_run(tmp_path)
    assert run_job(run, dependencies=toy_dependencies()).type == "finished"
    before = snapshot(run)
    for resume in (False, True):
        final = run_job(run, resume=resume, dependencies=toy_dependencies())
        assert final.type == "failed" and final.message == f"{run} already completed 12 steps; there is nothing to resume"
    assert snapshot(run) == before


def test_a_live_worker_named_by_a_running_status_without_a_lock_refuses(tmp_path):
    run = new_run(tmp_path)
    s = {**status(run), "state": "running", "pid": os.getppid(), "heartbeat": iso_now()}
    with open(os.path.join(run, "status.json"), "w", encoding="utf-8") as f:
        json.dump(s, f)
    before = snapshot(run)
    final = run_job(run, resume=True, dependencies=toy_dependencies())
    assert final.message == f"{run} is already running (pid {os.getppid()}); stop it first, or wait for it to end."
    assert snapshot(run) == before

"""
A PyTorch training job on a run folder (mlbtc_torch.job, mlbtc_torch.worker): what it writes, exact resumption after
a SIGTERM to the worker process and after a crash, micro-batches, failures (divergence, a missing device, a bad
invocation), and the device probe.
"""
import json
import os
import re
import subprocess
import sys
import time

import pytest
import torch

from mlbtc_torch.job import run_job
from mlbtc_torch.runfolder import list_checkpoints
from train_toys import PYTHON, TOY_WORKER, new_run, records, status, toy_dependencies, toy_worker_env


def test_writes_a_complete_run_folder(tmp_path):
    run = new_run(tmp_path, logEvery=5)
    final = run_job(run, dependencies=toy_dependencies())
    assert (final.type, final.step) == ("finished", 12)
    s = status(run)
    assert (s["state"], s["step"], s["backend"], s["pid"], s["exitReason"]) == ("completed", 12, "cpu", os.getpid(), "completed 12 steps")
    assert re.fullmatch(r"torch \d+\.\d+\.\d+ · cpu · fp32", s["runtime"])
    train = records(run, "train")
    assert [r["step"] for r in train] == [5, 10, 12]
    assert [r["tokens"] for r in train] == [40, 80, 96]
    assert [r["flops"] for r in train] == [5000, 10000, 12000]
    assert all(list(r) == ["kind", "step", "tokens", "flops", "wallMs", "loss", "lr"] for r in train)
    assert [r["step"] for r in records(run, "eval")] == [4, 8, 12]
    assert [c.step for c in list_checkpoints(run)] == [8, 12]
    text = open(os.path.join(run, "metrics.jsonl"), encoding="utf-8").read()
    assert '"tokens":40,"flops":5000,' in text, "integers are written without .0"
    log = open(os.path.join(run, "worker.log"), encoding="utf-8").read()
    assert re.search(r"info  runtime torch [\d.]+ · cpu · fp32\n.*info  toy: 64 parameters; toy regression\n[\s\S]*completed 12 steps", log)


def _losses(run):
    return [r["loss"] for r in records(run, "train")]


def test_sigterm_to_the_worker_then_resume_gives_the_losses_of_an_uninterrupted_run(tmp_path):
    steps = dict(steps=60, checkpointEvery=25, evalEvery=20)
    straight = new_run(tmp_path, "straight", **steps)
    run_job(straight, dependencies=toy_dependencies())

    stopped = new_run(tmp_path, "stopped", **steps)
    env = {**toy_worker_env(), "MLBTC_TOY_DELAY": "0.02"}
    worker = subprocess.Popen([PYTHON, "-c", TOY_WORKER, stopped], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not (os.path.exists(os.path.join(stopped, "metrics.jsonl")) and len(records(stopped, "train")) >= 5):
        time.sleep(0.02)
    worker.terminate()
    assert worker.wait(60) == 0, worker.stderr.read()
    s = status(stopped)
    assert s["state"] == "cancelled", s
    assert re.fullmatch(r"stopped by SIGTERM after step \d+", s["exitReason"])
    stop_step = s["step"]
    assert 5 <= stop_step < 60
    assert list_checkpoints(stopped)[-1].step == stop_step, "a stop saves a checkpoint at the step it stopped"

    command = [PYTHON, "-c", TOY_WORKER, stopped, "--resume"]
    resumed = subprocess.run(command, env=toy_worker_env(), capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert status(stopped)["state"] == "completed"
    assert _losses(stopped) == _losses(straight)
    assert [r["val.loss"] for r in records(stopped, "eval")] == [r["val.loss"] for r in records(straight, "eval")]
    strip = lambda rs: [{k: v for k, v in r.items() if k != "wallMs"} for r in rs]  # noqa: E731
    assert strip(records(stopped, "train")) == strip(records(straight, "train"))


def test_resumes_after_a_crash_dropping_records_written_after_the_checkpoint(tmp_path):
    straight = new_run(tmp_path, "straight", logEvery=3)
    run_job(straight, dependencies=toy_dependencies())
    crashed = new_run(tmp_path, "crashed", logEvery=3)
    deps = toy_dependencies()
    build_task = deps.create_task

    def crashing_task(spec, spec_dir, rng):
        task = build_task(spec, spec_dir, rng)
        original = task.next_batch
        task.next_batch = lambda step: (_ for _ in ()).throw(RuntimeError("simulated crash")) if step == 7 else original(step)
        return task

    deps.create_task = crashing_task
    final = run_job(crashed, dependencies=deps)
    assert final.type == "failed" and final.message == "simulated crash"
    assert [r["step"] for r in records(crashed, "train")] == [3, 6]
    assert list_checkpoints(crashed)[-1].step == 4
    assert "Traceback" in open(os.path.join(crashed, "worker.log"), encoding="utf-8").read(), "an unexpected error logs its stack"
    run_job(crashed, resume=True, dependencies=toy_dependencies())
    assert _losses(crashed) == _losses(straight)


def test_micro_batches_average_to_the_whole_batch(tmp_path):
    whole = new_run(tmp_path, "whole")
    run_job(whole, dependencies=toy_dependencies())
    parts = new_run(tmp_path, "parts", microBatchSize=2)
    run_job(parts, dependencies=toy_dependencies())
    assert _losses(parts) == pytest.approx(_losses(whole), rel=1e-5)


def test_a_diverging_run_fails_with_the_step_and_keeps_no_checkpoint(tmp_path):
    run = new_run(tmp_path)
    final = run_job(run, dependencies=toy_dependencies(loss_scale=float("inf")))
    assert final.type == "failed"
    assert re.fullmatch(r"diverged at step 1 \(loss (NaN|Infinity)\)", final.message)
    assert status(run)["state"] == "failed" and status(run)["exitReason"] == final.message
    assert list_checkpoints(run) == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_a_forced_missing_device_fails_saying_why(tmp_path):
    run = new_run(tmp_path, device="cuda")
    final = run_job(run, dependencies=toy_dependencies())
    assert final.type == "failed"
    assert re.fullmatch(r'training\.device is "cuda" but torch [\d.]+ sees no CUDA device', final.message)


def test_bf16_on_the_cpu_uses_autocast(tmp_path):
    run = new_run(tmp_path, precision="bf16", steps=4)
    assert run_job(run, dependencies=toy_dependencies()).type == "finished"
    assert status(run)["runtime"].endswith(" · cpu · bf16")


def test_refuses_to_start_a_run_twice(tmp_path):
    run = new_run(tmp_path)
    run_job(run, dependencies=toy_dependencies())
    again = run_job(run, dependencies=toy_dependencies())
    assert again.type == "failed" and "already completed 12 steps" in again.message


def test_bad_invocations_exit_2(tmp_path):
    env = toy_worker_env()
    for args in ([], ["--bogus", str(tmp_path)], [str(tmp_path), str(tmp_path)]):
        r = subprocess.run([PYTHON, "-m", "mlbtc_torch.worker", *args], env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (args, r.stderr)
        assert "usage: python -m mlbtc_torch.worker RUN_DIR [--resume]" in r.stderr


def test_probe_prints_one_json_line(tmp_path):
    r = subprocess.run([PYTHON, "-m", "mlbtc_torch.probe"], env=toy_worker_env(), capture_output=True, text=True, timeout=60)
    value = json.loads(r.stdout)
    assert r.stdout.count("\n") == 1
    assert value["torch"] == torch.__version__.split("+")[0]
    assert value["python"] == ".".join(map(str, sys.version_info[:3]))
    assert isinstance(value["cuda"], list) and isinstance(value["mps"], bool) and isinstance(value["fast"], bool)


def test_probe_without_torch_says_so():
    hide_torch = "import sys, runpy; sys.modules['torch'] = None; runpy.run_module('mlbtc_torch.probe', run_name='__main__')"
    r = subprocess.run([PYTHON, "-c", hide_torch], env=toy_worker_env(), capture_output=True, text=True, timeout=60)
    value = json.loads(r.stdout)
    assert value["torch"] is None and "not installed" in value["error"]


def test_out_of_memory_names_the_micro_batch_setting_and_keeps_the_last_checkpoint(tmp_path):
    run = new_run(tmp_path)
    deps = toy_dependencies()
    build_model = deps.build_model

    def model_that_runs_out_at_step_6(spec, rng):
        model = build_model(spec, rng)
        original, calls = model.loss, []

        def loss(batch):
            calls.append(torch.is_grad_enabled())  # training passes, not evaluation
            if sum(calls) == 6:
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
            return original(batch)

        model.loss = loss
        return model

    deps.build_model = model_that_runs_out_at_step_6
    final = run_job(run, dependencies=deps)
    assert final.type == "failed"
    assert final.message == (
        "out of memory on cpu at step 6 with training.microBatchSize None (CUDA out of memory. Tried to allocate 2.00 GiB): "
        "set training.microBatchSize to a smaller divisor of training.batchSize 8 (e.g. 4) to train each batch in parts; "
        "the last checkpoint (step 4) is kept"
    )
    assert [c.step for c in list_checkpoints(run)] == [4]
    assert "Traceback" not in open(os.path.join(run, "worker.log"), encoding="utf-8").read()


def test_a_spec_the_model_cannot_build_fails_naming_the_json_path(tmp_path):
    run = new_run(tmp_path)  # a toy spec: no task or model block, which the real model needs
    final = run_job(run)
    assert final.type == "failed" and final.step == 0
    assert final.message.startswith("spec: task is missing"), final.message
    assert status(run)["exitReason"] == final.message


def test_torch_older_than_2_1_is_refused_clearly(monkeypatch):
    from mlbtc_torch import worker

    monkeypatch.setattr(torch, "__version__", "2.0.1+cu118")
    assert worker.torch_problem() == "torch 2.0.1+cu118 is older than 2.1, which this runtime needs; upgrade torch"
    monkeypatch.setattr(torch, "__version__", "2.1.0")
    assert worker.torch_problem() is None

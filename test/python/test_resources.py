"""The resource check of the PyTorch worker (mlbtc_torch.resources): the estimate createRunFolder records in spec.json
(`trainingMemory`) against the device's free memory, refused before the model is built with memoryProblem's message;
no check in a folder that predates the field. That the message equals the TypeScript one for the same spec is tested
from TypeScript (test/unit/engine.train.resources.test.ts)."""
import json
import os

import pytest
import torch

from mlbtc_torch.job import JobDependencies, run_job
from mlbtc_torch.resources import free_memory, machine_free_memory, memory_problem, short_bytes
from train_toys import new_run, status, toy_dependencies

GIB = 1024**3


@pytest.mark.parametrize(
    "n, text",
    [(0, "0 B"), (512, "512 B"), (48 * 1024, "48.0 KiB"), (1.5 * 1024**2, "1.50 MiB"), (1.125 * GIB, "1.13 GiB"),
     (1023.96 * 1024, "1.00 MiB"), (999.4 * 1024, "999 KiB"), (2048 * 1024**5, "2.05e+3 PiB"), (-3 * 1024, "-3.00 KiB")],
)
def test_bytes_are_shown_as_short_bytes_shows_them(n, text):
    assert short_bytes(n) == text  # 1.125 rounds up, as toPrecision does on a tie


NEED = {"state": 4 * GIB, "activations": 30 * GIB, "evaluation": 20 * GIB, "total": 34 * GIB}


def test_the_message_names_the_batch_setting_in_use_and_the_fields_to_change():
    assert memory_problem(NEED, {"batchSize": 64, "microBatchSize": None}, 34 * GIB, "this machine has free") is None
    message = memory_problem(NEED, {"batchSize": 64, "microBatchSize": 8}, 16 * GIB, "cuda:0 has free")
    assert message == (
        "training needs about 34.0 GiB (parameters, gradients and AdamW state 4.00 GiB; activations of training.microBatchSize 8 "
        "sequences 30.0 GiB; evaluation of training.batchSize 64 sequences 20.0 GiB), more than the 16.0 GiB cuda:0 has free. "
        "Lower training.batchSize (or set training.microBatchSize), model.seqLen, model.width or model.layers."
    )
    assert "activations of training.batchSize 64 sequences" in memory_problem(NEED, {"batchSize": 64, "microBatchSize": None}, GIB, "x")


def test_the_machine_free_memory_is_what_node_reads():
    with open("/proc/meminfo", encoding="ascii") as f:
        available = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    assert abs(machine_free_memory() - available) < GIB  # read twice, a moment apart
    assert free_memory(torch.device("cpu"))[1] == "this machine has free"


def _run_with(tmp_path, training_memory):
    run = new_run(tmp_path)
    spec_file = os.path.join(run, "spec.json")
    with open(spec_file, encoding="utf-8") as f:
        spec = json.load(f)
    if training_memory is not None:
        spec["trainingMemory"] = training_memory
    with open(spec_file, "w", encoding="utf-8") as f:
        json.dump(spec, f)
    return run


def test_a_run_that_cannot_fit_fails_before_the_model_is_built(tmp_path):
    run = _run_with(tmp_path, {"state": 1, "activations": 2**60, "evaluation": 2**59, "total": 2**60 + 1})

    def never(*args, **kwargs):
        raise AssertionError("the model must not be built")

    final = run_job(run, dependencies=JobDependencies(build_model=never, create_task=never))
    assert final.type == "failed"
    assert final.message.startswith("training needs about 1.02e+3 PiB (parameters, gradients and AdamW state 1 B; ")
    assert " this machine has free. Lower training.batchSize (or set training.microBatchSize)" in final.message
    assert status(run)["state"] == "failed" and status(run)["exitReason"] == final.message


@pytest.mark.parametrize("recorded", [None, {"state": 1, "activations": 1, "evaluation": 1, "total": 2}])
def test_a_folder_without_the_estimate_or_one_that_fits_trains(tmp_path, recorded):
    assert run_job(_run_with(tmp_path, recorded), dependencies=toy_dependencies()).type == "finished"


def test_a_malformed_estimate_names_the_field(tmp_path):
    run = _run_with(tmp_path, {"state": 1, "total": "big"})
    final = run_job(run, dependencies=toy_dependencies())
    assert final.type == "failed"
    assert final.message == (
        f"{os.path.join(run, 'spec.json')}: trainingMemory is not {{state, activations, evaluation, total}} in bytes; create the run again"
    )

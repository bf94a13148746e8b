"""Stop in every phase (job.py, as src/engine/train/job.ts): the stop flag is polled during start-up, before the
model is built, and before every evaluation batch; a stop inside an evaluation ends the run "cancelled" with no
checkpoint for that step, and a resume redoes the evaluation."""
import pytest

from mlbtc_torch import Rng, build_model, create_task
from mlbtc_torch.job import run_job
from mlbtc_torch.runfolder import list_checkpoints
from mlbtc_torch.train.stop import StopRequested, stop_point
from resolved_specs import ICL, forecast, language_model, spec
from test_tasks import data  # noqa: F401 (fixture)
from train_toys import new_run, records, status, toy_dependencies


def test_a_stop_during_start_up_ends_before_the_model_is_built(tmp_path):
    run = new_run(tmp_path)
    deps = toy_dependencies()
    built = []
    deps.build_model = lambda spec, rng: built.append(spec)
    final = run_job(run, stop_requested=lambda: "SIGTERM", dependencies=deps)
    assert (final.type, final.step, built) == ("cancelled", 0, [])
    s = status(run)
    assert s["state"] == "cancelled"
    assert s["exitReason"] == "stopped by SIGTERM while starting; a resume continues from the last checkpoint"
    assert list_checkpoints(run) == []


def _without_wall_time(rs):
    return [{k: v for k, v in r.items() if k != "wallMs"} for r in rs]


def test_a_stop_inside_an_evaluation_cancels_without_a_checkpoint_for_that_step_and_resume_redoes_it(tmp_path):
    whole = new_run(tmp_path, "whole")
    assert run_job(whole, dependencies=toy_dependencies()).type == "finished"

    run = new_run(tmp_path, "stopped")
    deps = toy_dependencies()
    create_task, stop = deps.create_task, []

    def task_stopped_in_the_evaluation_after_step_8(spec, spec_dir, rng):
        task = create_task(spec, spec_dir, rng)
        evaluate = task.evaluate

        def evaluate_and_stop(model, step, between_batches=None):
            if step == 8:
                stop.append("SIGTERM")  # arrives while the evaluation runs
            return evaluate(model, step, between_batches)

        task.evaluate = evaluate_and_stop
        return task

    deps.create_task = task_stopped_in_the_evaluation_after_step_8
    final = run_job(run, stop_requested=lambda: stop[0] if stop else None, dependencies=deps)
    assert (final.type, final.step) == ("cancelled", 8)
    assert status(run)["exitReason"] == (
        "stopped by SIGTERM during the evaluation after step 8; a resume continues from the last checkpoint"
    )
    assert [c.step for c in list_checkpoints(run)] == [4]
    assert [r["step"] for r in records(run, "eval")] == [4]

    assert run_job(run, resume=True, dependencies=toy_dependencies()).type == "finished"
    for kind in ("train", "eval"):
        assert _without_wall_time(records(run, kind)) == _without_wall_time(records(whole, kind))


def _counting(stop_at=None):
    calls = []

    def between_batches():
        calls.append(len(calls) + 1)
        if len(calls) == stop_at:
            raise StopRequested("SIGTERM")

    return calls, between_batches


@pytest.mark.parametrize("task_spec, batches", [
    (spec("dense", task=ICL, evalBatches=3), 3),
    (spec("dense", task=language_model(), evalBatches=3), 3),
    # 13 val and 13 test windows (lookback 12, horizon 4 on 80 rows split 0.6/0.2/0.2), over the budget of
    # evalBatches 2 × batchSize 3: 6 evenly spaced windows per split, 2 batches each.
    (spec("dense", task=forecast(), batchSize=3), 4),
])
def test_every_task_calls_between_batches_before_each_evaluation_batch_and_stops_there(data, task_spec, batches):  # noqa: F811
    task = create_task(task_spec, str(data), Rng(0))
    model = build_model(task_spec, Rng(1))
    calls, between_batches = _counting()
    task.evaluate(model, 1, between_batches)
    assert len(calls) == batches
    calls, between_batches = _counting(stop_at=2)
    with pytest.raises(StopRequested):
        task.evaluate(model, 1, between_batches)
    assert len(calls) == 2


def test_stop_point_raises_only_when_a_stop_was_asked_for():
    asked = []
    point = stop_point(lambda: asked[0] if asked else None)
    point()
    asked.append("SIGINT")
    with pytest.raises(StopRequested) as stop:
        point()
    assert stop.value.by == "SIGINT" and str(stop.value) == "stopped by SIGINT"

"""Resume recovery (runfolder.newest_readable_checkpoint, as src/runfolder/checkpoints.ts): a resume starts from the
newest checkpoint that reads, saying in worker.log which ones it skipped and why; none readable fails naming each. A torn
last metrics line is handled as docs/formats.md "metrics.jsonl" says."""
import os

import pytest

from mlbtc_torch.job import run_job
from mlbtc_torch.runfolder import list_checkpoints
from train_toys import new_run, records, status, toy_dependencies


def _interrupted_after_step_8(tmp_path):
    run = new_run(tmp_path, checkpointEvery=4)
    step_8 = os.path.join(run, "checkpoints", "step-8")
    final = run_job(run, stop_requested=lambda: "SIGTERM" if os.path.isdir(step_8) else None, dependencies=toy_dependencies())
    assert (final.type, [c.step for c in list_checkpoints(run)]) == ("cancelled", [4, 8])
    return run


def _log(run):
    with open(os.path.join(run, "worker.log"), encoding="utf-8") as f:
        return f.read()


def test_a_truncated_newest_checkpoint_falls_back_to_the_one_before(tmp_path):
    run = _interrupted_after_step_8(tmp_path)
    newest = list_checkpoints(run)[-1].path
    with open(os.path.join(newest, "model.safetensors"), "r+b") as f:
        f.truncate(20)
    assert run_job(run, resume=True, dependencies=toy_dependencies()).type == "finished"
    log = _log(run)
    assert f"warn  checkpoint unreadable, skipped: {newest}" in log
    assert f"resuming from the newest readable checkpoint, {os.path.join(run, 'checkpoints', 'step-4')}, instead" in log
    assert [r["step"] for r in records(run, "eval")] == [4, 8, 12]
    assert [c.step for c in list_checkpoints(run)] == [8, 12]  # step 8 written again by the resumed run


def test_no_readable_checkpoint_fails_naming_each(tmp_path):
    run = _interrupted_after_step_8(tmp_path)
    for c in list_checkpoints(run):
        with open(os.path.join(c.path, "state.json"), "w", encoding="utf-8") as f:
            f.write("{torn")
    final = run_job(run, resume=True, dependencies=toy_dependencies())
    assert final.type == "failed"
    step4, step8 = (os.path.join(run, "checkpoints", f"step-{n}", "state.json") for n in (4, 8))
    assert final.message.startswith(f"no checkpoint of {run} can be read, so it cannot be resumed: {step8}: not valid JSON (")
    assert f"; {step4}: not valid JSON (" in final.message
    assert status(run)["state"] == "failed"


@pytest.mark.parametrize("whole", [True, False])
def test_a_torn_last_metrics_line_is_kept_when_it_is_a_whole_record_and_else_dropped_with_a_warning(tmp_path, whole):
    run = _interrupted_after_step_8(tmp_path)
    metrics = os.path.join(run, "metrics.jsonl")
    with open(metrics, encoding="utf-8", newline="") as f:
        text = f.read()
    last = text[text.rstrip("\n").rfind("\n") + 1 :]
    assert '"step":8,' in last  # the interrupted worker's last record: the checkpoint's step, kept on resume
    torn = text[: -1] if whole else text + '{"kind":"train","step":9,"tokens":7'  # killed mid-append
    with open(metrics, "w", encoding="utf-8", newline="") as f:
        f.write(torn)
    assert run_job(run, resume=True, dependencies=toy_dependencies()).type == "finished"
    assert [r["step"] for r in records(run, "train")] == list(range(1, 13))
    assert [r["step"] for r in records(run, "eval")] == [4, 8, 12]
    head = '"{\\"kind\\":\\"train\\",\\"step\\":9,\\"tokens\\":7"'  # the torn text as JSON.stringify writes it
    warning = f"warn  {metrics}: dropped a torn last line (35 bytes, not a whole record): {head}"
    assert (warning in _log(run)) == (not whole)

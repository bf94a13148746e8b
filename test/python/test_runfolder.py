"""
The run folder writer of the PyTorch runtime (mlbtc_torch.runfolder): JSON exactly as JSON.stringify writes it,
worker.log lines as the tfjs worker writes them, atomic status updates with a heartbeat, metrics truncation on
resume, at most two complete checkpoints, and the sweep of a killed writer's leftovers.
"""
import json
import os
import re
import subprocess
import time

import pytest

from mlbtc_torch.jsjson import js_number, stringify
from mlbtc_torch.runfolder import RunFolderWriter, list_checkpoints, parse_metric_lines
from train_toys import new_run, status


@pytest.mark.parametrize(
    "value, text",
    [(5.0, "5"), (0.1, "0.1"), (-0.0, "0"), (1e-7, "1e-7"), (1.5e-6, "0.0000015"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
     (123.456, "123.456"), (2.5e-10, "2.5e-10"), (1 / 3, "0.3333333333333333")],
)
def test_numbers_are_written_as_javascript_writes_them(value, text):
    assert js_number(value) == text


def test_json_layout_is_json_stringify_with_and_without_indent():
    value = {"a": 1, "b": [1.0, 2.5, {"c": None, "d": []}], "e": {}, "f": "é\"x", "g": float("nan")}
    assert stringify(value) == '{"a":1,"b":[1,2.5,{"c":null,"d":[]}],"e":{},"f":"é\\"x","g":null}'
    assert stringify(value, 2) == (
        '{\n  "a": 1,\n  "b": [\n    1,\n    2.5,\n    {\n      "c": null,\n      "d": []\n    }\n  ],\n'
        '  "e": {},\n  "f": "é\\"x",\n  "g": null\n}'
    )


def test_status_updates_are_atomic_and_refresh_the_heartbeat(tmp_path):
    run = new_run(tmp_path)
    w = RunFolderWriter(run)
    w.update_status(state="running", pid=os.getpid(), runtime="torch · cpu · fp32")
    first = status(run)
    assert first["state"] == "running" and first["runtime"] == "torch · cpu · fp32"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["heartbeat"])
    w.note_step(3)
    assert status(run)["step"] == 0, "note_step does not write"
    w.start_heartbeat(0.05)
    deadline = time.time() + 5
    while status(run)["heartbeat"] == first["heartbeat"] and time.time() < deadline:
        time.sleep(0.01)
    w.stop_heartbeat()
    assert status(run)["step"] == 3, "the heartbeat persists the noted step"
    assert status(run)["heartbeat"] != first["heartbeat"]
    assert [n for n in os.listdir(run) if ".tmp-" in n] == []


def test_log_lines_have_the_tfjs_worker_format(tmp_path):
    run = new_run(tmp_path)
    w = RunFolderWriter(run)
    w.log("info", "hello")
    w.log("error", "bad")
    lines = open(os.path.join(run, "worker.log"), encoding="utf-8").read().splitlines()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info  hello", lines[0])
    assert lines[1].endswith(" error bad")


def test_truncate_metrics_keeps_records_up_to_the_step_byte_for_byte(tmp_path):
    run = new_run(tmp_path)
    w = RunFolderWriter(run)
    for step in (1, 2, 3):
        w.append_metric({"kind": "train", "step": step, "tokens": 8 * step, "flops": 1e21, "wallMs": 1.5, "loss": 0.25, "lr": 1e-7})
    file = os.path.join(run, "metrics.jsonl")
    with open(file, "a", encoding="utf-8") as f:
        f.write('{"kind":"train","st')  # a torn last line
    w.truncate_metrics_after(2)
    text = open(file, encoding="utf-8").read()
    assert text.splitlines()[0] == '{"kind":"train","step":1,"tokens":8,"flops":1e+21,"wallMs":1.5,"loss":0.25,"lr":1e-7}'
    assert [r["step"] for r in parse_metric_lines(text)] == [1, 2] and text.endswith("}\n")



@pytest.mark.parametrize(
    "tail, kept, warning",
    [
        ('{"kind":"eval","step":3,"val.loss":0.5}', [1, 2, 3, 3], None),  # a whole record missing only its newline
        ('{"kind":"eval","step":9,"val.loss":0.5}', [1, 2, 3], None),  # kept as a record, then cut at the step
        ('{"kind":"eval","st', [1, 2, 3], '(18 bytes, not a whole record): "{\\"kind\\":\\"eval\\",\\"st"'),
        # JSON, but not a record
        ('{"kind":"train","step":true}', [1, 2, 3], '(28 bytes, not a whole record): "{\\"kind\\":\\"train\\",\\"step\\":true}"'),
        ('{"a":"' + "x" * 78 + "\U0001F600", [1, 2, 3], '(86 bytes, not a whole record): "{\\"a\\":\\"' + "x" * 74 + '"'),
        ('{"a":"' + "x" * 73 + "\U0001F600", [1, 2, 3], '(81 bytes, not a whole record): "{\\"a\\":\\"' + "x" * 73 + '\\ud83d"'),
        ("  \r", [1, 2, 3], None),  # blank: nothing was being written
    ],
)
def test_a_torn_last_metrics_line_is_handled_as_the_tfjs_worker_does(tmp_path, tail, kept, warning):
    run = new_run(tmp_path)
    w = RunFolderWriter(run)
    file = os.path.join(run, "metrics.jsonl")
    with open(file, "w", encoding="utf-8", newline="") as f:
        f.write("".join(stringify({"kind": "train", "step": s, "loss": 0.5}) + "\n" for s in (1, 2, 3)) + tail)
    w.truncate_metrics_after(3)
    text = open(file, encoding="utf-8", newline="").read()
    assert [r["step"] for r in parse_metric_lines(text)] == kept and text.endswith("}\n")
    log = open(os.path.join(run, "worker.log"), encoding="utf-8").read() if os.path.exists(os.path.join(run, "worker.log")) else ""
    if warning is None:
        assert "torn" not in log
    else:
        assert f" warn  {file}: dropped a torn last line {warning}\n" in log


def test_a_record_json_parse_rejects_is_not_a_metric():
    lines = ['{"kind":"train","step":NaN}', '{"kind":"train","step":true}', '[1]', '{"kind":"eval","step":2}']
    assert parse_metric_lines("\n".join(lines) + "\n") == [{"kind": "eval", "step": 2}]


def test_a_lone_surrogate_is_escaped_as_json_stringify_escapes_it():
    assert stringify({"k": "a\ud83d", "\udc00": 1}) == '{"k":"a\\ud83d","\\udc00":1}'


def test_keeps_the_newest_two_checkpoints_and_sweeps_a_dead_writers_leftovers(tmp_path):
    run = new_run(tmp_path)
    w = RunFolderWriter(run)
    for step in (2, 4, 6, 8):
        w.save_checkpoint(step, lambda tmp, s=step: open(os.path.join(tmp, "model.safetensors"), "w").write(f"step {s}"))
    assert [c.step for c in list_checkpoints(run)] == [6, 8]
    assert sorted(os.listdir(os.path.join(run, "checkpoints"))) == ["step-6", "step-8"]

    dead = subprocess.Popen(["true"])
    dead.wait()
    checkpoints = os.path.join(run, "checkpoints")
    os.makedirs(os.path.join(checkpoints, f".tmp-step-9-{dead.pid}"))
    os.makedirs(os.path.join(checkpoints, f".trash-step-4-{dead.pid}"))
    open(os.path.join(run, f"status.json.tmp-{dead.pid}"), "w").write('{"torn')
    live = f"status.json.tmp-{os.getpid()}"
    open(os.path.join(run, live), "w").write("being written by a live process")
    RunFolderWriter(run)
    assert sorted(os.listdir(checkpoints)) == ["step-6", "step-8"]
    assert sorted(n for n in os.listdir(run) if ".tmp-" in n) == [live]
    assert json.load(open(os.path.join(run, "status.json")))["state"] == "queued"

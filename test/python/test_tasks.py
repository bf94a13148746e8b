"""The data side of mlbtc_torch: batches, curricula, splits and metrics as the tfjs engine's tasks define them, state
that resumes exactly, and data problems reported as "file:line: problem"."""
import json
import math

import pytest
import torch

from mlbtc_torch import DataError, Rng, build_model, create_task
from mlbtc_torch.tasks.icl_regression import curriculum_after, excess_loss_baseline
from mlbtc_torch.tasks.task import SeededEvaluationTask
from resolved_specs import ICL, forecast, language_model, spec

TEXT = "the quick brown fox jumps over the lazy dog\n" * 6


@pytest.fixture
def data(tmp_path):
    (tmp_path / "text.txt").write_text(TEXT, encoding="utf-8")
    rows = ["date,a,b,OT"] + [f"{r},{math.sin(r / 3)},{math.cos(r / 5) + r / 60},{2 * math.sin(r / 7)}" for r in range(80)]
    (tmp_path / "series.csv").write_text("\n".join(rows), encoding="utf-8")
    return tmp_path


def test_icl_batches_interleave_x_and_y_and_mask_the_curriculum():
    task = create_task(spec("dense"), ".", Rng(0))
    batch = task.next_batch(1)
    assert batch.inputs.shape == (3, 16, 4) and batch.targets.shape == (3, 8) and batch.tokens == 48
    assert torch.equal(batch.inputs[:, 1::2, 0], batch.targets)  # ỹ_i = (y_i, 0, …)
    assert not batch.inputs[:, 1::2, 1:].any()
    assert not batch.inputs[:, 0::2, 2:].any()  # the curriculum starts at 2 of 4 dimensions
    assert batch.mask[0].tolist() == [1, 1, 1, 1, 0, 0, 0, 0]  # and 4 points


def test_the_curriculum_grows_every_interval_and_clamps():
    task = ICL  # startDims 2, startPoints 4, interval 3, +1 dims / +2 points, inputDim 4
    assert [(c.dims, c.points) for c in (curriculum_after(task, u) for u in (0, 2, 3, 6, 100))] == [
        (2, 4), (2, 4), (3, 6), (4, 8), (4, 8)]
    assert excess_loss_baseline(3, 6) == pytest.approx((3 + 2 + 1) / 6)


def test_icl_evaluation_reports_the_engine_keys_on_fixed_prompts():
    s = spec("dense")
    task = create_task(s, ".", Rng(0))
    model = build_model(s, Rng(1))
    first, second = task.evaluate(model, 3), task.evaluate(model, 3)
    assert first == second
    assert set(first) == {"val.loss", "val.lastPointError", "val.excessLoss", "curriculum.dims", "curriculum.points"}
    assert (first["curriculum.dims"], first["curriculum.points"]) == (3, 6)
    # The model starts at zero predictions, so the MSE is the mean squared target.
    assert first["val.excessLoss"] == pytest.approx(first["val.loss"] / excess_loss_baseline(3, 6))


@pytest.mark.parametrize("task", ["icl", "lm", "forecast"])
def test_state_is_json_and_resumes_the_same_batches(data, task):
    s = {"icl": spec("dense"), "lm": spec("dense", task=language_model()), "forecast": spec("dense", task=forecast())}[task]
    a = create_task(s, str(data), Rng(4))
    a.next_batch(1)
    saved = json.loads(json.dumps(a.state()))
    assert set(saved) == ({"rng"} if task == "forecast" else {"rng", "evalSeed"})
    assert set(saved["rng"]) == {"seed", "spare"}
    b = create_task(s, str(data), Rng(99))
    b.restore(saved)
    for step in (2, 3):
        x, y = a.next_batch(step), b.next_batch(step)
        assert torch.equal(x.inputs, y.inputs) and torch.equal(x.targets, y.targets)


@pytest.mark.parametrize("task", ["icl", "lm"])
def test_the_tasks_with_an_evaluation_seed_share_one_state_of_the_engine_shape(data, task):
    s = {"icl": spec("dense"), "lm": spec("dense", task=language_model())}[task]
    fresh = create_task(s, str(data), Rng(4))
    assert isinstance(fresh, SeededEvaluationTask)
    assert fresh.eval_seed == Rng(4).int(2**32)  # the run RNG's first draw, as the engine's constructors take it
    engine_state = {"rng": {"seed": 123456789, "spare": -0.25}, "evalSeed": 987654321}  # as a tfjs checkpoint holds it
    fresh.restore(json.loads(json.dumps(engine_state)))
    assert fresh.state() == engine_state and fresh.eval_seed == 987654321


def test_language_model_windows_shift_targets_by_one(data):
    task = create_task(spec("dense", task=language_model()), str(data), Rng(0))
    batch = task.next_batch(1)
    assert batch.inputs.dtype == torch.int64 and batch.inputs.shape == (3, 16)
    assert torch.equal(batch.inputs[:, 1:], batch.targets[:, :-1])
    assert task.describe() == "text.txt: 28 chars, 237 train / 27 val"
    metrics = task.evaluate(build_model(spec("dense", task=language_model()), Rng(0)), 1)
    assert metrics["val.loss"] == pytest.approx(math.log(40), rel=1e-6)  # zero lm head: uniform over 40 ids
    assert metrics["val.bpc"] == pytest.approx(metrics["val.loss"] / math.log(2))


def test_the_vocabulary_sorts_as_javascript_sorts_strings(tmp_path):
    # '𝒜' (U+1D49C) is a surrogate pair D835 DC9C in UTF-16, so JavaScript sorts it before 'ｚ' (U+FF5A).
    (tmp_path / "t.txt").write_text("ｚ𝒜ab" * 60, encoding="utf-8")
    task = create_task(spec("dense", task=language_model("t.txt")), str(tmp_path), Rng(0))
    assert task.corpus.vocabulary == ["a", "b", "𝒜", "ｚ"]


@pytest.mark.parametrize("content, message", [
    (b"", "the data file is empty"),
    (b"ok\nbad \xff byte\n", ":2: the file is not valid UTF-8 text"),
    ("abc".encode() * 3, "the training split (90% of 9 characters) has 8 characters, fewer than model.seqLen + 1 = 17"),
    ("".join(chr(0x4E00 + i) for i in range(50)).encode() * 4, "the text has 50 distinct characters but task.vocabSize is 40"),
])
def test_language_model_data_problems_name_the_file(tmp_path, content, message):
    (tmp_path / "t.txt").write_bytes(content)
    with pytest.raises(DataError) as error:
        create_task(spec("dense", task=language_model("t.txt")), str(tmp_path), Rng(0))
    assert str(error.value).startswith(str(tmp_path / "t.txt"))
    assert message in str(error.value)


def test_a_missing_data_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r'cannot read the data file named by task.data \("nope.txt"\): no such file'):
        create_task(spec("dense", task=language_model("nope.txt")), str(tmp_path), Rng(0))


def test_forecast_standardises_on_training_rows_and_zeroes_the_placeholders(data):
    task = create_task(spec("dense", task=forecast()), str(data), Rng(0))
    train = task.data.values[:48].double()
    assert torch.allclose(train.mean(0), torch.zeros(3, dtype=torch.float64), atol=1e-6)
    assert torch.allclose(train.std(0, unbiased=False), torch.ones(3, dtype=torch.float64), atol=1e-6)
    batch = task.next_batch(1)
    assert batch.inputs.shape == (3, 16, 3) and batch.targets.shape == (3, 4, 3) and batch.mask is None
    assert not batch.inputs[:, 12:].any()
    assert task.windows("train") == 48 - 16 + 1
    assert task.describe() == "series.csv: 80 rows, M (a, b, OT), lookback 12 → horizon 4; windows 33 train / 13 val / 13 test"
    metrics = task.evaluate(build_model(spec("dense", task=forecast()), Rng(0)), 1)
    assert set(metrics) == {f"{s}.{m}" for s in ("val", "test") for m in ("mse", "mae", "targetMse", "targetMae")} | {"val.loss"}
    assert metrics["val.loss"] == metrics["val.mse"]


def test_forecast_evaluation_spaces_windows_evenly_when_there_are_too_many(data):
    task = create_task(spec("dense", task=forecast(), batchSize=2, evalBatches=2), str(data), Rng(0))
    assert task.evaluation_offsets("val") == [0, 3, 6, 9]  # 13 windows, budget 4


@pytest.mark.parametrize("csv, kw, message", [
    ("date,a,OT\n1,2,x\n", {}, ':2: column "OT" holds "x", not a number.'),
    ("date,a,OT\n1,2\n", {}, ":2: this row has 2 cells but the header has 3 columns."),
    ("time,a,OT\n1,2,3\n", {}, ':1: the header has no "date" column (task.dateColumn); its columns are "time", "a", "OT".'),
    ("date,a,b\n1,2,3\n", {}, ':1: task.target "OT" is not a numeric column; the numeric columns are "a", "b".'),
    ("date,a,OT\n1,2,3\n", {"channels": 3}, ':1: features "M" reads 2 channels from this file, but task.channels is 3'),
    ("date,a,OT\n" + "".join(f"{r},{r},{r}\n" for r in range(20)), {"channels": 2}, ":21: the train split has 12 rows"),
    ("date,a,OT\n" + "".join(f"{r},1,{r}\n" for r in range(80)), {"channels": 2}, 'column "a" is constant over the training rows'),
    ("date,OT\n" + "".join(f"{r},{r}\n" for r in range(80)), {"channels": 1, "split": "ett"}, ':81: split "ett" needs 14400 hourly rows'),
])
def test_forecast_data_problems_name_file_and_line(tmp_path, csv, kw, message):
    (tmp_path / "s.csv").write_text(csv, encoding="utf-8")
    with pytest.raises(DataError) as error:
        create_task(spec("dense", task={**forecast("s.csv"), **kw}), str(tmp_path), Rng(0))
    assert str(error.value).startswith(str(tmp_path / "s.csv"))
    assert message in str(error.value)
    assert error.value.file == str(tmp_path / "s.csv")


def test_forecast_reads_quoted_fields_and_javascript_numbers(tmp_path):
    rows = ['"date","a","OT"'] + [f'"{r}",0x{r:x},"{r}e-1"' for r in range(1, 60)]
    (tmp_path / "s.csv").write_text("\r\n".join(rows) + "\r\n\r\n", encoding="utf-8")
    task = create_task(spec("dense", task=forecast("s.csv", channels=2)), str(tmp_path), Rng(0))
    assert task.data.rows == 59 and task.data.channels == ["a", "OT"]


def test_an_unknown_task_kind_is_named():
    s = spec("dense")
    s["task"] = {"kind": "translation"}
    with pytest.raises(ValueError, match='task.kind "translation" is not one this runtime trains'):
        create_task(s, ".", Rng(0))

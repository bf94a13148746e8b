"""
Multi-step forecasting from a CSV (the ETT convention), as src/engine/tasks/forecast.ts:

- channels: features "S" reads and predicts the target column only, "M" every numeric column;
- split "ett": 12/4/4 months of hourly rows, each later split starting `lookback` rows early; fractions [a, b, c]
  take ⌊n·a⌋, ⌊n·b⌋, ⌊n·c⌋ rows in order with the same overlap;
- standardised per channel by the training rows' mean and population standard deviation;
- a window at offset i: inputs the L observed steps then H zero placeholders, targets the next H steps; training
  samples windows uniformly; evaluation scores MSE/MAE on val and test over every window, or over
  evalBatches·batchSize evenly spaced ones when there are more.
"""
from __future__ import annotations

import math
import os
from typing import Callable, Dict, List, Optional

import torch

from ..rng import Rng
from ..types import Batch
from .csv import parse_numeric_csv
from .data_error import DataError, decode_utf8, read_data_file
from .task import Task, predictions_and_targets

ETT_MONTH = 30 * 24
ETT_BORDERS = {"train": 12 * ETT_MONTH, "val": 16 * ETT_MONTH, "test": 20 * ETT_MONTH}
SPLITS = ("train", "val", "test")


def split_ranges(split, rows: int, lookback: int) -> Dict[str, range]:
    """Rows [start, end) of each split, lookback overlap included."""
    if split == "ett":
        train_end, val_end, test_end = ETT_BORDERS["train"], ETT_BORDERS["val"], ETT_BORDERS["test"]
    else:
        train = math.floor(rows * split[0])
        val = math.floor(rows * split[1])
        train_end, val_end, test_end = train, train + val, train + val + math.floor(rows * split[2])
    return {
        "train": range(0, train_end),
        "val": range(max(0, train_end - lookback), val_end),
        "test": range(max(0, val_end - lookback), test_end),
    }


class ForecastData:
    """The standardised series of a forecast task's CSV, checked against the spec."""

    def __init__(self, spec_dir: str, task: dict):
        expected = f'a CSV with a "{task["dateColumn"]}" column and numeric channels (ETT format)'
        file, content = read_data_file(spec_dir, task.get("data"), "forecast", expected)
        table = parse_numeric_csv(file, decode_utf8(file, content), task["dateColumn"])
        last_line = table.row_lines[-1] if table.row_lines else 1
        if task["target"] not in table.columns:
            names = ", ".join(f'"{c}"' for c in table.columns)
            raise DataError(file, 1, f'task.target "{task["target"]}" is not a numeric column; the numeric columns are {names}.')
        target_index = table.columns.index(task["target"])
        picked = [target_index] if task["features"] == "S" else list(range(len(table.columns)))
        if len(picked) != task["channels"]:
            plural = "" if len(picked) == 1 else "s"
            raise DataError(
                file, 1,
                f'features "{task["features"]}" reads {len(picked)} channel{plural} from this file, but task.channels is '
                f'{task["channels"]}; set task.channels to {len(picked)}.',
            )
        rows = len(table.rows)
        needed = task["lookback"] + task["horizon"]
        if task["split"] == "ett" and rows < ETT_BORDERS["test"]:
            raise DataError(
                file, last_line,
                f'split "ett" needs {ETT_BORDERS["test"]} hourly rows (12/4/4 months); the file has {rows}. '
                "Give task.split as fractions, e.g. [0.7, 0.1, 0.2].",
            )
        splits = split_ranges(task["split"], rows, task["lookback"])
        for name in SPLITS:
            r = splits[name]
            if r.stop - r.start < needed:
                raise DataError(
                    file, last_line,
                    f"the {name} split has {r.stop - r.start} rows (rows {r.start + 1}…{r.stop} of {rows}), fewer than "
                    f"lookback + horizon = {needed}; use more data, other split fractions, or a shorter lookback/horizon.",
                )
        channels = [table.columns[i] for i in picked]
        train = splits["train"]
        means, stds = [], []
        for k, col in enumerate(picked):
            total = 0.0
            for r in train:
                total += table.rows[r][col]
            mean = total / len(train)
            squares = 0.0
            for r in train:
                squares += (table.rows[r][col] - mean) ** 2
            std = math.sqrt(squares / len(train))
            if not std > 0:
                raise DataError(
                    file, None,
                    f'column "{channels[k]}" is constant over the training rows, so it cannot be standardised; '
                    'drop it or use features "S".',
                    channels[k],
                )
            means.append(mean)
            stds.append(std)
        standardised = [[(row[col] - means[k]) / stds[k] for k, col in enumerate(picked)] for row in table.rows]
        self.file = file
        self.channels = channels
        self.target_channel = channels.index(task["target"])
        #: (rows, channels) float32, as the engine's Float32Array.
        self.values = torch.tensor(standardised, dtype=torch.float64).to(torch.float32).reshape(rows, len(picked))
        self.rows = rows
        self.splits = splits


class ForecastTask(Task):
    def __init__(self, spec: dict, spec_dir: str, rng: Rng):
        if spec["task"]["kind"] != "forecast":
            raise ValueError(f"ForecastTask needs a forecast task, got {spec['task']['kind']}")
        self.spec = spec
        self.task = spec["task"]
        self.data = ForecastData(spec_dir, self.task)
        self.rng = rng

    def windows(self, split: str) -> int:
        r = self.data.splits[split]
        return r.stop - r.start - self.task["lookback"] - self.task["horizon"] + 1

    def batch(self, split: str, offsets: List[int]) -> Batch:
        """A batch of the windows at `offsets` of `split`."""
        l, h = self.task["lookback"], self.task["horizon"]
        c = len(self.data.channels)
        start = self.data.splits[split].start
        rows = torch.tensor([start + o for o in offsets]).unsqueeze(1) + torch.arange(l + h)
        windows = self.data.values[rows]  # (B, L + H, C)
        inputs = windows.clone()
        inputs[:, l:] = 0  # the H placeholders
        return Batch(inputs, windows[:, l:].contiguous(), None, len(offsets) * (l + h))

    def next_batch(self, step: int) -> Batch:
        count = self.windows("train")
        return self.batch("train", [self.rng.int(count) for _ in range(self.spec["training"]["batchSize"])])

    def evaluation_offsets(self, split: str) -> List[int]:
        count = self.windows(split)
        budget = self.spec["training"]["evalBatches"] * self.spec["training"]["batchSize"]
        if count <= budget:
            return list(range(count))
        return [(i * count) // budget for i in range(budget)]

    def evaluate(self, model, step: int, between_batches: Optional[Callable[[], None]] = None) -> Dict[str, float]:
        metrics: Dict[str, float] = {}
        c = len(self.data.channels)
        target = self.data.target_channel
        size = self.spec["training"]["batchSize"]
        for split in ("val", "test"):
            offsets = self.evaluation_offsets(split)
            squared = absolute = target_squared = target_absolute = 0.0
            for i in range(0, len(offsets), size):
                if between_batches:
                    between_batches()
                predicted, expected = predictions_and_targets(model, self.batch(split, offsets[i : i + size]))
                error = (predicted - expected).reshape(-1, c)
                squared += float((error * error).sum())
                absolute += float(error.abs().sum())
                target_squared += float((error[:, target] ** 2).sum())
                target_absolute += float(error[:, target].abs().sum())
            values = len(offsets) * self.task["horizon"] * c
            metrics[f"{split}.mse"] = squared / values
            metrics[f"{split}.mae"] = absolute / values
            if self.task["features"] == "M":
                metrics[f"{split}.targetMse"] = target_squared * c / values
                metrics[f"{split}.targetMae"] = target_absolute * c / values
        # The training loss is this MSE; "val.loss" lets every task's runs be compared on one key.
        metrics["val.loss"] = metrics["val.mse"]
        return metrics

    def state(self) -> dict:
        return {"rng": self.rng.state}

    def restore(self, state: dict) -> None:
        self.rng = Rng(state["rng"])

    def describe(self) -> str:
        t = self.task
        w = {s: f"{self.windows(s):,}" for s in SPLITS}
        return (
            f"{os.path.basename(self.data.file)}: {self.data.rows:,} rows, {t['features']} ({', '.join(self.data.channels)}), "
            f"lookback {t['lookback']} → horizon {t['horizon']}; windows {w['train']} train / {w['val']} val / {w['test']} test"
        )

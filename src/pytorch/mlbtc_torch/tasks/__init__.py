"""create_task(spec, spec_dir, rng): the data side of a run for the spec's task, as src/engine/tasks. Data files are
read and checked here, so every data problem surfaces as a DataError (file, line) before training starts."""
from __future__ import annotations

from ..rng import Rng
from ..spec import ResolvedSpec, check_resolved
from .data_error import DataError
from .forecast import ForecastTask
from .icl_regression import IclRegressionTask
from .language_model import LanguageModelTask
from .task import Task

__all__ = ["DataError", "ForecastTask", "IclRegressionTask", "LanguageModelTask", "Task", "create_task"]


def create_task(spec: ResolvedSpec, spec_dir: str, rng: Rng) -> Task:
    """The task of a resolved spec; `data` paths are relative to spec_dir (the spec file's folder)."""
    kind = check_resolved(spec)["task"]["kind"]
    if kind == "icl-regression":
        return IclRegressionTask(spec, rng)
    if kind == "language-model":
        return LanguageModelTask(spec, spec_dir, rng)
    if kind == "forecast":
        return ForecastTask(spec, spec_dir, rng)
    raise ValueError(f'task.kind "{kind}" is not one this runtime trains (icl-regression, language-model, forecast).')

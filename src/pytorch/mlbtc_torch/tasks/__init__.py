"""create_task(spec, spec_dir, rng): the data side of a run, as src/engine/tasks."""
from __future__ import annotations

from ..rng import Rng
from ..spec import ResolvedSpec


class DataError(Exception):
    pass


class Task:  # interface being written
    pass


def create_task(spec: ResolvedSpec, spec_dir: str, rng: Rng) -> Task:
    raise NotImplementedError("being ported")

"""
Stopping a job in any phase, not only between steps, as src/engine/train/stop.ts: the job hands `between_batches` to
evaluation (and calls it between start-up phases); it raises StopRequested when a stop was asked for, so an
evaluation of 1e9 batches, or a very slow one, stops within one batch. Signals need no turn of an event loop here:
Python runs their handlers between bytecodes of the main thread.
"""
from __future__ import annotations

from typing import Callable, Optional


class StopRequested(Exception):
    def __init__(self, by: str):
        super().__init__(f"stopped by {by}")
        #: What asked: "SIGTERM", "SIGINT".
        self.by = by


def stop_point(stop_requested: Callable[[], Optional[str]]) -> Callable[[], None]:
    """A `between_batches` for `stop_requested` (run_job's stop_requested)."""

    def between_batches() -> None:
        by = stop_requested()
        if by:
            raise StopRequested(by)

    return between_batches

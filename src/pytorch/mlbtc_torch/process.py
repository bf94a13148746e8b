"""
Is a process still there? A port of src/runfolder/process.ts: used to tell a live worker or lock owner from one that
died without cleaning up, and a run folder's temp file of a live writer from a dead one's leftover. The same rules as
the TypeScript side, so both runtimes judge a lock or a status the same way (docs/choices.md, "Worker liveness").
"""
from __future__ import annotations

import math
import os
import re
from datetime import datetime
from typing import List, Optional

#: Clock slack of process_started_at: /proc/stat's btime has one-second resolution and wobbles by a second.
START_TIME_SLACK_MS = 2_000
#: Linux's USER_HZ, the unit of /proc/<pid>/stat's starttime (the constant process.ts uses).
CLOCK_TICKS_PER_S = 100

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def is_process_alive(pid: int) -> bool:
    """True while `pid` names a process that can still run; a zombie counts as dead (it will never write again),
    a process of another user (EPERM) as alive."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        pass
    except OSError:
        return False
    state = _stat_fields(pid)
    return not (state and state[0] in ("Z", "X"))


def is_process_alive_since(pid: int, recorded_at_ms: float) -> bool:
    """True while `pid` is alive AND is the process that wrote something at `recorded_at_ms` (ms since the epoch): a
    process that started after that moment reused the pid. Where the start time is unknown, the pid alone decides."""
    if not is_process_alive(pid):
        return False
    started = process_started_at(pid)
    return started is None or not math.isfinite(recorded_at_ms) or started <= recorded_at_ms + START_TIME_SLACK_MS


def process_started_at(pid: int) -> Optional[float]:
    """When `pid` started (ms since the epoch), from /proc/<pid>/stat field 22 and /proc/stat's btime; None elsewhere."""
    fields = _stat_fields(pid)
    boot = _boot_time_ms()
    try:
        ticks = float(fields[19]) if fields else math.nan
    except (ValueError, IndexError):
        ticks = math.nan
    return boot + ticks * 1000 / CLOCK_TICKS_PER_S if math.isfinite(ticks) and boot is not None else None


def parse_iso_ms(text: Optional[str]) -> float:
    """Date.parse of an ISO time as the workers write it ("2026-01-01T00:00:00.000Z"): ms since the epoch, NaN when
    it is not one."""
    if not isinstance(text, str) or not _ISO.match(text):
        return math.nan
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        return math.nan


_boot_time: List[Optional[float]] = []


def _boot_time_ms() -> Optional[float]:
    if not _boot_time:
        try:
            with open("/proc/stat", encoding="utf-8") as f:
                m = re.search(r"^btime (\d+)$", f.read(), re.M)
            _boot_time.append(int(m.group(1)) * 1000 if m else None)
        except OSError:
            _boot_time.append(None)
    return _boot_time[0]


def _stat_fields(pid: int) -> Optional[List[str]]:
    """The fields of /proc/<pid>/stat after "pid (comm)" (state first), or None where there is no /proc. comm may hold
    spaces and parentheses, so the fields follow the LAST ')'."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split(" ")

"""
The writer side of the run folder, a port of src/runfolder/runFolder.ts (formats in src/protocol/run.ts). One worker
process writes one folder; readers never write. Every file that is replaced (status.json, checkpoints, a truncated
metrics.jsonl) is replaced atomically, so a reader, or a resume after a crash or power loss, sees the old version or
the new one, never a torn file: write a temp file, fsync it, rename it over the target, fsync the folder.

JSON is written as JSON.stringify writes it (mlbtc_torch.jsjson), so the folder reads the same whichever runtime
wrote it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Union

from .jsjson import stringify
from .process import is_process_alive

RUN_FORMAT_VERSION = 1
SPEC_FILE = "spec.json"
STATUS_FILE = "status.json"
METRICS_FILE = "metrics.jsonl"
LOG_FILE = "worker.log"
CHECKPOINTS_DIR = "checkpoints"
#: A stop request through the run folder (src/runfolder/stopRequest.ts): one line naming who asked.
STOP_FILE = "stop"
#: At most this many checkpoints are kept; older ones are deleted after a newer one is complete.
CHECKPOINTS_KEPT = 2
#: The worker refreshes status.heartbeat at least this often while it is alive.
HEARTBEAT_INTERVAL_S = 2.0
FINAL_STATES = ("completed", "failed", "cancelled")
RUN_STATES = ("queued", "running", "completed", "failed", "cancelled", "interrupted")

#: Temp files and folders are named with these prefixes and the writer's pid, so leftovers can be recognised.
TMP_PREFIX = ".tmp-"
TRASH_PREFIX = ".trash-"

_CHECKPOINT_NAME = re.compile(r"^step-(\d+)$")
_TMP_FILE = re.compile(r"\.tmp-(\d+)$")


def iso_now() -> str:
    """The current time as Date.prototype.toISOString writes it: UTC, milliseconds, "Z"."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def checkpoint_dir_name(step: int) -> str:
    return f"step-{step}"


def write_file_atomic(file: str, data: Union[str, bytes]) -> None:
    """Replace `file` with `data` atomically and durably."""
    tmp = f"{file}{TMP_PREFIX}{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, file)
    fsync_dir(os.path.dirname(file) or ".")


def fsync_dir(directory: str) -> None:
    """Make a rename or unlink inside `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(file: str, value: Any) -> None:
    write_file_atomic(file, stringify(value, 2) + "\n")


def sweep_leftovers(run_dir: str) -> None:
    """Remove what an earlier worker of this run left when it was killed mid-write: unfinished checkpoint folders and
    checkpoints it was deleting (only workers write checkpoints/, one at a time), and `<file>.tmp-<pid>` files of
    processes that are gone (a live manager may be replacing status.json right now, so its temp file stays)."""
    checkpoints = os.path.join(run_dir, CHECKPOINTS_DIR)
    if os.path.isdir(checkpoints):
        for name in os.listdir(checkpoints):
            if name.startswith(TMP_PREFIX) or name.startswith(TRASH_PREFIX):
                _remove(os.path.join(checkpoints, name))
    for name in os.listdir(run_dir):
        m = _TMP_FILE.search(name)
        if m and not is_process_alive(int(m.group(1))):
            _remove(os.path.join(run_dir, name))


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


class RunFolderError(Exception):
    """A run folder that cannot be used; the message names the file."""


def read_run_spec(run_dir: str) -> Dict[str, Any]:
    """spec.json of a run folder (RunSpecFile: the resolved spec is its "spec" member)."""
    file = os.path.join(run_dir, SPEC_FILE)
    try:
        with open(file, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise RunFolderError(f"{file}: cannot read the run's spec ({e.strerror}); is {run_dir} a run folder?") from e
    try:
        value = json.loads(text)
    except ValueError as e:
        raise RunFolderError(f"{file}: not valid JSON ({e})") from e
    if not isinstance(value, dict) or value.get("version") != RUN_FORMAT_VERSION:
        version = value.get("version") if isinstance(value, dict) else None
        raise RunFolderError(f"{file}: run format version {version}, this worker writes {RUN_FORMAT_VERSION}.")
    return value


def read_status(run_dir: str) -> Dict[str, Any]:
    """status.json, checked as parseStatus does (the fields this writer relies on)."""
    file = os.path.join(run_dir, STATUS_FILE)
    try:
        with open(file, encoding="utf-8") as f:
            value = json.load(f)
    except OSError as e:
        raise RunFolderError(f"{file}: cannot read ({e.strerror})") from e
    except ValueError as e:
        raise RunFolderError(f"{file}: not valid JSON ({e})") from e
    if not isinstance(value, dict):
        raise RunFolderError(f"{file}: not a JSON object")
    if value.get("version") != RUN_FORMAT_VERSION:
        raise RunFolderError(f"{file}: run format version {json.dumps(value.get('version'))}; this version reads {RUN_FORMAT_VERSION}")
    if value.get("state") not in RUN_STATES:
        raise RunFolderError(f"{file}: state {json.dumps(value.get('state'))} is not one of {', '.join(RUN_STATES)}")
    for key in ("step", "totalSteps"):
        if not isinstance(value.get(key), (int, float)) or isinstance(value.get(key), bool):
            raise RunFolderError(f'{file}: "{key}" should be a number (got {json.dumps(value.get(key))})')
    return value


class Checkpoint(NamedTuple):
    step: int
    path: str


def list_checkpoints(run_dir: str) -> List[Checkpoint]:
    """Complete checkpoints of a run, oldest first. Unfinished temp folders are ignored."""
    root = os.path.join(run_dir, CHECKPOINTS_DIR)
    if not os.path.isdir(root):
        return []
    found = [(_CHECKPOINT_NAME.match(name), name) for name in os.listdir(root)]
    return sorted(Checkpoint(int(m.group(1)), os.path.join(root, name)) for m, name in found if m)


class ChosenCheckpoint(NamedTuple):
    step: int
    path: str
    #: What `read` returned for it.
    value: Any


def newest_readable_checkpoint(run_dir: str, read: Callable[[str], Any], warn: Callable[[str], None]) -> Optional[ChosenCheckpoint]:
    """The newest checkpoint `read` accepts (src/runfolder/checkpoints.ts): the newest may be truncated by a full disk
    or damaged by hand, and a resume then falls back to the newest one that reads, reporting each one skipped through
    `warn`. None when the run has no checkpoint; raises, naming every checkpoint and why, when none can be read
    (starting over silently would throw the run's progress away)."""
    failures: List[str] = []
    for c in reversed(list_checkpoints(run_dir)):
        try:
            value = read(c.path)
        except Exception as e:  # the reader's error is the verdict, whatever the format
            why = _unreadable_reason(c.path, e)
            failures.append(why)
            warn(f"checkpoint unreadable, skipped: {why}")
            continue
        if failures:
            warn(f"resuming from the newest readable checkpoint, {c.path}, instead")
        return ChosenCheckpoint(c.step, c.path, value)
    if failures:
        raise RunFolderError(f"no checkpoint of {run_dir} can be read, so it cannot be resumed: {'; '.join(failures)}")
    return None


def _unreadable_reason(directory: str, e: Exception) -> str:
    """Why a checkpoint folder could not be read, always naming the folder (or the file, when the error already does)."""
    try:
        entries: Optional[List[str]] = os.listdir(directory)
    except OSError:
        entries = None
    if entries is not None and not entries:
        return f"{directory} is empty (a copy or a deletion that was interrupted?)"
    message = str(e) or type(e).__name__
    # json's errors name no file: name the JSON file that does not parse.
    if isinstance(e, ValueError) and entries:
        damaged = next((n for n in sorted(entries) if n.endswith(".json") and not _parses_as_json(os.path.join(directory, n))), None)
        if damaged:
            return f"{os.path.join(directory, damaged)}: not valid JSON ({message})"
    return message if directory in message else f"{directory}: {message}"


def _parses_as_json(file: str) -> bool:
    try:
        with open(file, encoding="utf-8") as f:
            json.load(f)
        return True
    except (OSError, ValueError):
        return False


def format_metric_line(record: Dict[str, Any]) -> str:
    return stringify(record) + "\n"


def parse_metric_lines(text: str) -> List[Dict[str, Any]]:
    """Records of metrics.jsonl, as parseMetricLines (src/protocol/run.ts) reads them: a last line without its newline
    (still being written) and any line that is not a metric record are skipped."""
    lines = text.split("\n")
    lines.pop()
    records = []
    for line in lines:
        record = _parse_metric_line(line) if line.strip() else None
        if record is not None:
            records.append(record)
    return records


def _parse_metric_line(line: str) -> Optional[Dict[str, Any]]:
    """A metric record as JSON.parse and isMetricRecord see it: NaN and Infinity are not JSON, a boolean step is not
    a number."""
    try:
        value = json.loads(line, parse_constant=_not_json)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    step = value.get("step")
    if value.get("kind") in ("train", "eval") and isinstance(step, (int, float)) and not isinstance(step, bool):
        return value
    return None


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _js_length(text: str) -> int:
    """text.length in JavaScript: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _js_head(text: str, units: int) -> str:
    """text.slice(0, units) in JavaScript, which may cut a surrogate pair in two (stringify escapes the lone half)."""
    return text.encode("utf-16-le", "surrogatepass")[: 2 * units].decode("utf-16-le", "surrogatepass")


class RunFolderWriter:
    """The worker's handle on its run folder."""

    def __init__(self, run_dir: str):
        self.dir = run_dir
        self._status = read_status(run_dir)
        self._lock = threading.Lock()
        self._heartbeat: Optional[threading.Thread] = None
        self._heartbeat_stop = threading.Event()
        sweep_leftovers(run_dir)

    @property
    def current_status(self) -> Dict[str, Any]:
        return dict(self._status)

    def update_status(self, **patch: Any) -> None:
        """Merge `patch` into status.json (atomically) and refresh the heartbeat."""
        with self._lock:
            self._status = {**self._status, **patch, "heartbeat": iso_now()}
            write_json_atomic(os.path.join(self.dir, STATUS_FILE), self._status)

    def note_step(self, step: int) -> None:
        """Record the last completed step without writing: the next heartbeat or status update persists it."""
        with self._lock:
            self._status = {**self._status, "step": step}

    def start_heartbeat(self, interval_s: float = HEARTBEAT_INTERVAL_S) -> None:
        """Refresh the heartbeat every `interval_s` from a background thread (training steps may take long)."""
        self.stop_heartbeat()
        self._heartbeat_stop = threading.Event()
        stop = self._heartbeat_stop

        def beat() -> None:
            while not stop.wait(interval_s):
                if self._status.get("state") not in FINAL_STATES:
                    self.update_status()

        self._heartbeat = threading.Thread(target=beat, name="mlbtc-heartbeat", daemon=True)
        self._heartbeat.start()

    def stop_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat_stop.set()
            self._heartbeat.join()
            self._heartbeat = None

    def append_metric(self, record: Dict[str, Any]) -> None:
        with open(os.path.join(self.dir, METRICS_FILE), "a", encoding="utf-8") as f:
            f.write(format_metric_line(record))

    def truncate_metrics_after(self, step: int) -> None:
        """Drop metric records after `step`. A resumed run restarts from its checkpoint, so records a killed worker
        wrote after it would otherwise appear twice. A torn last line is handled by the rule of docs/formats.md,
        "metrics.jsonl" (Torn last line), as RunFolderWriter.truncateMetricsAfter (src/runfolder/runFolder.ts)."""
        from .tasks.js_number import js_trim  # the package imports torch, which a job has loaded by now

        file = os.path.join(self.dir, METRICS_FILE)
        if not os.path.exists(file):
            return
        # Read as Node reads it: no newline translation, a torn UTF-8 sequence as U+FFFD.
        with open(file, encoding="utf-8", errors="replace", newline="") as f:
            text = f.read()
        kept = parse_metric_lines(text)
        tail = text[text.rfind("\n") + 1 :]
        if js_trim(tail):
            salvaged = parse_metric_lines(tail + "\n")
            if salvaged:
                kept += salvaged
            else:
                head = stringify(_js_head(tail, 80))
                self.log("warn", f"{file}: dropped a torn last line ({_js_length(tail)} bytes, not a whole record): {head}")
        # json.loads reads JSON.stringify's integers as ints and the rest as floats, so the records are written back
        # exactly as they were.
        write_file_atomic(file, "".join(format_metric_line(r) for r in kept if r["step"] <= step))

    def log(self, level: str, message: str) -> None:
        with open(os.path.join(self.dir, LOG_FILE), "a", encoding="utf-8") as f:
            f.write(f"{iso_now()} {level:<5} {message}\n")

    def save_checkpoint(self, step: int, write: Callable[[str], None]) -> str:
        """Write a checkpoint atomically: `write(tmp_dir)` fills a temp folder, whose files are then fsynced, and the
        folder is renamed to checkpoints/step-<N>. Older checkpoints beyond CHECKPOINTS_KEPT are removed afterwards,
        so a crash at any moment leaves at least one complete checkpoint."""
        root = os.path.join(self.dir, CHECKPOINTS_DIR)
        os.makedirs(root, exist_ok=True)
        final = os.path.join(root, checkpoint_dir_name(step))
        tmp = os.path.join(root, f"{TMP_PREFIX}{checkpoint_dir_name(step)}-{os.getpid()}")
        _remove(tmp)
        os.mkdir(tmp)
        write(tmp)
        for name in os.listdir(tmp):
            fd = os.open(os.path.join(tmp, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(tmp)
        # Saving the same step twice (a stop request right after a periodic checkpoint) replaces the older copy.
        _remove(final)
        os.rename(tmp, final)
        fsync_dir(root)
        # Renamed out of the step-<N> namespace before removal: a kill during a recursive delete must not leave a
        # half-deleted folder that still reads as a complete checkpoint.
        for old in list_checkpoints(self.dir)[:-CHECKPOINTS_KEPT]:
            trash = os.path.join(root, f"{TRASH_PREFIX}{os.path.basename(old.path)}-{os.getpid()}")
            os.rename(old.path, trash)
            _remove(trash)
        return final


def stop_request_of(run_dir: str) -> Optional[str]:
    """Who asked the run to stop through its folder ("a stop request" when the file is empty), or None: any window or
    `mlbtc stop` can stop a run this way, whoever started the worker (src/runfolder/stopRequest.ts)."""
    try:
        with open(os.path.join(run_dir, STOP_FILE), encoding="utf-8") as f:
            return f.read().strip() or "a stop request"
    except OSError:
        return None

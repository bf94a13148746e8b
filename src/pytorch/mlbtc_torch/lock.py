"""
Lock files, a port of src/runfolder/lock.ts with the same file format and rules, so a lock taken by either runtime
excludes the other:

- A lock is a file created with O_CREAT|O_EXCL holding JSON {"pid","hostname","createdAt","owner"} (written as
  JSON.stringify writes it). Creating it is the acquisition: exactly one process can succeed.
- Release deletes the file, but only if it still names this process.
- A lock is stale when its owner is on this host and no longer alive (is_process_alive_since: zombies count as dead,
  and so does a process that started after createdAt, a stranger that reused the pid), or when its content cannot be
  read and the file is older than UNREADABLE_GRACE_S. A lock from another host is never judged stale.
- Breaking a stale lock: rename it aside (one breaker wins), re-read it; if it is still what we judged, delete it and
  retry, else put it back with link (which fails if a third process holds the name by now).
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import time
from typing import Callable, NamedTuple, Optional

from .jsjson import stringify
from .process import is_process_alive_since, parse_iso_ms
from .runfolder import iso_now

#: A lock file whose content cannot be parsed yet is given this long to be written before it counts as stale.
UNREADABLE_GRACE_S = 10.0


class LockInfo(NamedTuple):
    pid: int
    hostname: str
    createdAt: str
    #: What holds it, for messages: "worker", "run manager", …
    owner: str


def read_lock(file: str) -> Optional[LockInfo]:
    """The lock's content, or None when it is missing, being written or garbage (the caller decides by age)."""
    try:
        with open(file, encoding="utf-8") as f:
            value = json.load(f)
    except (OSError, ValueError):
        return None
    if isinstance(value, dict) and _is_number(value.get("pid")) and isinstance(value.get("hostname"), str):
        created = value.get("createdAt")
        owner = value.get("owner")
        return LockInfo(
            value["pid"], value["hostname"], "" if created is None else str(created), "another process" if owner is None else str(owner)
        )
    return None


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class FileLock:
    def __init__(self, file: str, owner: str, is_alive: Callable[[int, float], bool] = is_process_alive_since):
        self.file = file
        self.owner = owner
        self._is_alive = is_alive
        self.held = False

    def try_acquire(self) -> bool:
        """Take the lock if it is free or stale. False when a live process holds it. Raises on I/O errors other than
        "exists"."""
        if self.held:
            return True
        # A few rounds: each round either takes the lock, finds it live, or breaks a stale one and tries again.
        for _ in range(3):
            if self._create():
                self.held = True
                return True
            # Not re-entrant: a lock naming this process is held by another FileLock here, which excludes us too.
            holder = read_lock(self.file)
            if not self._is_stale(holder):
                return False
            self._break_stale(holder)
        return False

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        holder = read_lock(self.file)
        if holder and holder.pid == os.getpid() and holder.hostname == socket.gethostname():
            try:
                os.remove(self.file)
            except FileNotFoundError:
                pass

    def _create(self) -> bool:
        try:
            fd = os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            return False
        info = {"pid": os.getpid(), "hostname": socket.gethostname(), "createdAt": iso_now(), "owner": self.owner}
        try:
            os.write(fd, stringify(info).encode("utf-8"))
            os.fsync(fd)
        except OSError:
            os.close(fd)
            os.remove(self.file)  # an empty lock (disk full) would block others for UNREADABLE_GRACE_S
            raise
        os.close(fd)
        return True

    def _is_stale(self, holder: Optional[LockInfo]) -> bool:
        if holder:
            return (
                holder.hostname == socket.gethostname()
                and holder.pid != os.getpid()
                and not self._is_alive(holder.pid, parse_iso_ms(holder.createdAt))
            )
        try:
            return time.time() - os.stat(self.file).st_mtime > UNREADABLE_GRACE_S
        except OSError:
            return True  # vanished between _create() and now: simply retry

    def _break_stale(self, judged: Optional[LockInfo]) -> None:
        aside = f"{self.file}.stale-{os.getpid()}-{secrets.token_hex(3)}"
        try:
            os.rename(self.file, aside)
        except OSError:
            return  # someone else broke or released it first; retry the acquisition
        moved = read_lock(aside)
        if judged is None:
            same = moved is None or not self._is_alive(moved.pid, parse_iso_ms(moved.createdAt))
        else:
            same = moved is not None and moved.pid == judged.pid and moved.createdAt == judged.createdAt
        if not same:
            try:
                os.link(aside, self.file)  # put the live lock back
            except OSError:
                pass  # a third process holds the name now; the lock we moved belonged to a process that will find it gone
        try:
            os.remove(aside)
        except FileNotFoundError:
            pass

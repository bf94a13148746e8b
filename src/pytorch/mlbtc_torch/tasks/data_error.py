"""
Reading a task's data file and its problems, the twin of src/data/dataError.ts (readDataFile) and src/data/dataRoots.ts:
the same rules (docs/choices.md, "Task data and spec files"), variables and messages. A message leads with "file:line"
(or just the file when no single line is at fault), and the fields let callers place a diagnostic without parsing it.
"""
from __future__ import annotations

import errno
import math
import os
import stat
from typing import List, Mapping, Optional, Tuple

from .js_number import js_number, js_trim


class DataError(Exception):
    def __init__(self, file: str, line: Optional[int], problem: str, column: Optional[str] = None):
        super().__init__(f"{file if line is None else f'{file}:{line}'}: {problem}")
        #: Absolute path of the data file.
        self.file = file
        #: 1-based line of the problem, when one line is at fault.
        self.line = line
        #: What is wrong and what would be right.
        self.problem = problem
        #: The CSV column at fault, for cell errors.
        self.column = column


#: The variables through which the editor hands the machine settings mlbtc.dataRoots and mlbtc.dataMaxMegabytes to
#: workers (src/protocol/worker.ts DATA_ROOTS_ENV, DATA_MAX_MB_ENV).
DATA_ROOTS_ENV = "MLBTC_DATA_ROOTS"
DATA_MAX_MB_ENV = "MLBTC_DATA_MAX_MB"
DEFAULT_DATA_MAX_MB = 512
#: Folders whose presence marks a workspace root (where `.mlbtc/runs` lives).
WORKSPACE_MARKERS = (".mlbtc", ".vscode", ".git")


def workspace_root(directory: str) -> str:
    """The nearest folder at or above `directory` that looks like a workspace root, else `directory` itself."""
    start = os.path.abspath(directory)
    d = start
    while True:
        if any(os.path.exists(os.path.join(d, m)) for m in WORKSPACE_MARKERS):
            return d
        if os.path.dirname(d) == d:
            return start
        d = os.path.dirname(d)


def allowed_data_roots(spec_dir: str, env: Mapping[str, str] = os.environ) -> List[str]:
    """The folders data may come from for a spec in `spec_dir`, symlinks resolved; missing allowed folders are left
    out (src/data/dataRoots.ts allowedDataRoots)."""
    listed = [r for r in env.get(DATA_ROOTS_ENV, "").split(os.pathsep) if r.strip() != "" and os.path.isabs(r)]
    roots: List[str] = []
    for root in [workspace_root(spec_dir), *listed]:
        try:
            real = os.path.realpath(root, strict=True)
        except OSError:
            continue  # an allowed folder that does not exist allows nothing
        if real not in roots:
            roots.append(real)
    return roots


def data_max_bytes(env: Mapping[str, str] = os.environ) -> float:
    """The size limit in bytes: MLBTC_DATA_MAX_MB when it is a positive number (as JavaScript's Number() reads it),
    else the default."""
    text = env.get(DATA_MAX_MB_ENV)
    trimmed = js_trim(text) if text is not None else None
    mb = math.nan if trimmed is None else 0.0 if trimmed == "" else js_number(trimmed)
    return (mb if math.isfinite(mb) and mb > 0 else DEFAULT_DATA_MAX_MB) * 1024 * 1024


def is_within(file: str, root: str) -> bool:
    """True when `file` is `root` or inside it (both real paths)."""
    rel = os.path.relpath(file, root)
    return rel == "." or (not rel.startswith("..") and not os.path.isabs(rel))


def read_data_file(
    spec_dir: str, data: Optional[str], kind: str, expected: str, env: Mapping[str, str] = os.environ
) -> Tuple[str, bytes]:
    """The bytes of task.data resolved against the spec's folder, under the rules of src/data/dataError.ts readDataFile
    (docs/choices.md, "Task data and spec files"): a missing field, a missing, unreadable or empty file, a file outside
    the allowed folders, one that is not a regular file, or one over the size limit are all reported before anything
    is read. The file is opened non-blocking and checked on the open descriptor, so a FIFO never blocks and a swapped
    path cannot slip in."""
    if data is None:
        raise ValueError(f"task.data is not set: a {kind} run needs {expected}, given relative to the spec file.")
    file = os.path.abspath(os.path.join(spec_dir, data))

    def cannot_read(why: str) -> DataError:
        return DataError(file, None, f'cannot read the data file named by task.data ("{data}"): {why}. Expected {expected}.')

    try:
        real = os.path.realpath(file, strict=True)
    except OSError as error:
        raise cannot_read(_why(error)) from None
    roots = allowed_data_roots(spec_dir, env)
    if not any(is_within(real, root) for root in roots):
        raise DataError(
            file, None,
            f'task.data ("{data}") is {real}, outside the folders data may come from ({", ".join(roots)}): the spec\'s '
            f"workspace, and the folders of the machine setting mlbtc.dataRoots ({DATA_ROOTS_ENV} for mlbtc train). "
            "Move the file into the workspace or allow its folder there.",
        )
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise cannot_read(_why(error)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise cannot_read("it is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise DataError(file, None, f'task.data ("{data}") is not a regular file (a pipe, device or socket). Expected {expected}.')
        limit = data_max_bytes(env)
        if info.st_size > limit:
            raise DataError(
                file, None,
                f"the data file is {_megabytes(info.st_size)}, over the limit of {_megabytes(limit)}; raise it with the machine "
                f"setting mlbtc.dataMaxMegabytes ({DATA_MAX_MB_ENV} for mlbtc train).",
            )
        with open(fd, "rb", closefd=False) as f:
            content = f.read()
    finally:
        os.close(fd)
    if not content:
        raise DataError(file, None, f"the data file is empty. Expected {expected}.")
    return file, content


def _why(error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return "no such file"
    if error.errno == errno.EISDIR:
        return "it is a folder"
    return str(error)


def _megabytes(size: float) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def decode_utf8(file: str, content: bytes) -> str:
    """Strict UTF-8, a leading byte-order mark dropped (as TextDecoder does); on malformed bytes, name the line."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise DataError(
            file, line, "the file is not valid UTF-8 text: this line holds bytes that are not UTF-8 (save the file as UTF-8)."
        ) from None

"""
Problems with a task's data file, as src/engine/tasks/dataError.ts: the message leads with "file:line" (or just the
file when no single line is at fault), and the fields let callers place a diagnostic without parsing the message.
"""
from __future__ import annotations

import os
from typing import Optional, Tuple


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


def read_data_file(spec_dir: str, data: Optional[str], kind: str, expected: str) -> Tuple[str, bytes]:
    """The bytes of task.data resolved against the spec's folder; a missing field, file or content is reported."""
    if data is None:
        raise ValueError(f"task.data is not set: a {kind} run needs {expected}, given relative to the spec file.")
    file = os.path.abspath(os.path.join(spec_dir, data))
    try:
        with open(file, "rb") as f:
            content = f.read()
    except FileNotFoundError:
        why = "no such file"
    except IsADirectoryError:
        why = "it is a folder"
    except OSError as error:
        why = str(error)
    else:
        if not content:
            raise DataError(file, None, f"the data file is empty. Expected {expected}.")
        return file, content
    raise DataError(file, None, f'cannot read the data file named by task.data ("{data}"): {why}. Expected {expected}.')


def decode_utf8(file: str, content: bytes) -> str:
    """Strict UTF-8, a leading byte-order mark dropped (as TextDecoder does); on malformed bytes, name the line."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise DataError(
            file, line, "the file is not valid UTF-8 text: this line holds bytes that are not UTF-8 (save the file as UTF-8)."
        ) from None

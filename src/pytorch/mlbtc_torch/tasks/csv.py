"""
Reading a numeric CSV table (ETT format: a header row, a date column, numeric channels), as src/engine/tasks/csv.ts.
Every problem names the file, the 1-based line and, for cells, the column. Fields may be double-quoted.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import List

from .data_error import DataError
from .js_number import js_number, js_trim


@dataclass
class NumericTable:
    file: str
    #: Numeric column names, in file order (the date column left out).
    columns: List[str]
    #: rows[i][c]: data row i (file line row_lines[i]), numeric column c.
    rows: List[List[float]]
    row_lines: List[int]


def split_csv_line(line: str) -> List[str]:
    """Split one CSV line into fields, honouring double quotes."""
    fields: List[str] = []
    field = ""
    quoted = False
    i = 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and line[i + 1 : i + 2] == '"':
                field += '"'
                i += 1
            elif ch == '"':
                quoted = False
            else:
                field += ch
        elif ch == '"':
            quoted = True
        elif ch == ",":
            fields.append(field)
            field = ""
        else:
            field += ch
        i += 1
    fields.append(field)
    return [js_trim(f) for f in fields]


def parse_numeric_csv(file: str, text: str, date_column: str) -> NumericTable:
    """Parse `text` with a header row; every column except `date_column` must be numeric in every row."""
    lines = re.split(r"\r?\n", text)
    header = split_csv_line(lines[0] if lines else "")
    if date_column not in header:
        names = ", ".join(f'"{h}"' for h in header)
        raise DataError(file, 1, f'the header has no "{date_column}" column (task.dateColumn); its columns are {names}.')
    date_index = header.index(date_column)
    numeric = [(name, i) for i, name in enumerate(header) if i != date_index]
    if not numeric:
        raise DataError(file, 1, f'the header names no numeric column besides "{date_column}".')
    rows: List[List[float]] = []
    row_lines: List[int] = []
    for l in range(1, len(lines)):
        if js_trim(lines[l]) == "":
            continue
        cells = split_csv_line(lines[l])
        if len(cells) != len(header):
            raise DataError(file, l + 1, f"this row has {len(cells)} cells but the header has {len(header)} columns.")
        row = []
        for name, i in numeric:
            cell = cells[i]
            value = math.nan if cell == "" else js_number(cell)
            if not math.isfinite(value):
                shown = "an empty cell" if cell == "" else f'"{cell}"'
                raise DataError(file, l + 1, f'column "{name}" holds {shown}, not a number.', name)
            row.append(value)
        rows.append(row)
        row_lines.append(l + 1)
    return NumericTable(file, [n for n, _ in numeric], rows, row_lines)

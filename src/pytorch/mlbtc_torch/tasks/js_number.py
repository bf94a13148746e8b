"""JavaScript's String.prototype.trim and Number() for text the tfjs engine reads the same way (CSV cells, numeric
environment variables), so a value is a number here exactly when it is one there."""
from __future__ import annotations

import math
import re

# String.prototype.trim's whitespace and Number()'s grammar (StringNumericLiteral).
JS_SPACE = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_RADIX = re.compile(r"0([xXoObB])([0-9a-fA-F]+)")


def js_trim(s: str) -> str:
    return s.strip(JS_SPACE)


def js_number(cell: str) -> float:
    """Number(cell) for a trimmed, non-empty cell: NaN when JavaScript would give NaN."""
    if _DECIMAL.fullmatch(cell):
        return float(cell)
    radix = _RADIX.fullmatch(cell)
    if radix:
        base = {"x": 16, "o": 8, "b": 2}[radix.group(1).lower()]
        try:
            return float(int(radix.group(2), base))
        except ValueError:
            return math.nan
    if cell in ("Infinity", "+Infinity", "-Infinity"):
        return math.inf
    return math.nan

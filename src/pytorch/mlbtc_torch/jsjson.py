"""
JSON text exactly as JavaScript's JSON.stringify writes it, so the files this runtime writes (status.json,
metrics.jsonl, state.json) are byte-for-byte what the tfjs worker writes for the same values: numbers in
Number::toString form (5 not 5.0, 1e-7 not 1e-07, 1e+21, no exponent between 1e-6 and 1e21), NaN and ±Infinity as
null, -0 as 0, and JSON.stringify(value, null, 2)'s layout when indented.
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any, Optional

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def js_number(x: float) -> str:
    """Number::toString (ECMA-262, section 6.1.6.1.20) of a finite float: the shortest round-trip digits, as repr finds."""
    if x == 0:
        return "0"
    if x < 0:
        return "-" + js_number(-x)
    sign, digits, exponent = Decimal(repr(float(x))).as_tuple()
    ds = list(digits)
    while len(ds) > 1 and ds[-1] == 0:
        ds.pop()
        exponent += 1
    k = len(ds)
    s = "".join(map(str, ds))
    n = k + exponent  # value = 0.s × 10^n
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + s
    e = n - 1
    mantissa = s if k == 1 else s[0] + "." + s[1:]
    return f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"


def js_number_text(x: float) -> str:
    """String(x) in JavaScript, including NaN and ±Infinity (for messages such as "diverged at step 3 (loss NaN)")."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return js_number(x)


def stringify(value: Any, indent: Optional[int] = None) -> str:
    """JSON.stringify(value) or, with indent, JSON.stringify(value, null, indent)."""
    return _write(value, indent, 0)


def _write(v: Any, indent: Optional[int], depth: int) -> str:
    if v is None or v is True or v is False:
        return json.dumps(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return js_number(v) if math.isfinite(v) else "null"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dict):
        items = [(_string(str(k)), _write(x, indent, depth + 1)) for k, x in v.items()]
        return _layout("{", "}", [f"{k}:{' ' if indent else ''}{x}" for k, x in items], indent, depth)
    if isinstance(v, (list, tuple)):
        return _layout("[", "]", [_write(x, indent, depth + 1) for x in v], indent, depth)
    if hasattr(v, "item"):  # a numpy or torch scalar
        return _write(v.item(), indent, depth)
    raise TypeError(f"cannot write {type(v).__name__} as JSON")


def _string(s: str) -> str:
    """A JSON string as well-formed JSON.stringify writes it: a lone surrogate escaped as \\udxxx."""
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(s, ensure_ascii=False))


def _layout(open_: str, close: str, parts: list, indent: Optional[int], depth: int) -> str:
    if not parts:
        return open_ + close
    if not indent:
        return open_ + ",".join(parts) + close
    inner = "\n" + " " * (indent * (depth + 1))
    return open_ + inner + ("," + inner).join(parts) + "\n" + " " * (indent * depth) + close

"""
A bit-exact port of src/core/random.ts: mulberry32 for uniforms (uint32 arithmetic emulating Math.imul and >>> 0),
Box–Muller with the spare kept in the state for normals. The state {"seed", "spare"} has the same JSON shape as the
TypeScript RngState, so a run may checkpoint in one runtime and resume in the other.

The uniform stream is identical bit for bit. Normals go through log/sin/cos, where V8 and the C library may differ in
the last unit in the last place, so they agree to ~1e-15 relative.
"""
from __future__ import annotations

import math
from typing import Optional, TypedDict, Union

_MASK = 0xFFFFFFFF


class RngState(TypedDict):
    seed: int
    spare: Optional[float]


def _imul(a: int, b: int) -> int:
    """Math.imul on uint32 operands, as a uint32: the low 32 bits of the product are the same signed or unsigned."""
    return (a * b) & _MASK


class Rng:
    def __init__(self, seed: Union[int, float, RngState]):
        if isinstance(seed, dict):
            self._s = _to_uint32(seed["seed"])
            self._spare: Optional[float] = seed["spare"]
        else:
            self._s = _to_uint32(seed)
            self._spare = None

    def next(self) -> float:
        """Uniform in [0, 1)."""
        self._s = (self._s + 0x6D2B79F5) & _MASK
        t = self._s
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _MASK
        return ((t ^ (t >> 14)) & _MASK) / 4294967296

    def normal(self) -> float:
        """Standard normal."""
        if self._spare is not None:
            z = self._spare
            self._spare = None
            return z
        u = 0.0
        while u == 0:
            u = self.next()
        v = self.next()
        r = math.sqrt(-2 * math.log(u))
        self._spare = r * math.sin(2 * math.pi * v)
        return r * math.cos(2 * math.pi * v)

    def int(self, n: float) -> int:
        """Integer in [0, n)."""
        return math.floor(self.next() * n)

    def fork(self) -> "Rng":
        """A new generator seeded from this one, for independent streams (e.g. one per data split)."""
        return Rng(math.floor(self.next() * 4294967296))

    @property
    def state(self) -> RngState:
        return {"seed": self._s, "spare": self._spare}


def _to_uint32(value: Union[int, float]) -> int:
    """JavaScript's `value >>> 0`: ToUint32 (truncate toward zero, modulo 2^32; NaN and ±Infinity give 0)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return 0
        value = int(value)  # truncates toward zero, as ToUint32 does
    return value & _MASK

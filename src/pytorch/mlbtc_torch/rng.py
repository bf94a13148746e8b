"""
A bit-exact port of src/core/random.ts: mulberry32 for uniforms (uint32 arithmetic emulating Math.imul and >>> 0),
Box–Muller with the spare kept in the state for normals. The state {"seed", "spare"} has the same JSON shape as the
TypeScript RngState, so a run may checkpoint in one runtime and resume in the other.

The uniform stream is identical bit for bit. Normals go through log/sin/cos, where V8 and the C library may differ in
the last unit in the last place, so they agree to ~1e-15 relative.
"""
from __future__ import annotations

import math
from typing import List, Optional, TypedDict, Union

try:  # numpy is optional: it only makes drawing many normals (model initialisation) fast
    import numpy as np
except ImportError:  # pragma: no cover - exercised only where numpy is absent
    np = None

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

    def normals(self, n: int) -> List[float]:
        """n successive normal() draws, vectorised with numpy when it is installed (the same values: mulberry32's
        k-th state is seed + k·0x6D2B79F5, so a stretch of the uniform stream is one array expression)."""
        out: List[float] = []
        if self._spare is not None and n > 0:
            out.append(self.normal())
        pairs = (n - len(out) + 1) // 2
        if np is None or pairs < 64:
            while len(out) < n:
                out.append(self.normal())
            return out
        uniforms = self._uniforms(2 * pairs)
        u, v = uniforms[0::2], uniforms[1::2]
        if (u == 0).any():  # normal() would redraw u: rare (2^-32 per draw), so take the exact scalar path
            self._s = (self._s - 2 * pairs * 0x6D2B79F5) & _MASK
            while len(out) < n:
                out.append(self.normal())
            return out
        r = np.sqrt(-2 * np.log(u))
        angle = 2 * math.pi * v
        both = np.empty(2 * pairs)
        both[0::2] = r * np.cos(angle)
        both[1::2] = r * np.sin(angle)
        needed = n - len(out)
        out.extend(both[:needed].tolist())
        if needed < 2 * pairs:
            self._spare = float(both[-1])
        return out

    def _uniforms(self, count: int) -> "np.ndarray":
        """The next `count` next() values as a float64 array (advances the state)."""
        k = np.arange(1, count + 1, dtype=np.uint64)
        s = (np.uint64(self._s) + k * np.uint64(0x6D2B79F5)) & np.uint64(_MASK)
        self._s = int(s[-1])
        mask = np.uint64(_MASK)
        t = ((s ^ (s >> np.uint64(15))) * (s | np.uint64(1))) & mask
        t = t ^ ((t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & mask)) & mask)
        return ((t ^ (t >> np.uint64(14))) & mask).astype(np.float64) / 4294967296

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

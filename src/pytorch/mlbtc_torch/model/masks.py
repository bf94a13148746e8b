"""
Constant T×T tensors that attention applies, as src/engine/model/masks.ts: the causal and sliding-window masks as
additive biases (0 or MASKED_LOGIT) and the MLR coverage weights ω, built once and shared by every layer and head
group through one cache (same key, same tensor). For the fast path the same masks also exist as flex_attention
block masks, built per device outside any compiled region.
"""
from __future__ import annotations

from typing import Callable, Dict, Sequence, Tuple

import torch

#: What a masked-out logit becomes: finite, so nothing can form 0·∞; exp(−1e9 − max) is exactly 0 in float32.
MASKED_LOGIT = -1e9


class MaskCache:
    def __init__(self, seq_len: int):
        self.seq_len = seq_len
        self._tensors: Dict[str, torch.Tensor] = {}
        self._block_masks: Dict[Tuple[str, str], object] = {}

    def causal(self) -> torch.Tensor:
        """0 where key j may be seen by query i (j ≤ i), MASKED_LOGIT elsewhere."""
        return self._get("causal", lambda i, j: j <= i)

    def window(self, window: int) -> torch.Tensor:
        """0 where 0 ≤ i − j ≤ window (window + 1 keys including the query itself), MASKED_LOGIT elsewhere (§3.5)."""
        return self._get(f"window:{window}", lambda i, j: (j <= i) & (i - j <= window))

    def coverage(self, block_sizes: Sequence[int]) -> torch.Tensor:
        """ω(i, j) = 1/c(i, j) (§3.4 "coverage"), c = the number of levels whose block holds both i and j; 0 where no
        level covers the pair, as core's materialisation does."""
        key = "mlr-coverage:" + ",".join(str(s) for s in block_sizes)
        if key not in self._tensors:
            i = torch.arange(self.seq_len).unsqueeze(1)
            j = torch.arange(self.seq_len).unsqueeze(0)
            counts = sum(((i // int(size)) == (j // int(size))).to(torch.float32) for size in block_sizes)
            self._tensors[key] = torch.where(counts > 0, 1 / counts.clamp(min=1), torch.zeros(()))
        return self._tensors[key]

    def block_mask(self, window: int, device: torch.device):
        """The flex_attention BlockMask of causal (window < 0) or causal-window attention on `device`."""
        key = (f"window:{window}", str(device))
        if key not in self._block_masks:
            from torch.nn.attention.flex_attention import create_block_mask

            def causal(b, h, q, k):
                return k <= q

            def windowed(b, h, q, k):
                return (k <= q) & (q - k <= window)

            t = self.seq_len
            self._block_masks[key] = create_block_mask(
                causal if window < 0 else windowed, B=None, H=None, Q_LEN=t, KV_LEN=t, device=str(device)
            )
        return self._block_masks[key]

    def _get(self, key: str, allowed: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> torch.Tensor:
        if key not in self._tensors:
            i = torch.arange(self.seq_len).unsqueeze(1)
            j = torch.arange(self.seq_len).unsqueeze(0)
            self._tensors[key] = torch.where(allowed(i, j), torch.zeros(()), torch.full((), MASKED_LOGIT))
        return self._tensors[key]

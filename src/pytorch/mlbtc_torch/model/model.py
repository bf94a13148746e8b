"""
The transformer of a resolved spec, as src/engine/model builds it (§2.1), read top to bottom:

    embed(inputs) + wpe → [x ← x + Attn(LN_1(x)); x ← x + MLP(LN_2(x))] × layers → LN_f → the task's predictions

Pre-LN blocks, an exact-GELU MLP D → mlpRatio·D → D, no biases anywhere, LayerNorms with gains only. Each task
subclass adds its read-in, read-out and loss (src/engine/model/taskHeads.ts):

- icl-regression: inputs (B, T, d) interleaved (x₁, ỹ₁, x₂, ỹ₂, …); read-in d → D, read-out D → 1; predictions
  (B, T/2) at the x positions; loss = MSE masked by the curriculum.
- language-model: ids (B, T); token embedding, untied lm head D → vocab; predictions (B, T, vocab) logits;
  loss = mean cross-entropy in nats.
- forecast: inputs (B, L + H, C), L observed steps then H zero placeholders; read-in C → D, read-out D → C;
  predictions (B, H, C) at the placeholders; loss = MSE.

Parameters are created in the tfjs engine's order (head, wpe, h.0 …, ln_f; named_params() lists them so), and
module paths equal the engine's checkpoint keys, so the same seed gives the same weights under the same names.
fast=True compiles the forward pass and runs dense, sliding-window and global-local attention through a fused kernel
(flex_attention with block masks on CUDA, scaled_dot_product_attention on CPU, torch ≥ 2.5); the same function.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..rng import Rng
from ..spec import ResolvedSpec, check_resolved
from ..types import Batch, NamedParam
from .attention import AttentionLayer, HeadGroup, layer_norm
from .masks import MaskCache
from .params import ParamFactory


class MLP(nn.Module):
    def __init__(self, params: ParamFactory, prefix: str, width: int, ratio: int):
        super().__init__()
        self.c_fc = params.matrix(f"{prefix}.c_fc", [width, ratio * width], width)
        self.c_proj = params.zero_matrix(f"{prefix}.c_proj", [ratio * width, width], ratio * width)

    def forward(self, x):
        return F.gelu(x @ self.c_fc) @ self.c_proj


class Block(nn.Module):
    def __init__(self, params: ParamFactory, index: int, spec: ResolvedSpec, masks: MaskCache):
        super().__init__()
        width = spec["model"]["width"]
        prefix = f"h.{index}"
        self.ln_1 = params.gain(f"{prefix}.ln_1", width)
        # Each block builds its own layer's head groups; names stay "h.{index}.…" (docs/choices.md).
        self.attn = AttentionLayer(params, f"{prefix}.attn", spec["model"], spec["layers"][index]["groups"], masks)
        self.ln_2 = params.gain(f"{prefix}.ln_2", width)
        self.mlp = MLP(params, f"{prefix}.mlp", width, spec["model"]["mlpRatio"])

    def forward(self, x):
        x = x + self.attn(layer_norm(x, self.ln_1))
        return x + self.mlp(layer_norm(x, self.ln_2))


class Transformer(nn.Module, ABC):
    """The trunk every task shares; subclasses create their head parameters first (as the engine does) and define
    embed, predict_hidden and loss_of."""

    def __init__(self, spec: ResolvedSpec, rng: Rng, fast: bool = False, compile_backend: Optional[str] = "inductor"):
        super().__init__()
        self.spec = check_resolved(spec)
        model = spec["model"]
        self._params = ParamFactory(rng, spec["training"]["mupBaseWidth"])
        self.masks = MaskCache(model["seqLen"])
        self.create_head(self._params, spec)
        self.wpe = self._params.embedding("wpe", [model["seqLen"], model["width"]])
        self.h = nn.ModuleList(Block(self._params, i, spec, self.masks) for i in range(model["layers"]))
        self.ln_f = self._params.gain("ln_f", model["width"])
        self.fast = fast
        for module in self.modules():
            if isinstance(module, HeadGroup):
                module.fast = fast
        compiled = fast and compile_backend is not None
        self._forward = torch.compile(self._predict, backend=compile_backend) if compiled else self._predict

    def named_params(self) -> List[NamedParam]:
        """Every trainable tensor with its checkpoint key, µP lr scale and decay flag, in the tfjs engine's order."""
        return list(self._params.params)

    def predict(self, inputs: torch.Tensor) -> torch.Tensor:
        """The task's predictions for a batch's inputs (see the module docstring)."""
        if self.fast:
            self._prepare_block_masks(inputs.device)
        return self._forward(inputs)

    def loss(self, batch: Batch) -> torch.Tensor:
        """Scalar training loss of a batch."""
        return self.loss_of(self.predict(batch.inputs), batch)

    def attention_logits(self, layer: int, x: torch.Tensor) -> torch.Tensor:
        """Pre-softmax logits (B, H, T, T) of every head of one layer for x (B, T, D) after ln_1, unmasked."""
        if not 0 <= layer < len(self.h):
            raise IndexError(f"Layer {layer} does not exist: the model has {len(self.h)} layers (0…{len(self.h) - 1}).")
        return self.h[layer].attn.scores(x)

    def _predict(self, inputs: torch.Tensor) -> torch.Tensor:
        x = self.embed(inputs) + self.wpe
        for block in self.h:
            x = block(x)
        return self.predict_hidden(layer_norm(x, self.ln_f))

    def _prepare_block_masks(self, device: torch.device) -> None:
        """Build flex_attention's block masks (CUDA only) outside the compiled region, once per device."""
        if device.type != "cuda":
            return
        for module in self.modules():
            window = getattr(module, "window", None)
            if isinstance(module, HeadGroup) and window is not None:
                self.masks.block_mask(-1, device)
                self.masks.block_mask(window, device)

    # Task heads -----------------------------------------------------------------------------------------------

    @abstractmethod
    def create_head(self, params: ParamFactory, spec: ResolvedSpec) -> None:
        """Create the task's read-in/read-out parameters (before the trunk's, as the engine does)."""

    @abstractmethod
    def embed(self, inputs: torch.Tensor) -> torch.Tensor:
        """Inputs → embeddings (B, T, D), positions not yet added."""

    @abstractmethod
    def predict_hidden(self, hidden: torch.Tensor) -> torch.Tensor:
        """Final hidden states (B, T, D) → the task's predictions."""

    @abstractmethod
    def loss_of(self, predictions: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Scalar loss of predictions against a batch's targets."""


def _require_seq_len(spec: ResolvedSpec, expected: int, why: str) -> None:
    if spec["model"]["seqLen"] != expected:
        raise ValueError(f"model.seqLen is {spec['model']['seqLen']} but must be {expected}: {why}.")


def _mean_squared_error(predictions, targets, mask=None):
    squared = torch.square(predictions - targets)
    if mask is None:
        return squared.mean()
    return (squared * mask).sum() / torch.clamp(mask.sum(), min=1)


class IclRegressionTransformer(Transformer):
    def create_head(self, params, spec):
        d = spec["task"]["inputDim"]
        _require_seq_len(spec, 4 * d, f"an icl-regression prompt holds 2·inputDim (x, y) pairs as 4·inputDim tokens (inputDim {d})")
        width = spec["model"]["width"]
        self.read_in = params.embedding("read_in", [d, width])
        self.read_out = params.zero_matrix("read_out", [width, 1], width)

    def embed(self, inputs):
        return inputs @ self.read_in

    def predict_hidden(self, hidden):
        b, t, _ = hidden.shape
        return (hidden @ self.read_out).reshape(b, t // 2, 2)[:, :, 0]

    def loss_of(self, predictions, batch):
        return _mean_squared_error(predictions, batch.targets, batch.mask)


class LanguageModelTransformer(Transformer):
    def create_head(self, params, spec):
        vocab, width = spec["task"]["vocabSize"], spec["model"]["width"]
        self.wte = params.embedding("wte", [vocab, width])
        self.lm_head = params.zero_matrix("lm_head", [width, vocab], width)

    def embed(self, inputs):
        return self.wte[inputs]

    def predict_hidden(self, hidden):
        return hidden @ self.lm_head

    def loss_of(self, predictions, batch):
        return F.cross_entropy(predictions.reshape(-1, predictions.shape[-1]), batch.targets.reshape(-1).long())


class ForecastTransformer(Transformer):
    def create_head(self, params, spec):
        task, width = spec["task"], spec["model"]["width"]
        _require_seq_len(
            spec, task["lookback"] + task["horizon"],
            f"the model reads lookback {task['lookback']} observed steps and horizon {task['horizon']} placeholders",
        )
        self.lookback, self.horizon = task["lookback"], task["horizon"]
        self.read_in = params.embedding("read_in", [task["channels"], width])
        self.read_out = params.zero_matrix("read_out", [width, task["channels"]], width)

    def embed(self, inputs):
        return inputs @ self.read_in

    def predict_hidden(self, hidden):
        return (hidden @ self.read_out)[:, self.lookback : self.lookback + self.horizon]

    def loss_of(self, predictions, batch):
        return _mean_squared_error(predictions, batch.targets)


_MODELS = {
    "icl-regression": IclRegressionTransformer,
    "language-model": LanguageModelTransformer,
    "forecast": ForecastTransformer,
}


def build_model(spec: ResolvedSpec, rng: Rng, fast: bool = False, compile_backend: Optional[str] = "inductor") -> Transformer:
    """The transformer of a resolved spec with every parameter created from `rng` (µP, §2.4). fast=True needs
    torch ≥ 2.5 (flex_attention, torch.compile); on older torch it raises rather than silently running the plain path.
    The fast model is compiled on its first call, for the device its inputs are on (move it there first), with
    torch.compile's `compile_backend` ("aot_eager" traces and differentiates the same graph without generating code:
    the cross-runtime tests use it where inductor's minutes of compiling per model would not fit; None runs the fused
    attention kernels without compiling)."""
    check_resolved(spec)
    kind = spec["task"]["kind"]
    if kind not in _MODELS:
        raise ValueError(f'task.kind "{kind}" is not one this runtime trains ({", ".join(_MODELS)}).')
    if fast and not fast_path_available():
        raise RuntimeError(f"fast=True needs torch ≥ 2.5 (flex_attention); this is torch {torch.__version__}. Use fast=False.")
    return _MODELS[kind](spec, rng, fast, compile_backend)


def build_attention(spec: ResolvedSpec, rng: Rng, layer: int = 0) -> AttentionLayer:
    """One layer's attention (all head groups, W_V, W_O) for researchers' own code: forward(x) maps the (B, T, D)
    ln_1 output to (B, T, D), scores(x) gives the unmasked logits, named_params() its tensors named "h.{layer}.attn.…".
    Weights are drawn from `rng` as the model draws that layer's when `rng` is at the layer's first draw."""
    check_resolved(spec)
    model = spec["model"]
    if not 0 <= layer < model["layers"]:
        raise IndexError(f"Layer {layer} does not exist: the model has {model['layers']} layers (each builds its own structure).")
    params = ParamFactory(rng, spec["training"]["mupBaseWidth"])
    return AttentionLayer(params, f"h.{layer}.attn", model, spec["layers"][layer]["groups"], MaskCache(model["seqLen"]))


def fast_path_available() -> bool:
    """flex_attention and block masks exist from torch 2.5."""
    try:
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention  # noqa: F401
    except ImportError:
        return False
    return True

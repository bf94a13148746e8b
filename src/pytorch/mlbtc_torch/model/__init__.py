"""build_model(spec, rng, fast) and build_attention(spec, rng, layer): see model.py."""
from .attention import AttentionLayer
from .model import Transformer as Model
from .model import build_attention, build_model, fast_path_available

__all__ = ["AttentionLayer", "Model", "build_attention", "build_model", "fast_path_available"]

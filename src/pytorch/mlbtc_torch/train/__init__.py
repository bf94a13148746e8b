"""The training side of the PyTorch runtime: ports of src/engine/train (AdamW, schedule, trainer)."""

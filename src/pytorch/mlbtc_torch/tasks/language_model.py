"""
Character-level language modelling on a UTF-8 text file (§5.2 style), as src/engine/tasks/languageModel.ts: the
vocabulary is the file's distinct characters sorted as JavaScript sorts strings (by UTF-16 code units), ids 0…n−1;
the text splits 90/10 into train and validation; batches are random windows of seqLen + 1 characters. Evaluation
scores evalBatches random validation windows from a fixed evaluation seed: val.loss in nats, val.bpc in bits.
"""
from __future__ import annotations

import math
import os
from typing import Callable, Dict, List, Optional

import numpy as np
import torch

from ..rng import Rng
from ..types import Batch
from .data_error import DataError, decode_utf8, read_data_file
from .task import SeededEvaluationTask, model_device

TRAIN_FRACTION = 0.9


class CharacterCorpus:
    """A text file read, checked and encoded for a model of `vocabSize` ids and windows of seqLen + 1 characters."""

    def __init__(self, spec_dir: str, task: dict, seq_len: int):
        file, content = read_data_file(spec_dir, task.get("data"), "language-model", "a UTF-8 text file")
        code_points = _code_points(decode_utf8(file, content))
        del content
        distinct = np.unique(code_points)
        vocabulary: List[str] = sorted(map(chr, distinct.tolist()), key=lambda ch: ch.encode("utf-16-be"))
        if len(vocabulary) > task["vocabSize"]:
            raise DataError(
                file, None,
                f"the text has {len(vocabulary)} distinct characters but task.vocabSize is {task['vocabSize']}; "
                f"set task.vocabSize to at least {len(vocabulary)}.",
            )
        encoded = torch.from_numpy(_encode(code_points, vocabulary))
        train_length = math.floor(len(encoded) * TRAIN_FRACTION)
        self.file = file
        self.vocabulary = vocabulary
        self.train = encoded[:train_length]
        self.val = encoded[train_length:]
        for name, split in (("training", self.train), ("validation", self.val)):
            if len(split) < seq_len + 1:
                share = "90" if name == "training" else "10"
                raise DataError(
                    file, None,
                    f"the {name} split ({share}% of {len(encoded)} characters) has {len(split)} characters, fewer than "
                    f"model.seqLen + 1 = {seq_len + 1}; use a longer text (at least "
                    f"{math.ceil((seq_len + 1) / (1 - TRAIN_FRACTION))} characters) or a shorter model.seqLen.",
                )


def _code_points(text: str) -> np.ndarray:
    """The code point of every character, 4 bytes each: no Python object per character (a list of one-character
    strings or ints held about 60 bytes per character; docs/choices.md, "Text memory")."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _encode(code_points: np.ndarray, vocabulary: List[str]) -> np.ndarray:
    """The id of every character (its index in `vocabulary`) as int32, through a table indexed by code point."""
    ids = np.zeros(int(code_points.max()) + 1 if len(code_points) else 1, dtype=np.int32)
    ids[[ord(ch) for ch in vocabulary]] = np.arange(len(vocabulary), dtype=np.int32)
    return ids[code_points]


class LanguageModelTask(SeededEvaluationTask):
    def __init__(self, spec: dict, spec_dir: str, rng: Rng):
        if spec["task"]["kind"] != "language-model":
            raise ValueError(f"LanguageModelTask needs a language-model task, got {spec['task']['kind']}")
        self.spec = spec
        self.corpus = CharacterCorpus(spec_dir, spec["task"], spec["model"]["seqLen"])
        super().__init__(rng)

    def sample(self, rng: Rng, split: torch.Tensor, size: int) -> Batch:
        """`size` random windows of `split`: inputs ids[s … s+T−1], targets ids[s+1 … s+T] (int64; the corpus keeps
        int32)."""
        t = self.spec["model"]["seqLen"]
        starts = torch.tensor([rng.int(len(split) - t) for _ in range(size)]).unsqueeze(1)
        positions = starts + torch.arange(t)
        return Batch(split[positions].long(), split[positions + 1].long(), None, size * t)

    def next_batch(self, step: int) -> Batch:
        return self.sample(self.rng, self.corpus.train, self.spec["training"]["batchSize"])

    @torch.no_grad()
    def evaluate(self, model, step: int, between_batches: Optional[Callable[[], None]] = None) -> Dict[str, float]:
        rng = Rng(self.eval_seed)
        batches = self.spec["training"]["evalBatches"]
        device = model_device(model)
        total = 0.0
        for _ in range(batches):
            if between_batches:
                between_batches()
            total += float(model.loss(self.sample(rng, self.corpus.val, self.spec["training"]["batchSize"]).to(device)))
        loss = total / batches
        return {"val.loss": loss, "val.bpc": loss / math.log(2)}

    def describe(self) -> str:
        c = self.corpus
        return f"{os.path.basename(c.file)}: {len(c.vocabulary)} chars, {len(c.train):,} train / {len(c.val):,} val"

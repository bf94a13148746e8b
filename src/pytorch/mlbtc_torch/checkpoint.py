"""
One checkpoint folder, in the format both runtimes share (src/protocol/run.ts CheckpointFiles / CheckpointMeta,
written on the tfjs side by src/engine/train/checkpoint.ts):

  state.json             CheckpointMeta: format version, step, position, runtime, param names and shapes in order,
                         optimizerStep, task state, pendingLosses, createdAt
  model.safetensors      every parameter by its NamedParam name, F32 little-endian
  optimizer.safetensors  AdamW moments "m.<name>" and "v.<name>"

Safetensors are written and read here by hand (the layout of src/protocol/safetensors.ts), so the runtime does not
depend on the safetensors package, while `safetensors.torch.load_file` opens the files. Tensors are matched by name,
never by position, and every mismatch is reported.
"""
from __future__ import annotations

import json
import os
import struct
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import torch

from .jsjson import stringify
from .runfolder import iso_now
from .train.adamw import AdamWState
from .types import NamedParam

#: Version of the checkpoint folder layout (1 was weights.bin/moments.bin, tfjs only).
CHECKPOINT_FORMAT_VERSION = 2
META_FILE = "state.json"
MODEL_FILE = "model.safetensors"
OPTIMIZER_FILE = "optimizer.safetensors"
_METADATA_KEY = "__metadata__"
#: The reference reader refuses larger headers (a guard against reading garbage as a length).
_MAX_HEADER_BYTES = 100_000_000

if sys.byteorder != "little":
    raise ImportError("checkpoints are little-endian float32; this machine is big-endian")


def moment_key(moment: str, param: str) -> str:
    """Key of a parameter's AdamW first ("m") or second ("v") moment in optimizer.safetensors."""
    return f"{moment}.{param}"


def encode_safetensors(tensors: Sequence[Tuple[str, torch.Tensor]], metadata: Mapping[str, str] = {}) -> bytes:
    """The bytes of a safetensors file holding `tensors` (name, tensor) as F32, in the given order."""
    header: Dict[str, Any] = {}
    if metadata:
        header[_METADATA_KEY] = dict(metadata)
    blobs: List[bytes] = []
    offset = 0
    for name, t in tensors:
        if name == _METADATA_KEY or name in header:
            raise ValueError(f'safetensors: tensor name "{name}" is reserved or repeated')
        data = _bytes_of(t)
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = stringify(header)
    text += " " * (-len(text.encode("utf-8")) % 8)
    head = text.encode("utf-8")
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def decode_safetensors(data: bytes, file: str) -> Dict[str, torch.Tensor]:
    """The F32 tensors of a safetensors file, by name, in file order. `file` names it in errors."""
    if len(data) < 8:
        raise ValueError(f"{file}: {len(data)} bytes, too short for a safetensors file")
    (length,) = struct.unpack("<Q", data[:8])
    if length > _MAX_HEADER_BYTES or 8 + length > len(data):
        raise ValueError(f"{file}: header length {length} does not fit the file's {len(data)} bytes (not safetensors, or truncated)")
    try:
        header = json.loads(data[8 : 8 + length].decode("utf-8"))
    except ValueError as e:
        raise ValueError(f"{file}: the header is not JSON ({e})") from e
    body = memoryview(data)[8 + length :]
    out: Dict[str, torch.Tensor] = {}
    for name, entry in header.items():
        if name == _METADATA_KEY:
            continue
        if entry.get("dtype") != "F32":
            raise ValueError(f'{file}: "{name}" has dtype {json.dumps(entry.get("dtype"))}; checkpoints hold F32 only')
        shape = entry["shape"]
        begin, end = entry["data_offsets"]
        elements = 1
        for d in shape:
            elements *= d
        if not (0 <= begin and end <= len(body) and end - begin == 4 * elements):
            needed = f"shape {shape} needs {4 * elements}"
            raise ValueError(f'{file}: "{name}" spans bytes [{begin}, {end}) of {len(body)}, but {needed} (truncated?)')
        out[name] = torch.frombuffer(bytearray(body[begin:end]), dtype=torch.float32).reshape(shape) if elements else torch.zeros(shape)
    return out


def _bytes_of(t: torch.Tensor) -> bytes:
    """Raw little-endian float32 bytes of `t` (a fresh copy owns exactly its elements, so its storage is the data)."""
    return bytes(t.detach().to(device="cpu", dtype=torch.float32).clone(memory_format=torch.contiguous_format).untyped_storage())


@dataclass
class CheckpointContent:
    step: int
    position: Dict[str, Any]
    runtime: str
    params: Sequence[NamedParam]
    optimizer: AdamWState
    task: Any
    pending_losses: List[float]


def write_checkpoint_files(directory: str, c: CheckpointContent) -> None:
    """Write a checkpoint's files into `directory` (an empty temp folder; RunFolderWriter.save_checkpoint makes it
    durable and atomic)."""
    meta = {
        "version": CHECKPOINT_FORMAT_VERSION,
        "step": c.step,
        "position": c.position,
        "runtime": c.runtime,
        "createdAt": iso_now(),
        "params": [{"name": p.name, "shape": list(p.param.shape)} for p in c.params],
        "optimizerStep": c.optimizer.step,
        "task": c.task,
        "pendingLosses": c.pending_losses,
    }
    metadata = {"format": "pt", "step": str(c.step)}
    moments: List[Tuple[str, torch.Tensor]] = []
    for p, m, v in zip(c.params, c.optimizer.m, c.optimizer.v):
        moments += [(moment_key("m", p.name), m), (moment_key("v", p.name), v)]
    with open(os.path.join(directory, MODEL_FILE), "wb") as f:
        f.write(encode_safetensors([(p.name, p.param) for p in c.params], metadata))
    with open(os.path.join(directory, OPTIMIZER_FILE), "wb") as f:
        f.write(encode_safetensors(moments, metadata))
    with open(os.path.join(directory, META_FILE), "w", encoding="utf-8") as f:
        f.write(stringify(meta, 2) + "\n")


@dataclass
class LoadedCheckpoint:
    meta: Dict[str, Any]
    weights: Dict[str, torch.Tensor]
    moments: Dict[str, torch.Tensor]


def read_checkpoint(directory: str) -> LoadedCheckpoint:
    meta_file = os.path.join(directory, META_FILE)
    with open(meta_file, encoding="utf-8") as f:
        meta = json.load(f)
    if meta.get("version") != CHECKPOINT_FORMAT_VERSION:
        expected = f"this version reads format {CHECKPOINT_FORMAT_VERSION} (start the run again)"
        raise ValueError(f"{meta_file}: checkpoint format {meta.get('version')}; {expected}")

    def tensors(name: str) -> Dict[str, torch.Tensor]:
        path = os.path.join(directory, name)
        with open(path, "rb") as f:
            return decode_safetensors(f.read(), path)

    return LoadedCheckpoint(meta, tensors(MODEL_FILE), tensors(OPTIMIZER_FILE))


def restore_params(params: Sequence[NamedParam], checkpoint: LoadedCheckpoint, where: str) -> AdamWState:
    """Copy checkpointed weights into the model's parameters, by name, and return AdamW's state in the model's
    parameter order. Raises naming `where` and up to five mismatches (missing, extra or reshaped tensors)."""
    problems: List[str] = []

    def lookup(tensors: Dict[str, torch.Tensor], key: str, p: NamedParam, file: str) -> torch.Tensor:
        t = tensors.get(key)
        if t is None:
            problems.append(f'{file} lacks "{key}"')
        elif tuple(t.shape) != tuple(p.param.shape):
            problems.append(f'"{key}" has shape {list(t.shape)} in {file} but {list(p.param.shape)} in the model')
        return t

    weights = [lookup(checkpoint.weights, p.name, p, MODEL_FILE) for p in params]
    m = [lookup(checkpoint.moments, moment_key("m", p.name), p, OPTIMIZER_FILE) for p in params]
    v = [lookup(checkpoint.moments, moment_key("v", p.name), p, OPTIMIZER_FILE) for p in params]
    known = {p.name for p in params}
    problems += [f'{MODEL_FILE} has "{name}", which the model lacks' for name in checkpoint.weights if name not in known]
    if problems:
        more = "; …" if len(problems) > 5 else ""
        raise ValueError(f"{where} does not match the model built from spec.json: {'; '.join(problems[:5])}{more}")
    with torch.no_grad():
        for p, w in zip(params, weights):
            p.param.copy_(w)
    return AdamWState(int(checkpoint.meta["optimizerStep"]), m, v)

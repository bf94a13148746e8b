"""
The shared checkpoint format (src/protocol/run.ts CheckpointFiles): hand-written safetensors that the safetensors
package reads, by-name restoring with clear mismatch errors, and the format version check.
"""
import json
import os

import pytest
import torch
from safetensors.torch import load_file

from mlbtc_torch import Rng
from mlbtc_torch.checkpoint import (
    CheckpointContent, decode_safetensors, encode_safetensors, read_checkpoint, restore_params, write_checkpoint_files,
)
from mlbtc_torch.train.adamw import AdamW
from train_toys import TRAINING, ToyModel


def test_safetensors_layout_and_round_trip():
    tensors = [("h.0.attn.wq", torch.tensor([[1.0, -2.0, 3.5], [0.0, 1e-8, -0.0]])), ("ln.gain", torch.tensor([3.25]))]
    data = encode_safetensors(tensors, {"format": "pt"})
    length = int.from_bytes(data[:8], "little")
    assert length % 8 == 0, "the data starts 8-byte aligned"
    header = json.loads(data[8 : 8 + length])
    assert header["h.0.attn.wq"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    assert header["ln.gain"]["data_offsets"] == [24, 28]
    assert header["__metadata__"] == {"format": "pt"}
    back = decode_safetensors(data, "x.safetensors")
    assert list(back) == ["h.0.attn.wq", "ln.gain"]
    for name, t in tensors:
        assert torch.equal(back[name], t)
    with pytest.raises(ValueError, match=r'cut\.safetensors: "ln\.gain" spans bytes \[24, 28\) of 24'):
        decode_safetensors(data[:-4], "cut.safetensors")


def _content(step: int, model: ToyModel) -> CheckpointContent:
    optimizer = AdamW(model.named_params(), TRAINING)
    optimizer.apply([torch.ones_like(p.param) for p in model.named_params()], 0.01)
    return CheckpointContent(step, {"step": step, "tokens": 8, "flops": 100, "wallMs": 1.5}, "torch test", model.named_params(),
                             optimizer.get_state(), {"rng": {"seed": 1, "spare": None}}, [0.5])


def test_checkpoint_files_open_with_the_safetensors_package(tmp_path):
    model = ToyModel(Rng(1))
    write_checkpoint_files(str(tmp_path), _content(3, model))
    weights = load_file(os.path.join(tmp_path, "model.safetensors"))
    assert sorted(weights) == ["gain", "w1", "w2"]
    for p in model.named_params():
        assert torch.equal(weights[p.name], p.param.detach())
    moments = load_file(os.path.join(tmp_path, "optimizer.safetensors"))
    assert sorted(moments) == ["m.gain", "m.w1", "m.w2", "v.gain", "v.w1", "v.w2"]
    meta = json.load(open(os.path.join(tmp_path, "state.json")))
    assert meta["version"] == 2 and meta["step"] == 3 and meta["optimizerStep"] == 1 and meta["runtime"] == "torch test"
    assert meta["params"] == [{"name": "w1", "shape": [6, 8]}, {"name": "gain", "shape": [8]}, {"name": "w2", "shape": [8, 1]}]


def test_restores_weights_and_moments_by_name(tmp_path):
    saved = ToyModel(Rng(1))
    content = _content(3, saved)
    write_checkpoint_files(str(tmp_path), content)
    fresh = ToyModel(Rng(2))
    state = restore_params(fresh.named_params(), read_checkpoint(str(tmp_path)), str(tmp_path))
    for a, b in zip(fresh.named_params(), saved.named_params()):
        assert torch.equal(a.param.detach(), b.param.detach())
    assert state.step == 1
    for a, b in zip(state.m + state.v, content.optimizer.m + content.optimizer.v):
        assert torch.equal(a, b)


def test_a_mismatching_model_is_refused_naming_the_tensors(tmp_path):
    write_checkpoint_files(str(tmp_path), _content(3, ToyModel(Rng(1))))
    other = ToyModel(Rng(1))
    params = other.named_params()
    params[0].name = "w0"
    params[2].param = torch.nn.Parameter(torch.zeros(4, 1))
    with pytest.raises(ValueError) as e:
        restore_params(params, read_checkpoint(str(tmp_path)), "ckpt")
    message = str(e.value)
    assert message.startswith("ckpt does not match the model built from spec.json: model.safetensors lacks \"w0\"")
    assert '"w2" has shape [8, 1] in model.safetensors but [4, 1] in the model' in message


def test_refuses_an_older_checkpoint_format(tmp_path):
    write_checkpoint_files(str(tmp_path), _content(3, ToyModel(Rng(1))))
    meta_file = os.path.join(tmp_path, "state.json")
    meta = json.load(open(meta_file))
    json.dump({**meta, "version": 1}, open(meta_file, "w"))
    with pytest.raises(ValueError, match=r"state\.json: checkpoint format 1; this version reads format 2"):
        read_checkpoint(str(tmp_path))

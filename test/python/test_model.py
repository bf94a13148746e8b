"""The model side of mlbtc_torch: parameters as the tfjs engine names, shapes, scales and draws them; attention that
respects its masks and structure; the fast path computing the plain path's function."""
import math

import pytest
import torch

from mlbtc_torch import Batch, Rng, build_attention, build_model
from mlbtc_torch.model import fast_path_available
from mlbtc_torch.model.attention import MlrAttention, rms_clamp
from mlbtc_torch.model.masks import MaskCache
from resolved_specs import FAMILIES, language_model, spec

torch.manual_seed(0)


def randomise(model, seed=1):
    """Fill µP's zero projections so every path carries signal (at init most gradients would be zero)."""
    rng = Rng(seed)
    with torch.no_grad():
        for p in model.named_params():
            if not p.param.any():
                p.param.copy_(torch.tensor(rng.normals(p.param.numel())).reshape(p.param.shape) / math.sqrt(p.param.shape[0]))
    return model


def lm_spec(attention, **kw):
    return spec(attention, task=language_model(), **kw)


@pytest.mark.parametrize("family", FAMILIES)
def test_module_paths_are_the_checkpoint_keys(family):
    model = build_model(spec(family, layers=2), Rng(0))
    names = [p.name for p in model.named_params()]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(name for name, _ in model.named_parameters())
    assert names[:3] == ["read_in", "read_out", "wpe"] and names[-1] == "ln_f"
    assert names.index("h.0.ln_1") < names.index("h.0.attn.wv") < names.index("h.0.ln_2") < names.index("h.1.ln_1")


def test_mup_scales_and_decay_follow_the_rules():
    model = build_model(spec("dense"), Rng(0))
    params = {p.name: p for p in model.named_params()}
    assert params["h.0.attn.g0.wq"].lr_scale == 768 / 16 and params["h.0.attn.g0.wq"].decay
    assert params["h.0.mlp.c_proj"].lr_scale == 768 / 32 and not params["h.0.mlp.c_proj"].param.any()
    assert params["wpe"].lr_scale == 1 and params["wpe"].param.std().item() == pytest.approx(0.02, rel=0.2)
    assert params["h.0.ln_1"].lr_scale == 1 and not params["h.0.ln_1"].decay and bool((params["h.0.ln_1"].param == 1).all())
    assert params["h.0.mlp.c_fc"].param.std().item() == pytest.approx(1 / 4, rel=0.1)


def test_the_same_seed_gives_the_same_weights():
    a = build_model(spec("mlbtc"), Rng(11))
    b = build_model(spec("mlbtc"), Rng(11))
    c = build_model(spec("mlbtc"), Rng(12))
    assert all(torch.equal(p.param, q.param) for p, q in zip(a.named_params(), b.named_params()))
    assert not torch.equal(a.named_params()[0].param, c.named_params()[0].param)


@pytest.mark.parametrize("family", FAMILIES)
def test_no_position_sees_the_future(family):
    model = randomise(build_model(lm_spec(family, layers=2), Rng(0)))
    ids = torch.randint(0, 40, (2, 16))
    changed = ids.clone()
    changed[:, 9:] = (changed[:, 9:] + 1) % 40
    before, after = model.predict(ids), model.predict(changed)
    assert torch.allclose(before[:, :9], after[:, :9], atol=1e-6)
    assert not torch.allclose(before[:, 9:], after[:, 9:], atol=1e-6)


def test_a_sliding_window_sees_window_plus_one_keys():
    model = randomise(build_model(lm_spec("sliding-window"), Rng(0)))  # one layer, window 3
    ids = torch.randint(0, 40, (1, 16))
    changed = ids.clone()
    changed[0, 5] = (changed[0, 5] + 1) % 40
    delta = (model.predict(ids) - model.predict(changed)).abs().amax(dim=-1)[0]
    assert torch.all(delta[5:9] > 1e-6)  # positions 5…8 see position 5
    assert torch.all(delta[9:] < 1e-6) and torch.all(delta[:5] < 1e-6)


@pytest.mark.parametrize(
    "seq_len, block_sizes, normalize",
    # nested, not nested, without a level spanning the sequence; weighted by coverage or by 1/L
    [(16, [16, 8, 4], "coverage"), (12, [12, 4, 6], "coverage"), (16, [8, 4, 2], "coverage"), (16, [16, 8, 4], "levels")],
)
def test_mlr_block_sums_and_their_gradients_equal_the_naive_level_matrices(seq_len, block_sizes, normalize):
    s = spec("mlr", seq_len=seq_len)
    s["layers"][0]["groups"][0]["attention"].update(blockSizes=block_sizes, normalize=normalize)
    group: MlrAttention = build_attention(s, Rng(0)).groups[0]
    x = torch.randn(2, seq_len, 16, requires_grad=True)
    q, k = group.project(x)
    naive = torch.zeros(2, 2, seq_len, seq_len)
    first = 0
    positions = torch.arange(seq_len)
    for r, size in zip(group.ranks, group.block_sizes):
        level = q[..., first:first + r] @ k[..., first:first + r].transpose(-1, -2) / r
        naive = naive + level * ((positions[:, None] // size) == (positions[None, :] // size))
        first += r
    naive = naive * group.coverage if normalize == "coverage" else naive / len(block_sizes)
    weights = torch.randn(2, 2, seq_len, seq_len)
    (expected,) = torch.autograd.grad((naive * weights).sum(), x)
    scores = group.scores(x)
    (actual,) = torch.autograd.grad((scores * weights).sum(), x)
    assert torch.allclose(scores, naive, atol=1e-5)
    assert torch.allclose(actual, expected, atol=1e-4)


def test_global_local_rows_sum_to_two():
    attention = build_attention(spec("global-local"), Rng(0))
    weights = attention.groups[0].weights(torch.randn(1, 16, 16))
    assert torch.allclose(weights.sum(-1), torch.full((1, 2, 16), 2.0))


def test_build_attention_names_one_layer_and_maps_width_to_width():
    attention = build_attention(spec(groups=[(1, "dense"), (1, "bilinear-btt")], layers=4), Rng(0), layer=3)
    names = [p.name for p in attention.named_params()]
    assert names[0] == "h.3.attn.g0.wq" and names[-2:] == ["h.3.attn.wv", "h.3.attn.wo"]
    assert any(n.startswith("h.3.attn.g1.") for n in names)
    x = torch.randn(2, 16, 16)
    assert attention(x).shape == (2, 16, 16)
    assert attention.scores(x).shape == (2, 2, 16, 16)


def test_attention_logits_names_a_missing_layer():
    model = build_model(spec("dense"), Rng(0))
    assert model.attention_logits(0, torch.randn(1, 16, 16)).shape == (1, 2, 16, 16)
    with pytest.raises(IndexError, match="Layer 1 does not exist: the model has 1 layers"):
        model.attention_logits(1, torch.randn(1, 16, 16))


def test_the_rms_clamp_caps_the_rms_at_rho():
    rho = math.sqrt(4) / 8
    big = torch.randn(8, 4) * 10
    assert torch.sqrt(torch.mean(rms_clamp(big, 8, 4) ** 2)).item() == pytest.approx(rho, rel=1e-4)
    small = torch.randn(8, 4) * 0.01
    assert torch.equal(rms_clamp(small, 8, 4), small)


def test_icl_needs_four_tokens_per_input_dimension():
    with pytest.raises(ValueError, match="model.seqLen is 8 but must be 16"):
        build_model(spec("dense", seq_len=8), Rng(0))


def test_a_raw_spec_is_refused_naming_what_is_missing():
    raw = spec("dense")
    raw.pop("layers")
    with pytest.raises(ValueError, match="layers must list model.layers"):
        build_model(raw, Rng(0))


def test_each_layer_builds_its_own_structure_under_the_stable_names():
    # Sequential GSWA (dense | sliding-window | sliding-window, repeated) and a mixed mlr/dense layer: each block's
    # attention tensors are those of a one-structure model of its entry, under the name "h.{layer}.attn.…".
    for pattern, layers in [(["dense", "sliding-window", "sliding-window"], 6), ([[(1, "mlr"), (1, "dense")], "bilinear-btt"], 2)]:
        model = build_model(spec(pattern=pattern, layers=layers), Rng(0))
        shapes = {p.name: tuple(p.param.shape) for p in model.named_params()}
        for layer in range(layers):
            entry = pattern[layer % len(pattern)]
            alone = build_attention(spec(pattern=[entry]), Rng(0))
            want = {p.name.replace("h.0.", f"h.{layer}.", 1): tuple(p.param.shape) for p in alone.named_params()}
            got = {n: shape for n, shape in shapes.items() if n.startswith(f"h.{layer}.attn.")}
            assert got == want, (pattern, layer)
            assert [type(g) for g in model.h[layer].attn.groups] == [type(g) for g in alone.groups]
        assert torch.isfinite(model.predict(torch.randn(2, 16, 4))).all()


def test_a_run_folder_written_before_per_layer_structures_still_reads():
    legacy = spec("mlr", layers=3)
    groups = legacy.pop("layers")[0]["groups"]
    legacy["groups"] = groups
    model = build_model(legacy, Rng(0))
    assert [type(b.attn.groups[0]) for b in model.h] == [MlrAttention] * 3


def test_build_attention_refuses_a_layer_the_model_lacks():
    with pytest.raises(IndexError, match="Layer 2 does not exist: the model has 2 layers"):
        build_attention(spec("dense", layers=2), Rng(0), layer=2)


@pytest.mark.parametrize("family", ["dense", "sliding-window", "global-local", "mlr"])
def test_fused_attention_computes_the_plain_function(family):
    plain = randomise(build_model(lm_spec(family), Rng(0)))
    fast = randomise(build_model(lm_spec(family), Rng(0), fast=True, compile_backend=None))
    batch = Batch(torch.randint(0, 40, (2, 16)), torch.randint(0, 40, (2, 16)), None, 32)
    losses = []
    for model in (plain, fast):
        loss = model.loss(batch)
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    for p, q in zip(plain.named_params(), fast.named_params()):
        assert torch.allclose(p.param.grad, q.param.grad, rtol=1e-4, atol=1e-6), p.name


@pytest.mark.parametrize("family", ["global-local", "mlr"])
def test_the_compiled_model_computes_the_plain_function_at_any_batch_size(family):
    plain = randomise(build_model(lm_spec(family), Rng(0)))
    compiled = randomise(build_model(lm_spec(family), Rng(0), fast=True, compile_backend="aot_eager"))
    for size in (3, 2):  # evaluation's last batch may be smaller: the model recompiles for it
        ids = torch.randint(0, 40, (size, 16))
        assert torch.allclose(plain.predict(ids), compiled.predict(ids), atol=1e-5)


@pytest.mark.parametrize("family", ["dense", "global-local"])
def test_fused_attention_trains_under_bf16_autocast(family):
    plain = randomise(build_model(lm_spec(family), Rng(0)))
    fast = randomise(build_model(lm_spec(family), Rng(0), fast=True, compile_backend=None))
    batch = Batch(torch.randint(0, 40, (2, 16)), torch.randint(0, 40, (2, 16)), None, 32)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = fast.loss(batch)
    loss.backward()
    assert loss.item() == pytest.approx(plain.loss(batch).item(), rel=5e-2)
    assert all(p.param.grad is not None and torch.isfinite(p.param.grad).all() for p in fast.named_params())


def test_mlr_trains_under_bf16_autocast():
    model = randomise(build_model(lm_spec("mlr"), Rng(0)))
    batch = Batch(torch.randint(0, 40, (2, 16)), torch.randint(0, 40, (2, 16)), None, 32)
    expected = model.loss(batch).item()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = model.loss(batch)
    loss.backward()
    assert loss.item() == pytest.approx(expected, rel=5e-2)
    assert all(p.param.grad is not None and torch.isfinite(p.param.grad).all() for p in model.named_params())


@pytest.mark.skipif(not fast_path_available(), reason="flex_attention needs torch ≥ 2.5")
def test_the_block_masks_cuda_uses_select_the_same_keys_as_the_additive_masks():
    # flex_attention has no backward on CPU (torch 2.13), so the model takes it only on CUDA; its forward runs here
    # compiled, which checks the block masks' mask_mod definitions against the additive masks.
    from torch.nn.attention.flex_attention import flex_attention

    masks = MaskCache(32)
    attend = torch.compile(flex_attention)
    q, k, v = torch.randn(2, 2, 32, 8), torch.randn(2, 2, 32, 8), torch.randn(2, 2, 32, 16)
    for window in (-1, 5):
        bias = masks.causal() if window < 0 else masks.window(window)
        with torch.no_grad():
            out = attend(q, k, v, block_mask=masks.block_mask(window, torch.device("cpu")), scale=0.5)
        assert torch.allclose(out, torch.softmax(q @ k.transpose(-1, -2) * 0.5 + bias, -1) @ v, atol=1e-5)

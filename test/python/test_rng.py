"""mlbtc_torch.Rng is src/core/random.ts bit for bit: the expected values below were printed by the TypeScript Rng
(node --import tsx). Uniforms and integers must be identical; normals go through log/sin/cos, which V8 and the C
library may round differently in the last ulp, so they are held to 1e-15 relative."""
import json
import math

import pytest

from mlbtc_torch import Rng

# seed → the TypeScript Rng's first 4 next(), then 3 normal(), its state, int(1000) and fork().state.
TYPESCRIPT = [
    (0, [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111],
     [-1.1843874017541418, -0.34449247471755345, -0.5844050192405411], {"seed": 1767624616, "spare": -0.7936746515357019},
     456, {"seed": 2496316458, "spare": None}),
    (1, [0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 0.9810509674716741],
     [-0.049227862786499016, 0.24868126561358206, -0.1808915033144518], {"seed": 1767624617, "spare": -0.9729258756570718},
     425, {"seed": 4272732017, "spare": None}),
    (4294967295, [0.8964226141106337, 0.189478256739676, 0.7156526781618595, 0.9440599093213677],
     [-0.5624472353170806, -0.14117679571472244, -0.8671028727257102], {"seed": 1767624615, "spare": 0.13414234121270707},
     135, {"seed": 4245337221, "spare": None}),
    (123456789, [0.2577907438389957, 0.9707721115555614, 0.7853280142880976, 0.20616457983851433],
     [-0.028483051706192662, -1.5449139828061844, -0.15214986912062867], {"seed": 1891081405, "spare": 0.6906683868127254},
     16, {"seed": 693485573, "spare": None}),
]


@pytest.mark.parametrize("seed, uniforms, normals, state, integer, fork", TYPESCRIPT)
def test_streams_match_the_typescript_rng(seed, uniforms, normals, state, integer, fork):
    rng = Rng(seed)
    assert [rng.next() for _ in uniforms] == uniforms
    for ours, theirs in zip([rng.normal() for _ in normals], normals):
        assert ours == pytest.approx(theirs, rel=1e-15)
    assert rng.state["seed"] == state["seed"]
    assert rng.state["spare"] == pytest.approx(state["spare"], rel=1e-15)
    assert rng.int(1000) == integer
    assert rng.fork().state == fork


def test_seeds_are_taken_as_javascript_takes_them_with_unsigned_shift():
    # new Rng(-1), new Rng(2 ** 32 + 5), new Rng(3.7) in TypeScript.
    assert Rng(-1).state == {"seed": 4294967295, "spare": None}
    assert Rng(2**32 + 5).state == {"seed": 5, "spare": None}
    assert Rng(3.7).state == {"seed": 3, "spare": None}


def test_state_round_trips_through_json_with_a_pending_spare():
    rng = Rng(42)
    rng.normal()  # leaves a spare
    state = json.loads(json.dumps(rng.state))
    assert set(state) == {"seed", "spare"} and state["spare"] is not None
    resumed = Rng(state)
    assert [resumed.normal() for _ in range(5)] == [rng.normal() for _ in range(5)]
    assert resumed.state == rng.state


@pytest.mark.parametrize("count", [1, 2, 63, 128, 129, 1001])
@pytest.mark.parametrize("pending_spare", [False, True])
def test_vectorised_normals_equal_successive_draws(count, pending_spare):
    a, b = Rng(9), Rng(9)
    if pending_spare:
        a.normal(), b.normal()
    bulk = a.normals(count)
    single = [b.normal() for _ in range(count)]
    assert len(bulk) == count
    assert max(abs(x - y) for x, y in zip(bulk, single)) <= 1e-15 * max(abs(y) for y in single)
    assert a.state["seed"] == b.state["seed"]
    assert (a.state["spare"] is None) == (b.state["spare"] is None)
    assert a.next() == b.next()


def test_int_stays_in_range_and_uses_every_value():
    rng = Rng(3)
    draws = [rng.int(7) for _ in range(2000)]
    assert set(draws) == set(range(7))


def test_forks_are_independent_streams():
    root = Rng(5)
    first, second = root.fork(), root.fork()
    assert [first.next() for _ in range(3)] != [second.next() for _ in range(3)]
    assert all(0 <= Rng(s).next() < 1 for s in range(100))
    assert not any(math.isnan(Rng(s).normal()) for s in range(100))

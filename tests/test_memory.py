"""Memory stays flat over many calls: no leak, no cache growing per call."""

import gc

import numpy as np
import pytest

import symtorch.tensor as T
from symtorch import function, shared
from symtorch.link.torch import backends


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_ten_thousand_training_steps_leave_memory_flat(mode):
    rng = np.random.default_rng(0)
    x, y = T.dmatrix("x"), T.dvector("y")
    w = shared(rng.standard_normal(20), name="w")
    b = shared(0.0, name="b")
    p = 1 / (1 + T.exp(-T.dot(x, w) - b))
    cost = T.mean(-y * T.log(p) - (1 - y) * T.log(1 - p)) + 0.01 * T.sum(w ** 2)
    gw, gb = T.grad(cost, [w, b])
    train = function([x, y], cost, updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)], mode=mode)
    xv, yv = rng.standard_normal((50, 20)), (rng.random(50) > 0.5).astype("float64")
    w_tensor = w.get_value(return_internal_type=True)
    for _ in range(500):  # warm up: compilation, allocator pools
        train(xv, yv)
    gc.collect()
    before, compiled_before = rss_mb(), len(backends._COMPILED)
    for _ in range(10_000):
        train(xv, yv)
    gc.collect()
    growth = rss_mb() - before
    assert growth < 8, f"resident memory grew by {growth:.1f} MiB over 10,000 calls"
    assert len(backends._COMPILED) == compiled_before
    if mode == "FAST_RUN":
        assert len(train._forward.by_signature) == 1
    assert w.get_value(return_internal_type=True) is w_tensor  # held once, in place

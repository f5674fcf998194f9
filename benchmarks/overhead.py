"""Per-call overhead: symtorch against the same computation written in plain torch.

Two workloads: the seed notebook's accumulator (one in-place update of a
shared integer) and a 10-op elementwise function on small float32 vectors.
"""

from __future__ import annotations

import numpy as np
import torch

import symtorch
import symtorch.tensor as T

from .common import Timing, time_call, timed_compile


def accumulator(mode: str) -> list[Timing]:
    state = symtorch.shared(0, name="state")
    inc = T.lscalar("inc")
    acc, compile_s = timed_compile(
        lambda: symtorch.function([inc], state, updates=[(state, state + inc)], mode=mode))
    acc_torch = symtorch.function([inc], state, updates=[(state, state + inc)], mode=mode,
                                  output_type="torch")
    bump = symtorch.function([inc], [], updates=[(state, state + inc)], mode=mode)
    one = torch.tensor(1)
    compile_s += timed_compile(lambda: (acc(1), acc_torch(one), bump(one)))[1]  # compiled lazily

    tstate = torch.zeros((), dtype=torch.int64)

    def plain_torch(inc):
        old = tstate.clone()
        tstate.add_(inc)
        return old.numpy()

    def plain_torch_tensor(inc):
        old = tstate.clone()
        tstate.add_(inc)
        return old

    return [
        Timing("plain torch (Python int in, NumPy out)", time_call(lambda: plain_torch(1))),
        Timing(f"symtorch {mode} (Python int in, NumPy out)", time_call(lambda: acc(1)), compile_s),
        Timing("plain torch (tensor in, tensor out)", time_call(lambda: plain_torch_tensor(one))),
        Timing(f"symtorch {mode} (tensor in, tensor out)", time_call(lambda: acc_torch(one))),
        Timing("bare in-place add (tstate.add_(1))", time_call(lambda: tstate.add_(1))),
        Timing("bare in-place add of a tensor (tstate.add_(one))", time_call(lambda: tstate.add_(one))),
        Timing(f"symtorch {mode}, update only (no output; tensor in)", time_call(lambda: bump(one))),
    ]


def elementwise_chain(mode: str, n: int = 100) -> list[Timing]:
    x, y = T.fvectors("x", "y")
    expr = (T.tanh(x * 2 + y) * T.exp(-y) - T.sqrt(x * x + 1)) / (1 + T.abs(y)) + 0.5
    f, compile_s = timed_compile(
        lambda: symtorch.function([x, y], expr, mode=mode, output_type="torch"))
    xv = torch.rand(n, dtype=torch.float32)
    yv = torch.rand(n, dtype=torch.float32)
    compile_s += timed_compile(lambda: f(xv, yv))[1]

    def plain(x, y):
        return (torch.tanh(x * 2 + y) * torch.exp(-y) - torch.sqrt(x * x + 1)) / (1 + torch.abs(y)) + 0.5

    np.testing.assert_allclose(f(xv, yv).numpy(), plain(xv, yv).numpy(), rtol=1e-5, atol=1e-6)
    return [
        Timing("plain torch", time_call(lambda: plain(xv, yv))),
        Timing(f"symtorch {mode}", time_call(lambda: f(xv, yv)), compile_s),
    ]

"""A memory-bound elementwise chain on a 4096x4096 float32 array.

symtorch FAST_RUN should compile it into one fused kernel, like torch.compile;
with `Out(..., borrow=True)` the result may reuse its storage between calls.
"""

from __future__ import annotations

import torch

import symtorch
import symtorch.tensor as T

from . import peers
from .common import Timing, measure, timed_compile


def chain_torch(x, y):
    return (torch.tanh(x * 2 + y) * torch.exp(-y) - torch.sqrt(x * x + 1)) / (1 + torch.abs(y)) + 0.5


def elementwise_chain(n: int = 4096) -> list[Timing]:
    from torch._inductor import metrics

    device = "cuda" if torch.cuda.is_available() else "cpu"
    xv = torch.rand(n, n, device=device)
    yv = torch.rand(n, n, device=device)
    rows = [measure("plain torch", lambda: chain_torch(xv, yv))]
    compiled = torch.compile(chain_torch)
    compile_s = timed_compile(lambda: compiled(xv, yv))[1]
    rows.append(measure("torch.compile", lambda: compiled(xv, yv), compile_s))

    x, y = T.fmatrices("x", "y")
    expr = (T.tanh(x * 2 + y) * T.exp(-y) - T.sqrt(x * x + 1)) / (1 + abs(y)) + 0.5
    for borrow in (False, True):
        out = symtorch.Out(expr, borrow=True) if borrow else expr
        f, build_s = timed_compile(lambda: symtorch.function(
            [x, y], out, mode="FAST_RUN", output_type="torch", device=device))
        metrics.reset()
        first_s = timed_compile(lambda: f(xv, yv))[1]
        kernels = metrics.generated_kernel_count
        torch.testing.assert_close(f(xv, yv), chain_torch(xv, yv))
        label = "symtorch FAST_RUN" + (" (borrowed output)" if borrow else "")
        rows.append(measure(label, lambda: f(xv, yv), build_s + first_s,
                            note=f"{kernels} generated kernel(s)" if kernels else "compiled earlier"))
    expected = chain_torch(xv, yv).cpu().numpy()
    return rows + peers.elementwise_chain(xv.cpu().numpy(), yv.cpu().numpy(), expected)

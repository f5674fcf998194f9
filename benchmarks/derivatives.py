"""Hessian-vector products, symtorch against torch.func.

y = sum(tanh(x)**2 * c) for x of size 1000: Hv by double reverse (grad of
grad . v) and by forward-over-reverse (Rop of the gradient).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import grad as func_grad
from torch.func import jvp, vjp

import symtorch
import symtorch.tensor as T

from . import peers
from .common import Timing, measure, timed_compile


def hessian_vector(n: int = 1000) -> list[Timing]:
    rng = np.random.default_rng(2)
    xv, vv, cv = (rng.standard_normal(n) for _ in range(3))
    xt, vt, ct = (torch.from_numpy(a) for a in (xv, vv, cv))
    rows = []

    def f(x):
        return (torch.tanh(x) ** 2 * ct).sum()

    def hvp_reverse(x, v):
        return vjp(func_grad(f), x)[1](v)[0]

    def hvp_forward(x, v):
        return jvp(func_grad(f), (x,), (v,))[1]

    for name, fn in (("double reverse", hvp_reverse), ("forward over reverse", hvp_forward)):
        rows.append(measure(f"torch.func {name}", lambda fn=fn: fn(xt, vt)))
        compiled = torch.compile(fn)
        compile_s = timed_compile(lambda c=compiled: c(xt, vt))[1]
        rows.append(measure(f"torch.compile(torch.func) {name}", lambda c=compiled: c(xt, vt),
                            compile_s))

    x, v = T.dvectors("x", "v")
    c = T.constant(cv)
    y = T.sum(T.tanh(x) ** 2 * c)
    gy = T.grad(y, x)
    forms = {"double reverse": T.grad(T.sum(gy * v), x),
             "forward over reverse": symtorch.Rop(gy, x, v)}
    expected = hvp_reverse(xt, vt).numpy()
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        for name, expr in forms.items():
            hv, build_s = timed_compile(lambda e=expr, m=mode: symtorch.function(
                [x, v], e, mode=m, output_type="torch"))
            first_s = timed_compile(lambda h=hv: h(xt, vt))[1]
            np.testing.assert_allclose(hv(xt, vt).numpy(), expected, rtol=1e-9)
            rows.append(measure(f"symtorch {mode} {name}", lambda h=hv: h(xt, vt),
                                build_s + first_s))
    return rows + peers.hessian_vector(xv, vv, cv, expected)

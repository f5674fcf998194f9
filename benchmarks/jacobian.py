"""Full Jacobians, symtorch against torch.func.jacrev.

J = d(x**2)/dx for x of size 200 (float64): symtorch's vectorized jacobian (one
batched Lop over the rows of the identity, lowered with torch.vmap) against
torch.func.jacrev, eager and torch.compile'd, and, where symtorch.scan is present,
symtorch's row-by-row form (a scan over the rows).

    python -m benchmarks.jacobian
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import jacrev

import symtorch
import symtorch.tensor as T

from . import peers
from .common import Timing, measure, print_rows, timed_compile


def jacobian_square(n: int = 200, with_scan: bool = True) -> list[Timing]:
    xv = np.random.default_rng(4).standard_normal(n)
    xt = torch.from_numpy(xv)
    expected = np.diag(2 * xv)

    def square(t):
        return t ** 2

    by_jacrev = jacrev(square)
    rows = [measure("torch.func.jacrev", lambda: by_jacrev(xt))]
    compiled = torch.compile(by_jacrev)
    compile_s = timed_compile(lambda: compiled(xt))[1]
    np.testing.assert_allclose(compiled(xt).numpy(), expected)
    rows.append(measure("torch.compile(torch.func.jacrev)", lambda: compiled(xt), compile_s))

    x = T.dvector("x")
    forms = [("vectorized", True)] + ([("row by row (scan)", False)] if with_scan else [])
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        for label, vectorize in forms:
            try:
                j = symtorch.jacobian(x ** 2, x, vectorize=vectorize)
            except NotImplementedError:  # no symtorch.scan in this version
                continue
            f, build_s = timed_compile(lambda j=j, m=mode: symtorch.function(
                [x], j, mode=m, output_type="torch"))
            first_s = timed_compile(lambda f=f: f(xt))[1]
            np.testing.assert_allclose(f(xt).numpy(), expected)
            rows.append(measure(f"symtorch {mode} {label}", lambda f=f: f(xt), build_s + first_s))
    return rows + peers.jacobian_square(xv, expected)


def main() -> None:
    print_rows(f"Jacobian of x**2, x of size 200, float64; torch {torch.__version__}, "
               f"{torch.get_num_threads()} threads (ratios to torch.func.jacrev)", jacobian_square())


if __name__ == "__main__":
    main()

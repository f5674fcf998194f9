"""Torch rules for the fused products (mirrors tensor/blas_fused.py): torch.addmm and
torch.addmv, which add the bias while writing the product, and torch.dot of the flattened
array with itself for the sum of squares.

torch.addmm/addmv need the added term to broadcast *to* the product's shape. Where the
types prove it (`bias_fits_product`), the program calls them directly; otherwise it calls
`addmm_broadcasting`, which checks the lengths when it runs and falls back to c + a @ b.
"""

from __future__ import annotations

import torch

from ...graph.basic import Apply
from ...tensor.blas_fused import AddMM, AddMV, SumOfSquares, bias_fits_product
from .lowering import LoweringContext, lower


def _fits_now(c: torch.Tensor, out_shape: tuple) -> bool:
    extra = len(out_shape) - c.dim()
    return all(n == 1 or n == p for n, p in zip(c.shape, out_shape[extra:]))


def addmm_broadcasting(c: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """c + a @ b for matrices, as torch.addmm when c's lengths allow it (1 or the
    product's); c longer than the product in some dimension makes the product broadcast."""
    if _fits_now(c, (a.shape[0], b.shape[1])):
        return torch.addmm(c, a, b)
    return c + a @ b


def addmv_broadcasting(c: torch.Tensor, a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """c + a @ x for a matrix and a vector, as torch.addmv when c's length allows it."""
    if _fits_now(c, (a.shape[0],)):
        return torch.addmv(c, a, x)
    return c + a @ x


_DIRECT = {AddMM: torch.addmm, AddMV: torch.addmv}
_CHECKED = {AddMM: addmm_broadcasting, AddMV: addmv_broadcasting}


@lower(AddMM, AddMV)
def _biased_product(ctx: LoweringContext, node: Apply, c, a, b):
    c, a, b = (ctx.tensor(v, var) for v, var in zip((c, a, b), node.inputs))
    if bias_fits_product(node):
        return _DIRECT[type(node.op)](c, a, b)
    return ctx.call(_CHECKED[type(node.op)], c, a, b)


@lower(SumOfSquares)
def _sum_of_squares(ctx: LoweringContext, node: Apply, x):
    flat = ctx.tensor(x, node.inputs[0]).reshape(-1)
    return torch.dot(flat, flat)

"""Specializing rewrites (the 'specialize' phase, after stabilize; FAST_RUN): special cases
torch runs faster (x ** 0.5 -> sqrt, x ** 8 -> repeated squaring, sum(x ** 2) -> a BLAS
dot, dot(x, W) + b -> addmm), each kept only where timeit showed a gain on this machine's
CPU (2 cores, torch 2.13; numbers in the docstrings). The fused products are ops of
tensor/blas_fused.py. Imports graph/ and tensor/ only.
"""

from __future__ import annotations

import math

from ..graph.fg import FunctionGraph
from ..tensor import math as tm
from ..tensor.blas import Dot, MatMul
from ..tensor.blas_fused import BLAS_DTYPES, add_mm, add_mv, bias_fits_product, sum_of_squares
from ..tensor.elemwise import elemwise_op
from ..tensor.reduction import Reduce
from .basic import node_rewriter
from .db import register
from .stabilize import like, op_name, operand, real_float, scalar_constant

_POW = elemwise_op("pow")

# The integer exponents torch.pow already computes in one pass over memory, as fast as or
# faster than a chain of multiplications: x ** 3 took 8.9 us, x * x * x 16.7 us (float32).
# (2 and -1 have cheaper dedicated kernels: sqr, reciprocal.)
TORCH_FAST_POWERS = (3, -2)
# Larger exponents go through the general pow (about 150 us for float32, 470 us for
# float64, at any exponent); repeated squaring costs one pass per multiplication (8 us).
# Each multiplication rounds once and each squaring doubles the error before it: measured
# on 1e5 float32 values in [0.5, 2], at most 2, 5 and 12 ulps for n = 4, 8 and 16, where
# torch.pow stays within 1 ulp. Beyond 16 the error would grow past what FAST_RUN trades.
MAX_SQUARING_POWER = 16


def _integer_exponent(node) -> int | None:
    """The exponent of x ** c as an int, for a scalar constant c with an integer value."""
    c = scalar_constant(node.inputs[1])
    if c is None or isinstance(c, (complex, bool)) or not math.isfinite(c) or c != int(c):
        return None
    return int(c)


def power_by_squaring(x, n: int):
    """x ** n for an integer n >= 1 as sqr and mul: one multiplication per bit, plus one
    per bit set (x ** 5 = sqr(sqr(x)) * x)."""
    result, square = None, x
    while True:
        if n & 1:
            result = square if result is None else tm.mul(result, square)
        n >>= 1
        if not n:
            return result
        square = tm.sqr(square)


@register("specialize", "fast_run")
@node_rewriter([_POW])
def pow_to_sqr_and_mul(fgraph: FunctionGraph, node):
    """x ** n for a constant integer n -> sqr and mul by repeated squaring: x ** 1 -> x,
    x ** 2 -> sqr(x), x ** 4 -> sqr(sqr(x)), ..., up to |n| = 16 (within 12 ulps, see
    MAX_SQUARING_POWER); a negative n takes the reciprocal of x ** |n|. Left alone: n = 3
    and n = -2, which torch.pow computes as fast in one pass, and integer dtypes (their
    pow is exact and wraps the same way). Real floats only; measured for 1e5 float32
    elements: x ** 4 148 us, sqr(sqr(x)) 16 us."""
    out = node.outputs[0]
    n = _integer_exponent(node)
    if n is None or not real_float(out) or n in TORCH_FAST_POWERS or n in (0, -1):
        return None
    if abs(n) > MAX_SQUARING_POWER:
        return None
    result = power_by_squaring(tm.cast(node.inputs[0], out.dtype), abs(n))
    if n < 0:
        result = tm.reciprocal(result)
    return [like(result, out)]


@register("specialize", "fast_run")
@node_rewriter([_POW])
def pow_minus_one_to_reciprocal(fgraph: FunctionGraph, node):
    """x ** -1 -> reciprocal(x), for real floats (integers keep pow's truncation):
    reciprocal 12.9 us, x ** -1 14.2 us for 1e5 float32 elements."""
    out = node.outputs[0]
    if _integer_exponent(node) != -1 or not real_float(out):
        return None
    return [like(tm.reciprocal(tm.cast(node.inputs[0], out.dtype)), out)]


@register("specialize", "fast_run")
@node_rewriter([_POW])
def pow_half_to_sqrt(fgraph: FunctionGraph, node):
    """x ** 0.5 -> sqrt(x), for real floats: the same values (torch and NumPy compute
    x ** 0.5 as a square root: nan below 0 and at -inf, -0. at -0.), one dispatch less:
    sqrt 10.2 us, x ** 0.5 11.8 us for 1e5 float32 elements."""
    out = node.outputs[0]
    if scalar_constant(node.inputs[1]) != 0.5 or not real_float(out):
        return None
    return [like(tm.sqrt(tm.cast(node.inputs[0], out.dtype)), out)]


def _squared(var):
    """x for var = sqr(x), x ** 2 or x * x, else None."""
    name = op_name(var)
    if name == "sqr":
        return operand(var)
    if name == "pow" and scalar_constant(operand(var, 1)) == 2:
        x = operand(var)
        return x if x.type.shape == var.type.shape else None
    if name == "mul" and operand(var, 0) is operand(var, 1):
        return operand(var)
    return None


@register("specialize", "fast_run")
@node_rewriter([Reduce])
def sum_of_squares_to_dot(fgraph: FunctionGraph, node):
    """sum(sqr(x)) (or of x ** 2, x * x) over all axes -> SumOfSquares(x), one BLAS dot of
    the flattened x with itself, for float32 and float64 x: 4.3 us against 15.1 us for
    torch.sum(torch.square(x)) over 1e5 float32 elements (6.8 against 22.1 us in float64).
    Sums over some axes only are left alone (torch.linalg.vector_norm(x, dim) ** 2 was
    faster along the last axis but less accurate, and slower along the first)."""
    op = node.op
    x = _squared(node.inputs[0])
    if op.kind != "sum" or x is None or len(op.axes(x.ndim)) != x.ndim:
        return None
    out = node.outputs[0]
    if x.dtype not in BLAS_DTYPES or out.dtype != x.dtype or node.inputs[0].dtype != x.dtype:
        return None
    return [like(sum_of_squares(x), out)]


def _product_parts(var, fgraph: FunctionGraph):
    """(a, b) for var = dot(a, b) or a @ b of a matrix and a matrix or vector (or of a
    vector and a matrix: then (b.T, a), so that the result is b.T @ a), used only here."""
    node = var.owner
    if node is None or not isinstance(node.op, (Dot, MatMul)):
        return None
    if len(fgraph.clients.get(var, ())) != 1:
        return None
    a, b = node.inputs
    if a.ndim == 2 and b.ndim in (1, 2):
        return a, b
    if a.ndim == 1 and b.ndim == 2:
        return b.T, a
    return None


@register("specialize", "fast_run")
@node_rewriter([elemwise_op("add")])
def dot_plus_bias_to_addmm(fgraph: FunctionGraph, node):
    """dot(a, b) + c (either order, also a @ b) -> AddMM(c, a, b) for matrices, AddMV(c, a, b)
    for a matrix and a vector (AddMV(c, b.T, a) for a vector and a matrix): torch adds c
    while writing the product instead of in a second pass. Only where the product feeds
    nothing else, has the sum's dtype (float32 or float64: no cast changes a rounding),
    and the types prove that c broadcasts to the product's shape (`bias_fits_product`),
    so that the program calls torch.addmm directly. Where they do not (weights of unknown
    shape), AddMM would need a check of the lengths on every call, which cost more than
    it saved: 9.3 us against 7.7 us for (64, 100) @ (100, 10) + b on this machine's CPU.
    For (128, 784) @ (784, 500) + b in float32 the fused and unfused programs took the
    same time (414 and 407 us, within the noise); the gain is a kernel and a pass over
    the result, which matters on GPUs and for small products."""
    out = node.outputs[0]
    if out.dtype not in BLAS_DTYPES:
        return None
    for p, c in (node.inputs, node.inputs[::-1]):
        parts = _product_parts(p, fgraph)
        if parts is None or p.dtype != out.dtype:
            continue
        # The product casts its factors to its dtype, the sum casts c: the same casts here.
        c, a, b = (tm.cast(v, out.dtype) for v in (c, *parts))
        fused = add_mm(c, a, b) if b.ndim == 2 else add_mv(c, a, b)
        if bias_fits_product(fused.owner):
            return [like(fused, out)]
    return None

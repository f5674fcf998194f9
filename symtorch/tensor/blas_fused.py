"""Fused products the specialize phase builds (rewriting/specialize.py), not users: c + a @ b
in one BLAS call (AddMM for two matrices, AddMV for a matrix and a vector) and the sum of
squares of all elements (SumOfSquares, a dot of the flattened array with itself). Each op
holds types, shapes, NumPy reference, gradient and R_op; the torch rules (torch.addmm,
torch.addmv, torch.dot) are in link/torch/blas_fused.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph.basic import Apply, Op, Variable
from .basic import as_tensor_variable
from .blas import dot, outer
from .elemwise import broadcast_shapes
from .reduction import sum as tsum
from .reduction import sum_to
from .type import TensorType, numpy_dtype
from .variable import TensorVariable

__all__ = ["AddMM", "AddMV", "SumOfSquares", "add_mm", "add_mv", "bias_fits_product",
           "sum_of_squares"]

# The dtypes the fused ops take: those every backend's BLAS has.
BLAS_DTYPES = ("float32", "float64")


def _describe_shape(x: TensorVariable) -> str:
    return "(" + ", ".join("?" if s is None else str(s) for s in x.type.shape) + \
        ("," if x.ndim == 1 else "") + ")"


class _BiasedProduct(Op):
    """c + a @ b: what AddMM and AddMV share.

    `a` has `ranks[0]` dimensions and `b` `ranks[1]`; the product has a's leading and b's
    trailing dimensions. `c` (of at most the product's rank) broadcasts against the
    product with NumPy's rules, in both directions: the result is exactly `c + a @ b`.
    All three share one float dtype (float32 or float64), which the result has.
    """

    __props__ = ()
    ranks: tuple[int, int] = (2, 2)
    what = ""

    def __str__(self) -> str:
        return type(self).__name__

    def make_node(self, c: Any, a: Any, b: Any) -> Apply:
        c, a, b = (as_tensor_variable(v) for v in (c, a, b))
        for v, rank, role in ((a, self.ranks[0], "first factor"), (b, self.ranks[1], "second factor")):
            if v.ndim != rank:
                raise TypeError(f"{self.what}: the {role} must have {rank} dimension(s); "
                                f"{v.describe()} has {v.ndim}")
        out_ndim = sum(self.ranks) - 2
        if c.ndim > out_ndim:
            raise TypeError(f"{self.what}: the added term {c.describe()} has {c.ndim} dimensions, "
                            f"more than the product's {out_ndim}")
        for v in (c, a, b):
            if v.dtype not in BLAS_DTYPES or v.dtype != a.dtype:
                raise TypeError(f"{self.what}: the added term and both factors must share one "
                                f"dtype among {BLAS_DTYPES}; {v.describe()} is {v.dtype} (the "
                                f"first factor {a.describe()} is {a.dtype})")
        k_a, k_b = a.type.shape[-1], b.type.shape[0]
        if k_a is not None and k_b is not None and k_a != k_b:
            raise ValueError(f"{self.what}: {a.describe()} {_describe_shape(a)} and "
                             f"{b.describe()} {_describe_shape(b)} do not align (the summed "
                             f"lengths are {k_a} and {k_b})")
        product = a.type.shape[:-1] + b.type.shape[1:]
        try:
            shape = broadcast_shapes([product, _padded(c.type.shape, out_ndim)])
        except TypeError:
            raise ValueError(f"{self.what}: the added term {c.describe()} {_describe_shape(c)} "
                             f"does not broadcast against the product, of shape "
                             f"{tuple('?' if s is None else s for s in product)}") from None
        return Apply(self, [c, a, b], [TensorType(a.dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        from .shape import arith
        c_shape, a_shape, b_shape = input_shapes
        c = node.inputs[0]
        out_ndim = node.outputs[0].ndim
        product = tuple(a_shape[:-1]) + tuple(b_shape[1:])
        c_static = _padded(c.type.shape, out_ndim)
        c_lengths = (1,) * (out_ndim - c.ndim) + tuple(c_shape)
        out = []
        for static, p, n, cs in zip(node.outputs[0].type.shape, product, c_lengths, c_static):
            if static is not None:
                out.append(static)
            elif cs == 1:
                out.append(p)
            else:  # as torch broadcasts: p if p != 1 else n
                out.append(arith("add", p, arith("mul", arith("eq", p, 1), arith("sub", n, p))))
        return [tuple(out)]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        c, a, b = (np.asarray(v) for v in inputs)
        return [np.asarray(c + a @ b).astype(numpy_dtype(node.outputs[0].dtype), copy=False)]

    # -- derivatives ------------------------------------------------------------------------

    def _product_gradient(self, node_inputs: list, g: Variable) -> Variable:
        """The output gradient as seen by the product: summed back to the product's shape
        where the added term was the longer one (never, when `bias_fits_product`)."""
        from .shape import dim_length
        c, a, b = node_inputs
        if _fits(c.type.shape, a.type.shape[:-1] + b.type.shape[1:]):
            return g
        lengths = [dim_length(a, i) for i in range(a.ndim - 1)] + \
                  [dim_length(b, i) for i in range(1, b.ndim)]
        return sum_to(g, lengths)

    def L_op(self, inputs, outputs, output_grads):
        """dc = g summed to c's shape; with gp = g as the product sees it, da = gp @ b.T and
        db = a.T @ gp (AddMV: dA = outer(gp, x), dx = A.T @ gp)."""
        c, a, b = inputs
        (g,) = output_grads
        gc = g
        if c.ndim < g.ndim:
            gc = tsum(gc, axis=tuple(range(g.ndim - c.ndim)))
        gc = sum_to(gc, c)
        gp = self._product_gradient(inputs, g)
        if self.ranks == (2, 2):
            return [gc, dot(gp, b.T), dot(a.T, gp)]
        return [gc, outer(gp, b), dot(gp, a)]

    def R_op(self, inputs, eval_points):
        """The product rule: vc + va @ b + a @ vb (terms without a tangent left out)."""
        from .construction import fill
        from .math import add, cast
        c, a, b = inputs
        vc, va, vb = eval_points
        terms = [v for v in (vc, None if va is None else dot(va, b),
                             None if vb is None else dot(a, vb)) if v is not None]
        if not terms:
            return [None]
        total = terms[0]
        for t in terms[1:]:
            total = add(total, t)
        out = self(c, a, b)
        if total.ndim != out.ndim or total.type.shape != out.type.shape:
            total = fill(out, total)
        return [cast(total, out.dtype)]


def _padded(shape: tuple, ndim: int) -> tuple:
    return (1,) * (ndim - len(shape)) + tuple(shape)


def _fits(c_shape: tuple, product: tuple) -> bool:
    """Whether a term of static shape `c_shape` surely broadcasts *to* `product` (never
    makes the result longer than the product): per dimension, its length is 1, or equal
    to the product's, or the product's length is known and not 1 (then any other length
    of the term would be a broadcasting error in `c + a @ b` itself)."""
    c_shape = _padded(c_shape, len(product))
    return all(n == 1 or (n is not None and n == p) or (p is not None and p != 1)
               for n, p in zip(c_shape, product))


def bias_fits_product(node: Apply) -> bool:
    """For an AddMM/AddMV node: whether its added term surely broadcasts to the product's
    shape, so that torch.addmm/addmv (which need that) compute `c + a @ b` directly."""
    c, a, b = node.inputs
    return _fits(c.type.shape, a.type.shape[:-1] + b.type.shape[1:])


class AddMM(_BiasedProduct):
    """AddMM()(c, a, b) = c + a @ b for matrices a (n, k) and b (k, m) and a term c of at
    most two dimensions (a bias row, a column, a scalar or a matrix) broadcast with it;
    torch.addmm adds c while it writes the product instead of in a second pass."""

    ranks = (2, 2)
    what = "AddMM"


class AddMV(_BiasedProduct):
    """AddMV()(c, A, x) = c + A @ x for a matrix A (n, k), a vector x (k,) and a term c of
    at most one dimension broadcast with it (torch.addmv)."""

    ranks = (2, 1)
    what = "AddMV"


class SumOfSquares(Op):
    """SumOfSquares()(x) = sum(x ** 2) over all elements of a float32 or float64 array, a
    scalar of x's dtype, computed as one BLAS dot product of the flattened x with itself.
    BLAS accumulates in x's dtype in a few parallel partial sums, where torch.sum sums
    pairwise: for a million float32 values the relative error is a few 1e-7 instead of
    about 1e-8."""

    __props__ = ()

    def __str__(self) -> str:
        return "SumOfSquares"

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.dtype not in BLAS_DTYPES:
            raise TypeError(f"SumOfSquares: expects a float32 or float64 array; {x.describe()} "
                            f"is {x.type.describe_value()}")
        return Apply(self, [x], [TensorType(x.dtype, ()).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [()]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        x = np.asarray(inputs[0])
        return [np.asarray(np.sum(np.square(x), dtype=x.dtype))]

    def L_op(self, inputs, outputs, output_grads):
        """dx = 2 x g."""
        (x,), (g,) = inputs, output_grads
        return [(x * 2) * g]

    def R_op(self, inputs, eval_points):
        """d out = 2 sum(x v)."""
        (x,), (v,) = inputs, eval_points
        if v is None:
            return [None]
        return [tsum(x * v) * 2]


_add_mm, _add_mv, _sum_of_squares = AddMM(), AddMV(), SumOfSquares()


def add_mm(c: Any, a: Any, b: Any) -> TensorVariable:
    """c + a @ b for matrices a and b, as one AddMM node."""
    return _add_mm(c, a, b)


def add_mv(c: Any, a: Any, x: Any) -> TensorVariable:
    """c + a @ x for a matrix a and a vector x, as one AddMV node."""
    return _add_mv(c, a, x)


def sum_of_squares(x: Any) -> TensorVariable:
    """sum(x ** 2) over all elements, as one SumOfSquares node (float32/float64)."""
    return _sum_of_squares(x)


"""Cumulative and counting ops: cumsum, cumprod (`CumOp`), diff (`DiffOp`), bincount.

Part of the tensor op library (Theano's extra_ops); torch rules in
link/torch/extra_ops.py. (squeeze and repeat, also Theano extra_ops, are in shape.py.)
cumsum and diff are linear, so their gradients are their transposes; cumprod's is
written to stay finite where x has zeros; bincount's weights get the gradient of their bin.
"""

from __future__ import annotations

import operator
from functools import reduce as _fold
from typing import Any

import numpy as np

from ..gradient import disconnected_type
from ..graph.basic import Apply, Op, Variable
from .basic import as_tensor_variable
from .math import and_, cast, eq, maximum, neg, switch
from .reduction import normalize_axis
from .reduction import sum as sum_
from .type import TensorType, complex_dtypes, discrete_dtypes
from .variable import TensorVariable

__all__ = ["CumOp", "DiffOp", "BinCount", "cumsum", "cumprod", "diff", "bincount"]


class CumOp(Op):
    """Running sum (`mode` 'add') or product ('mul') along `axis`; None runs over the
    flattened array. Booleans and integers accumulate in int64, as NumPy's."""

    __props__ = ("axis", "mode")

    def __init__(self, axis: int | None = None, mode: str = "add"):
        if mode not in ("add", "mul"):
            raise ValueError(f"CumOp: mode must be 'add' or 'mul', got {mode!r}")
        self.axis = None if axis is None else int(axis)
        self.mode = mode

    def __str__(self) -> str:
        return f"Cum{'sum' if self.mode == 'add' else 'prod'}{{axis={self.axis}}}"

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        dtype = "int64" if x.dtype in discrete_dtypes else x.dtype
        if self.axis is None:
            shape = (None if any(s is None for s in x.type.shape)
                     else _fold(operator.mul, x.type.shape, 1),)
        else:
            normalize_axis(self.axis, x, str(self).split("{")[0].lower())
            shape = x.type.shape
        return Apply(self, [x], [TensorType(dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        (shape,) = input_shapes
        return [(_fold(operator.mul, shape, 1),)] if self.axis is None else [shape]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        fn = np.cumsum if self.mode == "add" else np.cumprod
        dtype = node.outputs[0].type.numpy_dtype
        return [fn(np.asarray(inputs[0]), axis=self.axis, dtype=dtype)]

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable | None]:
        """cumsum: the gradient summed from the end (a reversed cumsum). cumprod: for
        x without zeros, reversed_cumsum(g * out) / x; where x has zeros, each element
        before the first zero gets that formula, the first zero gets the reversed cumsum
        of g times the running product that skips it, and later elements get 0 (their
        every product holds the first zero), so the gradient stays finite and exact."""
        (x,), (out,), (g,) = inputs, outputs, output_grads
        if x.dtype in discrete_dtypes:
            return [None]
        flat, axis = (x.flatten(), 0) if self.axis is None else (x, self.axis)
        if self.mode == "add":
            gx = _reversed_cumsum(g, axis)
        else:
            before, first, safe, skipping_first = _zeros_along(flat, axis)
            gx = switch(before, _reversed_cumsum(g * out, axis) / safe,
                        switch(first, _reversed_cumsum(g * skipping_first, axis), 0))
        if self.axis is None:
            from .shape import reshape, shape
            gx = reshape(gx, shape(x))
        return [gx]

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[Variable | None]:
        """cumsum: the cumsum of the tangent. cumprod: out * cumsum(v / x) before the
        first zero of x, and from it on v at that zero times the product skipping it."""
        (x,), (v,) = inputs, eval_points
        if v is None or x.dtype in discrete_dtypes:
            return [None]
        if self.mode == "add":
            return [self(v)]
        flat, axis = (x.flatten(), 0) if self.axis is None else (x, self.axis)
        v = v.flatten() if self.axis is None else v
        before, first, safe, skipping_first = _zeros_along(flat, axis)
        at_first = sum_(switch(first, v, 0), axis, keepdims=True)
        return [switch(before, self(x) * CumOp(axis, "add")(v / safe), at_first * skipping_first)]


def _reversed_cumsum(g: TensorVariable, axis: int) -> TensorVariable:
    """The sums of g from each position to the end along `axis`."""
    flip = (slice(None),) * axis + (slice(None, None, -1),)
    return CumOp(axis, "add")(g[flip])[flip]


def _zeros_along(x: TensorVariable, axis: int) -> tuple:
    """For cumprod's derivatives: where x comes before its first zero along `axis` (all
    of it when there is none), where that first zero is, x with 1 in place of its
    positions from the first zero on (safe to divide by), and the running product of x
    with its first zero taken as 1."""
    zero = eq(x, 0)
    zeros_so_far = CumOp(axis, "add")(zero)
    before = eq(zeros_so_far, 0)
    first = and_(zero, eq(zeros_so_far, 1))
    safe = switch(before, x, 1)
    skipping_first = CumOp(axis, "mul")(switch(first, 1, x))
    return before, first, safe, skipping_first


def _cum(mode: str, x: Any, axis: Any) -> TensorVariable:
    x = as_tensor_variable(x)
    what = "cumsum" if mode == "add" else "cumprod"
    if x.ndim == 0 and axis in (0, -1):
        axis = None  # NumPy runs over a 0-d array as over its one element
    return CumOp(None if axis is None else normalize_axis(axis, x, what), mode)(x)


def cumsum(x: Any, axis: int | None = None) -> TensorVariable:
    """numpy.cumsum: running sums along `axis` (None: of the flattened array)."""
    return _cum("add", x, axis)


def cumprod(x: Any, axis: int | None = None) -> TensorVariable:
    """numpy.cumprod: running products along `axis` (None: of the flattened array)."""
    return _cum("mul", x, axis)


class DiffOp(Op):
    """numpy.diff: the `n`-th difference along `axis`, which gets n shorter (or
    empty). For booleans a difference is 'not equal', as in NumPy."""

    __props__ = ("n", "axis")

    def __init__(self, n: int = 1, axis: int = -1):
        self.n, self.axis = int(n), int(axis)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        axis = normalize_axis(self.axis, x, "diff")
        shape = list(x.type.shape)
        if shape[axis] is not None:
            shape[axis] = max(shape[axis] - self.n, 0)
        return Apply(self, [x], [TensorType(x.dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        shape = list(input_shapes[0])
        axis = self.axis % node.inputs[0].ndim
        length = shape[axis]
        shape[axis] = max(length - self.n, 0) if isinstance(length, int) else \
            maximum(length - self.n, 0)
        return [tuple(shape)]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return [np.diff(np.asarray(inputs[0]), n=self.n, axis=self.axis)]

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable | None]:
        """The transpose of the n-th difference: (-1)^n diff(g padded with n zeros on
        each side, n), cut to x's length (it is longer when x had fewer than n elements)."""
        (x,), (g,) = inputs, output_grads
        if x.dtype in discrete_dtypes:
            return [None]
        from .construction import zeros
        from .join import concatenate
        from .shape import dim_length
        axis = self.axis % x.ndim
        pad = zeros([self.n if d == axis else dim_length(g, d) for d in range(g.ndim)],
                    dtype=g.dtype)
        gx = DiffOp(self.n, axis)(concatenate([pad, g, pad], axis=axis))
        gx = neg(gx) if self.n % 2 else gx
        length = x.type.shape[axis]
        if length is None or length < self.n:
            gx = gx[(slice(None),) * axis + (slice(0, dim_length(x, axis)),)]
        return [gx]

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[Variable | None]:
        """Linear: the difference of the tangent."""
        (x,), (v,) = inputs, eval_points
        return [None if v is None or x.dtype in discrete_dtypes else self(v)]


def diff(x: Any, n: int = 1, axis: int = -1) -> TensorVariable:
    """numpy.diff: the n-th discrete difference along `axis`."""
    x = as_tensor_variable(x)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
    axis = normalize_axis(axis, x, "diff")
    return x if n == 0 else DiffOp(n, axis)(x)


class BinCount(Op):
    """numpy.bincount of a vector of non-negative integers: how often each value
    occurs (int64), or the sum of the `weights` at each value (float64); at least
    `minlength` bins. Its length depends on the values, so it is not static."""

    __props__ = ("minlength",)

    def __init__(self, minlength: int = 0):
        self.minlength = int(minlength)

    def make_node(self, x: Any, weights: Any = None) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim != 1 or x.dtype not in discrete_dtypes:
            raise TypeError(f"bincount: {x.describe()} must be a vector of integers; got "
                            f"{x.type.describe_value()}")
        inputs = [x]
        dtype = "int64"
        if weights is not None:
            weights = as_tensor_variable(weights)
            if weights.ndim != 1 or weights.dtype in complex_dtypes:
                raise TypeError(f"bincount: weights {weights.describe()} must be a real vector; "
                                f"got {weights.type.describe_value()}")
            if None not in (x.type.shape[0], weights.type.shape[0]) and \
                    x.type.shape[0] != weights.type.shape[0]:
                raise ValueError(f"bincount: {x.describe()} has {x.type.shape[0]} elements but "
                                 f"weights {weights.describe()} has {weights.type.shape[0]}")
            inputs.append(weights)
            dtype = "float64"
        return Apply(self, inputs, [TensorType(dtype, (None,)).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        from .reduction import max as max_
        x = node.inputs[0]
        return [(maximum(max_(x).astype("int64") + 1, self.minlength),)]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        weights = None if len(inputs) == 1 else np.asarray(inputs[1], dtype=np.float64)
        out = np.bincount(np.asarray(inputs[0]), weights=weights, minlength=self.minlength)
        return [out.astype(node.outputs[0].type.numpy_dtype)]

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable | None]:
        """Each weight gets the gradient of the bin its value counts in, g[x]; the
        values (integers) are disconnected."""
        x, *weights = inputs
        if not weights:
            return [disconnected_type()]
        index = cast(x, "int64") if x.dtype == "bool" else x
        return [disconnected_type(),
                None if weights[0].dtype in discrete_dtypes else output_grads[0][index]]

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[Variable | None]:
        """Linear in the weights: the bincount of their tangent."""
        x, *weights = inputs
        if not weights or eval_points[1] is None or weights[0].dtype in discrete_dtypes:
            return [None]
        return [self(x, eval_points[1])]


def bincount(x: Any, weights: Any = None, minlength: int | None = None,
             assert_nonneg: bool = False) -> TensorVariable:
    """numpy.bincount (Theano's signature): counts of each non-negative integer in x,
    or sums of `weights`. Negative values raise when the function runs."""
    if minlength is not None and (not isinstance(minlength, (int, np.integer)) or minlength < 0):
        raise ValueError(f"bincount: minlength must be a non-negative int, got {minlength!r}")
    return BinCount(minlength or 0)(x, weights)


"""Construction ops: alloc and the arrays made with it (zeros, ones, full, fill, *_like),
tensor_copy, arange, eye, tril/triu and the diagonals.

Part of the tensor op library; builds on the length helpers of shape.py. Each op is
linear in its data inputs, so its R_op applies the op to the tangents. Torch rules:
link/torch/construction.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.exceptions import AxisError

from ..config import config
from ..gradient import disconnected_type
from ..graph.basic import Apply, Op, Variable
from . import math as tm
from .basic import NotScalarConstantError, as_tensor_variable, constant, get_scalar_constant_value
from .reduction import sum as tsum
from .reduction import sum_to
from .scalar import dtype_kind, promote
from .shape import (
    arith,
    as_length,
    broadcast_symbolic_shape,
    dim_length,
    fmt_shape,
    lengths_of,
    normalize_axis,
    shape_lengths,
    static_value,
)
from .type import TensorType, dtype_name, numpy_dtype
from .variable import TensorConstant, TensorVariable

__all__ = [
    "ARange", "Alloc", "AllocDiag", "Diagonal", "ExtractDiag", "Eye", "SetDiagonal", "TensorCopy",
    "TriangularPart", "alloc", "arange", "diag", "diagonal", "eye", "fill", "full", "full_like",
    "identity_like", "ones", "ones_like", "second", "tensor_copy", "trace", "tril", "triu",
    "zeros", "zeros_like",
]


def _cast(x: TensorVariable, dtype: str) -> TensorVariable:
    return x if x.dtype == dtype else tm.cast(x, dtype)


def _apply_to_tangent(op: Op, eval_points: list, *rest: Variable) -> list:
    """R_op of an op linear in its first input (the others are integers): the op of the
    tangent."""
    return [None if eval_points[0] is None else op(eval_points[0], *rest)]


# -- allocation: alloc, zeros, full, fill ------------------------------------------------------


class Alloc(Op):
    """Alloc()(value, *lengths): a new array of those lengths holding `value` broadcast."""

    def make_node(self, value: Any, *shape: Any) -> Apply:
        value = as_tensor_variable(value)
        lengths = [as_length(s, "alloc") for s in shape]
        if value.ndim > len(lengths):
            raise TypeError(f"alloc: {value.describe()} has {value.ndim} dims, more than the "
                            f"{len(lengths)} lengths given")
        out = []
        offset = len(lengths) - value.ndim
        for d, n in enumerate(lengths):
            known = static_value(n)
            own = value.type.shape[d - offset] if d >= offset else 1
            if known is not None and known < 0:
                raise ValueError(f"alloc: negative length {known} in dimension {d}")
            if known is not None and own not in (None, 1, known):
                raise ValueError(f"alloc: {value.describe()} of shape {fmt_shape(value.type.shape)} "
                                 f"cannot be broadcast to length {known} in dimension {d}")
            out.append(known if known is not None else (own if own != 1 else None))
        return Apply(self, [value, *lengths], [TensorType(value.dtype, out).make_variable()])

    def infer_shape(self, node, input_shapes):
        return [tuple(node.inputs[1:])]

    def perform(self, node, inputs):
        value, *shape = inputs
        return [np.broadcast_to(value, tuple(int(s) for s in shape)).copy()]

    def L_op(self, inputs, outputs, output_grads):
        """d value = the gradient summed back to value's shape: over the leading dimensions
        value lacks, and (SumTo) over those it was broadcast along, found when the function
        runs where the type does not know them. The lengths are integers: disconnected."""
        value, *lengths = inputs
        (g,) = output_grads
        lead = g.ndim - value.ndim
        if lead:
            g = tsum(g, axis=tuple(range(lead)))
        return [sum_to(g, value), *(disconnected_type() for _ in lengths)]

    def R_op(self, inputs, eval_points):
        return _apply_to_tangent(self, eval_points, *inputs[1:])


_alloc = Alloc()


def alloc(value: Any, *shape: Any) -> TensorVariable:
    """`value` broadcast into a new array of the given lengths: `alloc(0., n, 3)`."""
    if len(shape) == 1 and (isinstance(shape[0], (list, tuple)) or
                            getattr(shape[0], "ndim", 0) == 1):
        shape = tuple(shape_lengths(shape[0], "alloc"))
    return _alloc(value, *shape)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> TensorVariable:
    """A new array of `shape` filled with `fill_value` (dtype: NumPy's for the value)."""
    if dtype is None:
        value = as_tensor_variable(fill_value)
        if value.ndim:
            raise TypeError(f"full: the fill value {value.describe()} must be a scalar")
        if isinstance(value, TensorConstant) and value.weak:
            value = constant(value.data, dtype=value.dtype)  # np.full((2,), 3) is int64
    else:
        value = _value_as(fill_value, dtype_name(dtype))
    return _alloc(value, *shape_lengths(shape, "full"))


def _value_as(value: Any, dtype: str) -> TensorVariable:
    if isinstance(value, Variable):
        return tm.cast(value, dtype)
    return constant(value, dtype=dtype)


def zeros(shape: Any, dtype: Any = None) -> TensorVariable:
    """A new array of zeros (dtype floatX unless given)."""
    return full(shape, 0, dtype=dtype_name(dtype))


def ones(shape: Any, dtype: Any = None) -> TensorVariable:
    """A new array of ones (dtype floatX unless given)."""
    return full(shape, 1, dtype=dtype_name(dtype))


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> TensorVariable:
    """An array shaped like `x` filled with `fill_value`, of x's dtype unless given."""
    x = as_tensor_variable(x)
    return _alloc(_value_as(fill_value, x.dtype if dtype is None else dtype_name(dtype)),
                  *lengths_of(x))


def zeros_like(x: Any, dtype: Any = None) -> TensorVariable:
    return full_like(x, 0, dtype)


def ones_like(x: Any, dtype: Any = None) -> TensorVariable:
    return full_like(x, 1, dtype)


def fill(model: Any, value: Any) -> TensorVariable:
    """`value` broadcast against `model`'s shape (Theano's fill/second): the shape of
    broadcasting both, the dtype of `value`."""
    model, value = as_tensor_variable(model), as_tensor_variable(value)
    lengths = broadcast_symbolic_shape([model, value], [None, None])
    return _alloc(value, *lengths)


def second(a: Any, b: Any) -> TensorVariable:
    """Theano's second(a, b): `b` broadcast to the shape of `a` (and `b`)."""
    return fill(a, b)


def tensor_copy(x: Any) -> TensorVariable:
    """An explicit copy of `x` (never shares memory with it)."""
    return TensorCopy()(x)


class TensorCopy(Op):
    """TensorCopy()(x): a copy of x."""

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type.make_variable()])

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def perform(self, node, inputs):
        return [np.array(inputs[0], copy=True)]

    def L_op(self, inputs, outputs, output_grads):
        """The identity: the gradient passes through."""
        return [output_grads[0]]

    def R_op(self, inputs, eval_points):
        return _apply_to_tangent(self, eval_points)


# -- ranges and matrices: arange, eye, tril/triu, diagonal ----------------------------------------


class ARange(Op):
    """ARange(dtype)(start, stop, step): evenly spaced values, as numpy.arange."""

    __props__ = ("dtype",)

    def __init__(self, dtype: Any):
        self.dtype = dtype_name(dtype)

    def make_node(self, start: Any, stop: Any, step: Any) -> Apply:
        args = [as_tensor_variable(v) for v in (start, stop, step)]
        for name, v in zip(("start", "stop", "step"), args):
            if v.ndim != 0 or dtype_kind(v.dtype) == "complex":
                raise TypeError(f"arange: {name} {v.describe()} is {v.type.describe_value()}; "
                                f"expected a real scalar")
        known = [_constant_number(v) for v in args]
        if known[2] == 0:
            raise ValueError("arange: step must not be zero")
        length = None
        if None not in known:
            length = max(0, math.ceil((known[1] - known[0]) / known[2]))
        return Apply(self, args, [TensorType(self.dtype, (length,)).make_variable()])

    def infer_shape(self, node, input_shapes):
        start, stop, step = node.inputs
        if all(dtype_kind(v.dtype) in ("int", "bool") for v in node.inputs):
            start, stop, step = (as_length(tm.cast(v, "int64") if v.dtype == "bool" else v, "arange")
                                 for v in node.inputs)
            length = arith("neg", arith("int_div", arith("sub", start, stop), step))  # ceil
        else:
            length = tm.cast(tm.ceil(tm.true_div(tm.sub(stop, start), step)), "int64")
        return [(arith("maximum", length, 0),)]

    def perform(self, node, inputs):
        start, stop, step = (np.asarray(v).item() for v in inputs)
        return [np.arange(start, stop, step, dtype=numpy_dtype(self.dtype))]

    def L_op(self, inputs, outputs, output_grads):
        """out[i] = start + i * step: d start = sum(g), d step = sum(i * g). `stop` only
        sets the length, a step function of it: its gradient is zero. An integer range
        has no gradient."""
        start, stop, step = inputs
        if dtype_kind(self.dtype) != "float":
            return [None] * 3
        (g,) = output_grads
        return [tsum(g), zeros_like(stop), tsum(g * self._index(outputs[0]))]

    def R_op(self, inputs, eval_points):
        """d out = d start + i * d step."""
        d_start, _, d_step = eval_points
        if dtype_kind(self.dtype) != "float" or (d_start is None and d_step is None):
            return [None]
        out = self(*inputs)
        parts = [] if d_start is None else [_cast(d_start, self.dtype)]
        if d_step is not None:
            parts.append(self._index(out) * _cast(d_step, self.dtype))
        total = parts[0] if len(parts) == 1 else parts[0] + parts[1]
        return [total if total.ndim == 1 else alloc(total, dim_length(out, 0))]

    def _index(self, out: TensorVariable) -> TensorVariable:
        """0, 1, ... len(out) - 1, of the op's dtype."""
        return ARange(self.dtype)(0, dim_length(out, 0), 1)


def _constant_number(v: Any) -> Any:
    try:
        return get_scalar_constant_value(v)
    except NotScalarConstantError:
        return None


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> TensorVariable:
    """Values from `start` (0 when only one bound is given) up to `stop`, by `step`.
    The dtype is NumPy's: int64 for integer bounds; for float bounds float64, or floatX
    when no bound is a float64 variable."""
    if stop is None:
        start, stop = 0, start
    args = [as_tensor_variable(v) for v in (start, stop, step)]
    if dtype is None:
        kinds = [dtype_kind(v.dtype) for v in args]
        if "complex" in kinds:
            raise TypeError("arange: complex bounds are not supported")
        if "float" not in kinds:
            dtype = "int64"
        elif any(v.dtype == "float64" and not (isinstance(v, TensorConstant) and v.weak)
                 for v in args):
            dtype = "float64"
        else:
            dtype = config.floatX
    return ARange(dtype)(*args)


class Eye(Op):
    """Eye(dtype)(n, m, k): an n x m matrix with ones on diagonal k, zeros elsewhere."""

    __props__ = ("dtype",)

    def __init__(self, dtype: Any):
        self.dtype = dtype_name(dtype)

    def make_node(self, n: Any, m: Any, k: Any) -> Apply:
        n, m, k = as_length(n, "eye"), as_length(m, "eye"), as_length(k, "eye")
        shape = (static_value(n), static_value(m))
        if any(s is not None and s < 0 for s in shape):
            raise ValueError(f"eye: negative dimensions {shape}")
        return Apply(self, [n, m, k], [TensorType(self.dtype, shape).make_variable()])

    def infer_shape(self, node, input_shapes):
        return [tuple(node.inputs[:2])]

    def perform(self, node, inputs):
        n, m, k = (int(v) for v in inputs)
        return [np.eye(n, m, k, dtype=numpy_dtype(self.dtype))]

    def L_op(self, inputs, outputs, output_grads):
        """The inputs are integer lengths: disconnected."""
        return [disconnected_type() for _ in inputs]

    def R_op(self, inputs, eval_points):
        return [None]


def eye(n: Any, m: Any = None, k: Any = 0, dtype: Any = None) -> TensorVariable:
    """An n x m (n x n) matrix of `dtype` (floatX) with ones on diagonal `k`."""
    return Eye(dtype_name(dtype))(n, n if m is None else m, k)


def identity_like(x: Any) -> TensorVariable:
    """The identity matrix of x's shape and dtype."""
    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise TypeError(f"identity_like: {x.describe()} is {x.type.describe_value()}; expected "
                        f"a matrix")
    return eye(dim_length(x, 0), dim_length(x, 1), 0, x.dtype)


class TriangularPart(Op):
    """TriangularPart(lower)(x, k): x with the elements above (lower=True: tril) or below
    (triu) diagonal k set to zero, in its last two dimensions."""

    __props__ = ("lower",)

    def __init__(self, lower: bool):
        self.lower = bool(lower)

    def __str__(self) -> str:
        return "Tril" if self.lower else "Triu"

    def make_node(self, x: Any, k: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim < 2:
            raise TypeError(f"{'tril' if self.lower else 'triu'}: {x.describe()} is "
                            f"{x.type.describe_value()}; expected at least 2 dims")
        return Apply(self, [x, as_length(k, str(self))], [x.type.make_variable()])

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def perform(self, node, inputs):
        x, k = inputs
        return [(np.tril if self.lower else np.triu)(x, int(k))]

    def L_op(self, inputs, outputs, output_grads):
        """A mask, its own transpose: dx = the gradient with the same part zeroed."""
        return [self(output_grads[0], inputs[1]), disconnected_type()]

    def R_op(self, inputs, eval_points):
        return _apply_to_tangent(self, eval_points, inputs[1])


def tril(x: Any, k: Any = 0) -> TensorVariable:
    """The lower triangle of `x` (elements above diagonal k are zero)."""
    return TriangularPart(True)(x, k)


def triu(x: Any, k: Any = 0) -> TensorVariable:
    """The upper triangle of `x` (elements below diagonal k are zero)."""
    return TriangularPart(False)(x, k)


class Diagonal(Op):
    """Diagonal(offset, axis1, axis2)(x): the diagonal of x over axis1 and axis2, as
    numpy.diagonal (those axes removed, the diagonal last). A view of x."""

    __props__ = ("offset", "axis1", "axis2")
    view_map = {0: 0}

    def __init__(self, offset: int = 0, axis1: int = 0, axis2: int = 1):
        self.offset, self.axis1, self.axis2 = int(offset), int(axis1), int(axis2)
        if self.axis1 == self.axis2 or min(self.axis1, self.axis2) < 0:
            raise ValueError(f"Diagonal: axis1 and axis2 must be distinct non-negative dims; "
                             f"got {self.axis1}, {self.axis2}")

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim < 2 or max(self.axis1, self.axis2) >= x.ndim:
            raise AxisError(f"diagonal over axes {self.axis1}, {self.axis2}: {x.describe()} has "
                            f"{x.ndim} dims")
        shape = x.type.shape
        n1, n2 = shape[self.axis1], shape[self.axis2]
        length = None if None in (n1, n2) else _diagonal_length(n1, n2, self.offset)
        rest = tuple(s for i, s in enumerate(shape) if i not in (self.axis1, self.axis2))
        return Apply(self, [x], [TensorType(x.dtype, rest + (length,)).make_variable()])

    def infer_shape(self, node, input_shapes):
        (shape,) = input_shapes
        n1, n2 = shape[self.axis1], shape[self.axis2]
        rest = tuple(s for i, s in enumerate(shape) if i not in (self.axis1, self.axis2))
        if self.offset >= 0:
            length = arith("minimum", n1, arith("sub", n2, self.offset))
        else:
            length = arith("minimum", arith("add", n1, self.offset), n2)
        return [rest + (arith("maximum", length, 0),)]

    def perform(self, node, inputs):
        return [np.diagonal(inputs[0], self.offset, self.axis1, self.axis2)]

    def L_op(self, inputs, outputs, output_grads):
        """dx = zeros shaped like x with the gradient written on the diagonal."""
        (x,), (g,) = inputs, output_grads
        return [SetDiagonal(*self._props())(zeros_like(x, dtype=g.dtype), g)]

    def R_op(self, inputs, eval_points):
        return _apply_to_tangent(self, eval_points)


ExtractDiag = Diagonal  # Theano's name


class SetDiagonal(Op):
    """SetDiagonal(offset, axis1, axis2)(x, v): a copy of x with the diagonal that
    Diagonal(offset, axis1, axis2) reads replaced by v (torch.diagonal_scatter). The
    transpose of reading the diagonal: Diagonal's gradient."""

    __props__ = ("offset", "axis1", "axis2")

    def __init__(self, offset: int = 0, axis1: int = 0, axis2: int = 1):
        self.offset, self.axis1, self.axis2 = Diagonal(offset, axis1, axis2)._props()

    def make_node(self, x: Any, v: Any) -> Apply:
        x, v = as_tensor_variable(x), as_tensor_variable(v)
        diag = Diagonal(*self._props())(x)
        if v.ndim != diag.ndim:
            raise TypeError(f"set_diagonal: {v.describe()} has {v.ndim} dims; the diagonal of "
                            f"{x.describe()} has {diag.ndim}")
        for m, n in zip(v.type.shape, diag.type.shape):
            if None not in (m, n) and m != n:
                raise ValueError(f"set_diagonal: {v.describe()} of shape {fmt_shape(v.type.shape)} "
                                 f"does not fit the diagonal of {x.describe()}, of shape "
                                 f"{fmt_shape(diag.type.shape)}")
        if promote(x.dtype, v.dtype) != x.dtype:
            raise TypeError(f"set_diagonal: {v.describe()} ({v.dtype}) does not fit in "
                            f"{x.describe()} ({x.dtype}) without loss; cast it first")
        return Apply(self, [x, _cast(v, x.dtype)], [x.type.make_variable()])

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def perform(self, node, inputs):
        x, v = inputs
        out = np.array(x, copy=True)
        n = np.shape(v)[-1]
        rows = np.arange(n) + max(-self.offset, 0)
        cols = np.arange(n) + max(self.offset, 0)
        np.moveaxis(out, (self.axis1, self.axis2), (-2, -1))[..., rows, cols] = v
        return [out]

    def L_op(self, inputs, outputs, output_grads):
        """dx = the gradient with the diagonal zeroed; dv = the gradient's diagonal."""
        x, v = inputs
        (g,) = output_grads
        return [self(g, zeros_like(v, dtype=g.dtype)), Diagonal(*self._props())(g)]

    def R_op(self, inputs, eval_points):
        """Linear in (x, v): the same write of v's tangent into x's (a missing one is zero)."""
        (x, v), (dx, dv) = inputs, eval_points
        if dx is None and dv is None:
            return [None]
        dx = zeros_like(x) if dx is None else _cast(dx, x.dtype)
        return [self(dx, zeros_like(v, dtype=x.dtype) if dv is None else _cast(dv, x.dtype))]


def _diagonal_length(n1: int, n2: int, offset: int) -> int:
    return max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> TensorVariable:
    """The diagonal `offset` of `x` over `axis1`, `axis2` (numpy.diagonal)."""
    x = as_tensor_variable(x)
    if x.ndim < 2:
        raise TypeError(f"diagonal: {x.describe()} is {x.type.describe_value()}; expected at "
                        f"least 2 dims")
    a1, a2 = (normalize_axis(a, x.ndim, x, "diagonal") for a in (axis1, axis2))
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 of {x.describe()} are the same ({a1})")
    return Diagonal(_python_int(offset, "diagonal offset"), a1, a2)(x)


def _python_int(v: Any, what: str) -> int:
    value = static_value(v)
    if value is None:
        raise TypeError(f"{what} must be a Python int (or an integer constant); got {v!r}")
    return value


class AllocDiag(Op):
    """AllocDiag(offset)(v): a square matrix with v on diagonal `offset`, zeros elsewhere."""

    __props__ = ("offset",)

    def __init__(self, offset: int = 0):
        self.offset = int(offset)

    def make_node(self, v: Any) -> Apply:
        v = as_tensor_variable(v)
        if v.ndim != 1:
            raise TypeError(f"AllocDiag: {v.describe()} is {v.type.describe_value()}; expected "
                            f"a vector")
        n = v.type.shape[0]
        n = None if n is None else n + abs(self.offset)
        return Apply(self, [v], [TensorType(v.dtype, (n, n)).make_variable()])

    def infer_shape(self, node, input_shapes):
        n = arith("add", input_shapes[0][0], abs(self.offset))
        return [(n, n)]

    def perform(self, node, inputs):
        return [np.diag(inputs[0], self.offset)]

    def L_op(self, inputs, outputs, output_grads):
        """dv = the gradient's diagonal `offset`."""
        return [Diagonal(self.offset)(output_grads[0])]

    def R_op(self, inputs, eval_points):
        return _apply_to_tangent(self, eval_points)


def diag(v: Any, k: int = 0) -> TensorVariable:
    """numpy.diag: a vector's diagonal matrix, or a matrix's diagonal `k`."""
    v = as_tensor_variable(v)
    if v.ndim == 1:
        return AllocDiag(_python_int(k, "diag k"))(v)
    if v.ndim == 2:
        return diagonal(v, k)
    raise ValueError(f"diag: {v.describe()} is {v.type.describe_value()}; expected a vector or "
                     f"a matrix")


def trace(x: Any) -> TensorVariable:
    """The sum of the main diagonal of a matrix."""
    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise TypeError(f"trace: {x.describe()} is {x.type.describe_value()}; expected a matrix")
    return diagonal(x).sum()



"""Reductions: one `Reduce` op over a table of kinds (sum prod max min all any), `ArgReduce`
(argmax, argmin), `SumTo` (the reverse of broadcasting, for gradients), and the graphs made
of them (mean, var, std, logsumexp, norm).

Part of the tensor op library, like `elemwise.py`: a kind is a row, everything shared by the
rows (axes, shapes, keepdims, derivatives) is written once. Torch rules: link/torch/reduction.py.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce as _fold
from typing import Any

import numpy as np

from ..gradient import disconnected_type
from ..graph.basic import Apply, Op, Variable
from .basic import as_tensor_variable, constant
from .elemwise import DimShuffle
from .math import abs_, cast, eq, exp, isinf, log, neq, sqr, sqrt, switch
from .scalar import dtype_kind, promote, real_dtype
from .type import TensorType, complex_dtypes, discrete_dtypes, dtype_name, numpy_dtype
from .variable import TensorConstant, TensorVariable

__all__ = ["Reduce", "ArgReduce", "SumTo", "sum_to", "sum", "prod", "max", "min", "all", "any",
           "argmax", "argmin", "max_and_argmax", "mean", "var", "std", "logsumexp", "norm"]

# -- axes ----------------------------------------------------------------------------------


def normalize_axis(axis: Any, x: Variable, what: str) -> int:
    """One axis of `x` as a non-negative int (negative axes count from the end)."""
    ndim = x.ndim
    if isinstance(axis, TensorConstant) and axis.data.ndim == 0:
        axis = axis.data.item()
    if isinstance(axis, Variable):
        raise TypeError(f"{what}: the axis must be known while the graph is built; got the "
                        f"symbolic {axis.describe()}")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{what}: an axis must be an int; got {axis!r} for {x.describe()}")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{what}: axis {axis} is out of range for {x.describe()}, which has {ndim} "
            f"dimension{'s' if ndim != 1 else ''} (valid: {-ndim} to {ndim - 1})"
            if ndim else f"{what}: axis {axis} is out of range for the 0-d {x.describe()}")
    return int(axis) % ndim


def normalize_axes(axis: Any, x: Variable, what: str) -> tuple[int, ...]:
    """`axis` (None for all, an int, or a sequence of ints) as a sorted tuple of
    non-negative ints; duplicates and out-of-range axes are errors naming `x`."""
    if axis is None:
        return tuple(range(x.ndim))
    if isinstance(axis, TensorConstant):
        axis = axis.data.tolist()
    if isinstance(axis, np.ndarray):
        axis = axis.tolist()
    if not isinstance(axis, (list, tuple)):
        axis = (axis,)
    axes = [normalize_axis(a, x, what) for a in axis]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{what}: repeated axis in {tuple(axis)} for {x.describe()}")
    return tuple(sorted(axes))


def _drop_axes(shape: tuple, axes: tuple[int, ...]) -> tuple:
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def keep_reduced_dims(out: TensorVariable, axes: tuple[int, ...], ndim: int) -> TensorVariable:
    """Put back, as length-1 dimensions, the `axes` a reduction of an `ndim`-d array removed."""
    kept = iter(range(out.ndim))
    pattern = ["x" if i in axes else next(kept) for i in range(ndim)]
    return DimShuffle(out.ndim, pattern)(out)


def _op_axes(axis: Any, what: str) -> tuple[int, ...] | None:
    """An op's axes: None or sorted non-negative ints (the functions normalize negative
    ones against the input's rank, which the op does not know)."""
    if axis is None:
        return None
    axes = tuple(sorted(int(a) for a in axis))
    if builtins.any(a < 0 for a in axes) or len(set(axes)) != len(axes):
        raise ValueError(f"{what}: the op takes distinct non-negative axes, got {tuple(axis)}; "
                         f"T.{what} accepts negative ones")
    return axes


# -- the table of reductions ----------------------------------------------------------------


def _accumulating(dtype: str) -> str:
    """sum and prod: booleans and integers accumulate in int64; other dtypes are kept."""
    return "int64" if dtype in discrete_dtypes else dtype


def _ordered(dtype: str) -> str:
    if dtype in complex_dtypes:
        raise TypeError(f"complex numbers have no order (got {dtype})")
    return dtype


def _to_bool(dtype: str) -> str:
    return "bool"


def _extreme_partials(x: TensorVariable, out: TensorVariable, axes: tuple[int, ...]):
    """max and min: 1/k at each of the k positions equal to the extreme, 0 elsewhere: tied
    extremes share the gradient evenly, as torch's amax/amin (a NaN extreme gives NaN)."""
    hit = cast(eq(x, out), x.dtype)
    return hit / sum(hit, axes, keepdims=True)


def _prod_partials(x: TensorVariable, out: TensorVariable, axes: tuple[int, ...]):
    """prod: the product of the other elements, without dividing by zero. With P the
    product of the nonzero elements and Z that of the zero ones (1 when there are none):
    at a nonzero x_i, P / x_i * Z (prod / x without zeros, else 0); at a zero, P if it is
    the only one, else 0. Z is kept as a product (not the number 0) so that the second
    derivatives are exact too, except between two zeros when there are two or more."""
    zero = eq(x, 0)
    nonzero = switch(zero, constant(1, dtype=x.dtype), x)
    rest = prod(nonzero, axes, keepdims=True)
    zeros = prod(switch(zero, x, 1), axes, keepdims=True)
    alone = eq(sum(zero, axes, keepdims=True), 1)
    return switch(zero, switch(alone, rest, 0), rest / nonzero * zeros)


Partials = Callable[[TensorVariable, TensorVariable, tuple[int, ...]], TensorVariable]


@dataclass(frozen=True)
class ReduceKind:
    """One reduction: its NumPy reference, the dtype of its result, and d out / d x.

    `partials(x, out, axes)` gives d out / d x shaped like x (`out` with the reduced axes
    kept, of length 1); the number 1 means the gradient passes through (sum); None means
    there is none (all, any: boolean results).
    """

    name: str
    numpy: Callable[[np.ndarray, tuple[int, ...], np.dtype], np.ndarray]
    dtype_rule: Callable[[str], str]
    python: Callable  # the plain-Python form, for shape arithmetic (prod of a shape)
    partials: Partials | int | None


REDUCTIONS: dict[str, ReduceKind] = {k.name: k for k in [
    ReduceKind("sum", lambda x, axes, dt: np.sum(x, axis=axes, dtype=dt), _accumulating,
               builtins.sum, 1),
    ReduceKind("prod", lambda x, axes, dt: np.prod(x, axis=axes, dtype=dt), _accumulating,
               lambda v: _fold(operator.mul, v, 1), _prod_partials),
    ReduceKind("max", lambda x, axes, dt: np.max(x, axis=axes), _ordered, builtins.max,
               _extreme_partials),
    ReduceKind("min", lambda x, axes, dt: np.min(x, axis=axes), _ordered, builtins.min,
               _extreme_partials),
    ReduceKind("all", lambda x, axes, dt: np.all(x, axis=axes), _to_bool, builtins.all, None),
    ReduceKind("any", lambda x, axes, dt: np.any(x, axis=axes), _to_bool, builtins.any, None),
]}


class _OverAxes(Op):
    """What Reduce and ArgReduce share: a `kind` and the axes (None for all) they work
    over, a name `label` for printing and errors, and the input check naming x."""

    __props__ = ("kind", "axis")
    label: str

    def __str__(self) -> str:
        return self.label if self.axis is None else f"{self.label}{{axis={list(self.axis)}}}"

    def axes(self, ndim: int) -> tuple[int, ...]:
        return tuple(range(ndim)) if self.axis is None else self.axis

    def _input(self, x: Any, what: str) -> TensorVariable:
        x = as_tensor_variable(x)
        if self.axis is not None:
            normalize_axes(self.axis, x, what)  # range check, naming x
        return x


class Reduce(_OverAxes):
    """Reduce `x` over `axis` (a tuple of ints; None for all) with one of `REDUCTIONS`.

    sum and prod of booleans and integers give int64 (uint8 too: there is no
    uint64 here), other dtypes are kept; max and min keep the dtype and refuse
    complex inputs; all and any give bool. Reducing no axis (`axis=()`) applies
    only the dtype rule. An empty sum is 0, an empty prod 1; max and min of an
    empty array raise when the function runs, as in NumPy.
    """

    def __init__(self, kind: str, axis: tuple[int, ...] | None = None):
        if kind not in REDUCTIONS:
            raise ValueError(f"unknown reduction {kind!r}; expected one of {', '.join(REDUCTIONS)}")
        self.kind = kind
        self.axis = _op_axes(axis, str(self.kind))
        self.label = kind.capitalize()

    def make_node(self, x: Any) -> Apply:
        x = self._input(x, self.kind)
        try:
            out_dtype = REDUCTIONS[self.kind].dtype_rule(x.dtype)
        except TypeError as err:
            raise TypeError(f"{self.kind}({x.describe()}): {err}") from None
        shape = _drop_axes(x.type.shape, self.axes(x.ndim))
        return Apply(self, [x], [TensorType(out_dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [_drop_axes(input_shapes[0], self.axes(node.inputs[0].ndim))]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        out_dtype = numpy_dtype(node.outputs[0].dtype)
        out = REDUCTIONS[self.kind].numpy(np.asarray(inputs[0]), self.axes(node.inputs[0].ndim),
                                          out_dtype)
        return [np.asarray(out).astype(out_dtype, copy=False)]

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable | None]:
        """dx = the output gradient spread back over the reduced axes, times the kind's
        partials (see `ReduceKind`). Integer and boolean inputs get none."""
        (x,), (out,), (g,) = inputs, outputs, output_grads
        partials = REDUCTIONS[self.kind].partials
        if partials is None or x.dtype in discrete_dtypes:
            return [None]
        axes = self.axes(x.ndim)
        g = keep_reduced_dims(g, axes, x.ndim)
        if partials == 1:
            return [_spread(g, x) if axes else g]
        return [g * partials(x, keep_reduced_dims(out, axes, x.ndim), axes)]

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[Variable | None]:
        """sum is linear (the sum of the tangent); the others sum partials * tangent."""
        (x,), (v,) = inputs, eval_points
        partials = REDUCTIONS[self.kind].partials
        if v is None or partials is None or x.dtype in discrete_dtypes:
            return [None]
        if partials == 1:
            return [self(v)]
        axes = self.axes(x.ndim)
        out = keep_reduced_dims(self(x), axes, x.ndim)
        return [Reduce("sum", self.axis)(partials(x, out, axes) * v)]


def _spread(g: TensorVariable, x: TensorVariable) -> TensorVariable:
    """g (x's rank, length 1 on reduced axes) broadcast to x's shape, as a new array."""
    from .construction import alloc
    from .shape import dim_length
    return alloc(g, *[dim_length(x, i) for i in range(x.ndim)])


class ArgReduce(_OverAxes):
    """argmax or argmin (`kind` 'max' or 'min') over `axis`, a tuple of ints (None for all).

    The int64 result indexes the reduced axes flattened together in order (for
    axis=None, the flattened array, as NumPy's). Ties give the first index, NaN
    counts as the extreme. Empty reductions raise when the function runs.
    """

    def __init__(self, kind: str, axis: tuple[int, ...] | None = None):
        if kind not in ("max", "min"):
            raise ValueError(f"ArgReduce: kind must be 'max' or 'min', got {kind!r}")
        self.kind = kind
        self.axis = _op_axes(axis, f"arg{kind}")
        self.label = f"Arg{kind}"

    def make_node(self, x: Any) -> Apply:
        x = self._input(x, f"arg{self.kind}")
        if x.dtype in complex_dtypes:
            raise TypeError(f"arg{self.kind}({x.describe()}): complex numbers have no order")
        shape = _drop_axes(x.type.shape, self.axes(x.ndim))
        return Apply(self, [x], [TensorType("int64", shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [_drop_axes(input_shapes[0], self.axes(node.inputs[0].ndim))]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        x = np.asarray(inputs[0])
        axes = self.axes(x.ndim)
        kept = [i for i in range(x.ndim) if i not in axes]
        x = np.transpose(x, kept + list(axes)).reshape([x.shape[i] for i in kept] + [-1])
        fn = np.argmax if self.kind == "max" else np.argmin
        return [fn(x, axis=-1).astype(np.int64)]

    def L_op(self, inputs, outputs, output_grads):
        """An index does not vary smoothly with x: disconnected."""
        return [disconnected_type()]

    def R_op(self, inputs, eval_points):
        return [None]


class SumTo(Op):
    """SumTo()(x, *lengths): x summed over each dimension whose target length is 1 where
    x's is not, keeping it (of length 1): the reverse of broadcasting an array of those
    lengths to x's shape, as torch's `sum_to_size`. Gradients use it to send a gradient
    back to an operand that was broadcast when the function ran. Every target length
    must be 1 or x's length; this is checked when the graph is built where the lengths
    are known, else when it runs. When nothing is summed the result is x itself.
    """

    view_map = {0: 0}

    def make_node(self, x: Any, *lengths: Any) -> Apply:
        from .shape import as_length, static_value
        x = as_tensor_variable(x)
        lengths = [as_length(n, "sum_to") for n in lengths]
        if len(lengths) != x.ndim:
            raise TypeError(f"sum_to: {x.describe()} has {x.ndim} dimensions but {len(lengths)} "
                            f"target lengths were given")
        shape = []
        for d, (n, m) in enumerate(zip(lengths, x.type.shape)):
            k = static_value(n)
            if k is not None and m is not None and k not in (1, m):
                raise ValueError(f"sum_to: dimension {d} of {x.describe()} has length {m}; it "
                                 f"cannot be summed to length {k} (only to 1 or {m})")
            shape.append(k if k is not None else 1 if m == 1 else None)
        return Apply(self, [x, *lengths], [TensorType(x.dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [tuple(node.inputs[1:])]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        x, *lengths = inputs
        return [sum_to_lengths(np.asarray(x), [int(n) for n in lengths])]

    def L_op(self, inputs, outputs, output_grads):
        """Broadcasting back: the gradient spread over x's shape; lengths are disconnected."""
        x, *lengths = inputs
        return [_spread(output_grads[0], x), *(disconnected_type() for _ in lengths)]

    def R_op(self, inputs, eval_points):
        x, *lengths = inputs
        return [None if eval_points[0] is None else self(eval_points[0], *lengths)]


def sum_to_lengths(x: np.ndarray, lengths: list[int]) -> np.ndarray:
    """NumPy reference of SumTo: sum (keeping dims) where the target length is 1."""
    axes = tuple(d for d, (n, m) in enumerate(zip(lengths, x.shape)) if n == 1 and m != 1)
    out = np.sum(x, axis=axes, keepdims=True, dtype=x.dtype) if axes else x.copy()
    if tuple(out.shape) != tuple(lengths):
        raise ValueError(f"sum_to: an array of shape {x.shape} cannot be summed to shape "
                         f"{tuple(lengths)}")
    return out


def sum_to(x: Any, like: Any) -> TensorVariable:
    """x summed back to the shape of `like` (a variable of x's rank, or a sequence of
    lengths): the transpose of broadcasting `like` to x's shape."""
    x = as_tensor_variable(x)
    if isinstance(like, Variable):
        from .shape import dim_length
        like = as_tensor_variable(like)
        if like.ndim != x.ndim:
            raise TypeError(f"sum_to: {like.describe()} has {like.ndim} dimensions; "
                            f"{x.describe()} has {x.ndim}")
        if like.type.shape == x.type.shape and None not in x.type.shape:
            return x
        like = [dim_length(like, i) for i in range(like.ndim)]
    return SumTo()(x, *like)


# -- the functions -------------------------------------------------------------------------


def _reduce(kind: str, x: Any, axis: Any, keepdims: bool, dtype: Any = None,
            acc_dtype: Any = None) -> TensorVariable:
    x = as_tensor_variable(x)
    axes = normalize_axes(axis, x, kind)
    default_out = REDUCTIONS[kind].dtype_rule(x.dtype) if kind in ("sum", "prod") else None
    if acc_dtype is not None:
        acc_dtype = dtype_name(acc_dtype)
        if promote(x.dtype, acc_dtype) != acc_dtype:
            raise TypeError(f"{kind}: acc_dtype {acc_dtype} would lose precision on "
                            f"{x.describe()} of dtype {x.dtype}")
        x = cast(x, acc_dtype)
    elif dtype is not None:
        x = cast(x, dtype)  # as NumPy: accumulate in the dtype asked for
    out = Reduce(kind, axes)(x)
    if dtype is not None:
        out = cast(out, dtype)
    elif acc_dtype is not None:
        out = cast(out, default_out)
    return keep_reduced_dims(out, axes, x.ndim) if keepdims else out


def sum(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False,  # noqa: A001
        acc_dtype: Any = None) -> TensorVariable:
    """Sum over `axis` (None: all). Booleans and integers give int64, as NumPy on
    64-bit platforms. `dtype` is the result's dtype (and the accumulator's, as in
    NumPy); `acc_dtype` (Theano) an accumulator at least as precise as `x`."""
    return _reduce("sum", x, axis, keepdims, dtype, acc_dtype)


def prod(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False,
         acc_dtype: Any = None, no_zeros_in_input: bool = False) -> TensorVariable:
    """Product over `axis` (None: all); dtypes as `sum`."""
    return _reduce("prod", x, axis, keepdims, dtype, acc_dtype)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> TensorVariable:  # noqa: A001
    """Largest element over `axis` (None: all); NaN propagates. Keeps the dtype."""
    return _reduce("max", x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> TensorVariable:  # noqa: A001
    """Smallest element over `axis` (None: all); NaN propagates. Keeps the dtype."""
    return _reduce("min", x, axis, keepdims)


def all(x: Any, axis: Any = None, keepdims: bool = False) -> TensorVariable:  # noqa: A001
    """True where every element over `axis` is nonzero (bool result)."""
    return _reduce("all", x, axis, keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> TensorVariable:  # noqa: A001
    """True where some element over `axis` is nonzero (bool result)."""
    return _reduce("any", x, axis, keepdims)


def _arg(kind: str, x: Any, axis: Any, keepdims: bool) -> TensorVariable:
    x = as_tensor_variable(x)
    axes = normalize_axes(axis, x, f"arg{kind}")
    out = ArgReduce(kind, axes)(x)
    return keep_reduced_dims(out, axes, x.ndim) if keepdims else out


def argmax(x: Any, axis: Any = None, keepdims: bool = False) -> TensorVariable:
    """Index (int64) of the largest element over `axis`; None indexes the flattened array."""
    return _arg("max", x, axis, keepdims)


def argmin(x: Any, axis: Any = None, keepdims: bool = False) -> TensorVariable:
    """Index (int64) of the smallest element over `axis`; None indexes the flattened array."""
    return _arg("min", x, axis, keepdims)


def max_and_argmax(x: Any, axis: Any = None, keepdims: bool = False) -> list[TensorVariable]:
    """[max(x, axis), argmax(x, axis)] (Theano's MaxAndArgmax, as two nodes)."""
    return [max(x, axis, keepdims), argmax(x, axis, keepdims)]


# -- graphs of reductions ----------------------------------------------------------------


def _count(x: TensorVariable, axes: tuple[int, ...], dtype: str) -> Any:
    """The number of elements over `axes` of `x`: a Python int when the lengths are
    static, else a `dtype` scalar computed from the symbolic shape."""
    static = [x.type.shape[i] for i in axes]
    if builtins.all(s is not None for s in static):
        return _fold(operator.mul, static, 1)
    from .shape import Shape_i  # imported late, as shape.py may build reductions
    lengths = [Shape_i(i)(x) if s is None else s for i, s in zip(axes, static)]
    return cast(_fold(operator.mul, lengths), dtype)


def _float_dtype(dtype: str) -> str:
    """The dtype mean and var compute in: float64 for booleans and integers, float32
    for float16 (NumPy's intermediate), else the input's."""
    if dtype in discrete_dtypes:
        return "float64"
    return "float32" if dtype == "float16" else dtype


def mean(x: Any, axis: Any = None, dtype: Any = None, op: bool = False, keepdims: bool = False,
         acc_dtype: Any = None) -> TensorVariable:
    """Arithmetic mean over `axis`, as sum / count. Booleans and integers give
    float64, floats keep their dtype; `dtype` sets the result's (as NumPy). `op`
    (Theano's choice of a Mean op) is accepted and ignored: the graph is the same."""
    x = as_tensor_variable(x)
    axes = normalize_axes(axis, x, "mean")
    if dtype is not None:
        out_dtype = dtype_name(dtype)
        work = out_dtype if dtype_kind(out_dtype) in ("float", "complex") else "float64"
    else:
        out_dtype = x.dtype if x.dtype not in discrete_dtypes else "float64"
        work = _float_dtype(x.dtype)
    total = sum(x, axes, dtype=work if acc_dtype is None else None, acc_dtype=acc_dtype)
    total = cast(total, work)
    out = cast(total / _count(x, axes, real_dtype(work)), out_dtype)
    return keep_reduced_dims(out, axes, x.ndim) if keepdims else out


def _abs2(d: TensorVariable) -> TensorVariable:
    return sqr(abs_(d)) if d.dtype in complex_dtypes else sqr(d)


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False,
        corrected: bool = False) -> TensorVariable:
    """Variance over `axis`: sum(|x - mean|^2) / (N - ddof), as NumPy (real for
    complex inputs, float64 for integers). `corrected` (Theano) subtracts the
    rounding error of the mean: the corrected two-pass algorithm."""
    x = as_tensor_variable(x)
    axes = normalize_axes(axis, x, "var")
    if x.dtype in discrete_dtypes:
        x = cast(x, "float64")
    work = real_dtype(x.dtype)
    centered = x - mean(x, axes, keepdims=True)
    n = _count(x, axes, work)
    out = sum(_abs2(centered), axes, keepdims=keepdims) / (n - ddof)
    if corrected:
        out = out - _abs2(sum(centered, axes, keepdims=keepdims)) / (n * (n - ddof))
    return out


def std(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False,
        corrected: bool = False) -> TensorVariable:
    """Standard deviation: sqrt(var(x, axis, ddof, keepdims, corrected))."""
    return sqrt(var(x, axis, ddof, keepdims, corrected))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> TensorVariable:
    """log(sum(exp(x), axis)), computed stably: the largest element is taken out
    first, so large inputs do not overflow (integers compute in float64)."""
    x = as_tensor_variable(x)
    axes = normalize_axes(axis, x, "logsumexp")
    if x.dtype in discrete_dtypes:
        x = cast(x, "float64")
    if x.dtype in complex_dtypes:
        raise TypeError(f"logsumexp({x.describe()}): complex inputs are not supported")
    top = max(x, axes, keepdims=True)
    top = switch(isinf(top), constant(0, dtype=x.dtype), top)  # all -inf, or an inf: no shift
    out = log(sum(exp(x - top), axes, keepdims=True)) + top
    if not keepdims:
        out = DimShuffle(out.ndim, [i for i in range(out.ndim) if i not in axes])(out)
    return out


def norm(x: Any, ord: Any = None, axis: Any = None,  # noqa: A002
         keepdims: bool = False) -> TensorVariable:
    """The p-norm of the elements over `axis` (None: all), taken as one vector, as
    Theano's `x.norm(L, axis)`: `ord` None, 2 or 'fro' (square root of the sum of
    squares), 1, inf, -inf, 0 (count of nonzeros) or any other p. Matrix norms
    (spectral, nuclear, induced) are T.nlinalg.norm's. Integers give float64."""
    x = as_tensor_variable(x)
    axes = normalize_axes(axis, x, "norm")
    if x.dtype in discrete_dtypes:
        x = cast(x, "float64")
    a = abs_(x)
    if ord is None or ord == "fro" or ord == 2:
        return sqrt(sum(sqr(a), axes, keepdims=keepdims))
    if isinstance(ord, str) or isinstance(ord, bool) or not isinstance(ord, (int, float, np.number)):
        raise ValueError(f"norm: unsupported ord {ord!r}; expected a number, inf, -inf or 'fro'")
    if ord == np.inf:
        return max(a, axes, keepdims=keepdims)
    if ord == -np.inf:
        return min(a, axes, keepdims=keepdims)
    if ord == 0:
        return cast(sum(neq(a, 0), axes, keepdims=keepdims), a.dtype)
    if ord == 1:
        return sum(a, axes, keepdims=keepdims)
    p = constant(ord, dtype=a.dtype)
    return sum(a ** p, axes, keepdims=keepdims) ** (1 / p)

"""Shape and construction ops: shape, reshape, alloc/zeros, arange, eye, join/split, ...

Part of the tensor layer, beside elemwise.py. A shape is an int64 vector; a
length is an int64 scalar. `inferred_shape` builds a variable's shape as a graph
from each op's `infer_shape`, without computing the variable. Every op here is
checked against NumPy by its `perform`; the torch rules are in link/torch/shape.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.exceptions import AxisError

from ..config import config
from ..graph.basic import Apply, Op, Variable
from . import math as tm
from .basic import NotScalarConstantError, as_tensor_variable, constant, get_scalar_constant_value
from .elemwise import DimShuffle, elemwise_op
from .scalar import SCALAR_OPS, common_dtype, dtype_kind, promote
from .type import TensorType, dtype_name, numpy_dtype
from .variable import TensorConstant, TensorVariable

__all__ = [
    "ARange", "Alloc", "AllocDiag", "Diagonal", "ExtractDiag", "Eye", "Join", "MakeVector",
    "Repeat", "Reshape", "Roll", "Shape", "Shape_i", "SpecifyShape", "Split", "TensorCopy", "TriangularPart",
    "alloc", "arange", "broadcast_symbolic_shape", "concatenate", "diag", "diagonal",
    "expand_dims", "eye", "fill", "flatten", "full", "full_like", "identity_like",
    "inferred_shape", "join", "make_vector", "ones", "ones_like", "repeat", "reshape", "roll",
    "second", "shape", "shape_i", "shape_padaxis", "shape_padleft", "shape_padright",
    "specify_shape", "split", "squeeze", "stack", "stack_shape", "tensor_copy", "tile", "trace",
    "transpose", "tril", "triu", "zeros", "zeros_like",
]


# -- lengths: int64 scalars, folded while they are known ---------------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def static_value(v: Any) -> int | None:
    """The Python int a length is known to be while the graph is built, else None."""
    if _is_int(v):
        return int(v)
    if not isinstance(v, Variable):
        return None
    try:
        value = get_scalar_constant_value(v)
    except NotScalarConstantError:
        return None
    return int(value) if _is_int(value) else None


def as_length(v: Any, what: str) -> TensorVariable:
    """A length (a Python int or an integer scalar variable) as an int64 scalar variable."""
    if _is_int(v):
        return constant(int(v), dtype="int64")
    v = as_tensor_variable(v)
    if v.ndim != 0 or dtype_kind(v.dtype) != "int":
        raise TypeError(f"{what}: {v.describe()} is {v.type.describe_value()}; expected an "
                        f"integer scalar (a length, an index or a count)")
    if isinstance(v, TensorConstant):
        return v if v.dtype == "int64" and not v.weak else constant(int(v.data), dtype="int64")
    return v if v.dtype == "int64" else tm.cast(v, "int64")


def _arith(name: str, *args: Any) -> TensorVariable:
    """Integer arithmetic on lengths (add, mul, int_div, maximum, ...), folded when known."""
    known = [static_value(a) for a in args]
    if None not in known:
        return constant(int(SCALAR_OPS[name].python(*known)), dtype="int64")
    return elemwise_op(name)(*[tm.cast(a, "int64") if getattr(a, "dtype", None) == "bool"
                               else as_length(a, name) for a in args])


def _prod(lengths: Sequence[Any]) -> TensorVariable:
    """The product of lengths; the known ones multiplied while the graph is built."""
    known = math.prod(v for v in map(static_value, lengths) if v is not None)
    out: Any = None
    for n in lengths:
        if static_value(n) is None:
            out = n if out is None else _arith("mul", out, n)
    if out is None:
        return as_length(known, "prod")
    return as_length(out if known == 1 else _arith("mul", out, known), "prod")


def dim_length(x: TensorVariable, i: int) -> TensorVariable:
    """The length of dimension `i` of `x`: a constant when the type knows it."""
    if x.type.shape[i] is not None:
        return constant(x.type.shape[i], dtype="int64")
    return Shape_i(i)(x)


def _normalize_axis(axis: Any, ndim: int, x: TensorVariable, what: str) -> int:
    if not _is_int(axis):
        value = static_value(axis) if isinstance(axis, Variable) else None
        if value is None:
            raise TypeError(f"{what}: the axis must be a Python int (or an integer constant); "
                            f"got {axis!r}")
        axis = value
    if not -ndim <= axis < ndim:
        raise AxisError(f"{what}: axis {axis} is out of range for {x.describe()} "
                        f"({ndim} dims)")
    return int(axis) % ndim


def _normalize_axes(axis: Any, ndim: int, x: TensorVariable, what: str) -> tuple[int, ...]:
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    out = tuple(_normalize_axis(a, ndim, x, what) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"{what}: repeated axis in {axis!r}")
    return out


# -- Shape, Shape_i and shape inference ----------------------------------------------------


class Shape(Op):
    """shape(x): the lengths of x's dimensions, an int64 vector of length x.ndim."""

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (x.ndim,)).make_variable()])

    def infer_shape(self, node, input_shapes):
        return [(node.inputs[0].ndim,)]

    def perform(self, node, inputs):
        return [np.asarray(np.shape(inputs[0]), dtype=np.int64)]


class Shape_i(Op):
    """Shape_i(i)(x): the length of dimension i of x, an int64 scalar."""

    __props__ = ("i",)

    def __init__(self, i: int):
        if not _is_int(i) or i < 0:
            raise ValueError(f"Shape_i needs a non-negative dimension index; got {i!r}")
        self.i = int(i)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if self.i >= x.ndim:
            raise AxisError(f"Shape_i({self.i}): {x.describe()} has only {x.ndim} dimensions")
        return Apply(self, [x], [TensorType("int64", ()).make_variable()])

    def infer_shape(self, node, input_shapes):
        return [()]

    def perform(self, node, inputs):
        return [np.asarray(np.shape(inputs[0])[self.i], dtype=np.int64)]


_shape = Shape()


def shape(x: Any) -> TensorVariable:
    """The symbolic shape of `x`: an int64 vector (`x.shape`)."""
    return _shape(x)


def shape_i(x: Any, i: int) -> TensorVariable:
    """The length of dimension `i` of `x` (a constant when statically known)."""
    x = as_tensor_variable(x)
    return dim_length(x, _normalize_axis(i, x.ndim, x, "shape_i"))


def inferred_shape(var: Variable) -> tuple:
    """`var`'s shape as a tuple of int64 scalar variables, built from the ops'
    `infer_shape` without computing `var`. Statically known lengths are constants;
    where an op has no `infer_shape`, the lengths are `Shape_i` of its outputs."""
    memo: dict[Variable, tuple | None] = {}
    stack = [var]
    while stack:
        v = stack[-1]
        if v in memo:
            stack.pop()
            continue
        node = v.owner
        if not isinstance(v.type, TensorType):
            memo[v] = None
        elif node is None or all(None not in o.type.shape for o in node.outputs
                                 if isinstance(o.type, TensorType)):
            memo[v] = _complete_shape(v, None)
        else:
            pending = [i for i in node.inputs if i not in memo]
            if pending:
                stack.extend(pending)
                continue
            try:
                shapes = node.op.infer_shape(node, [memo[i] for i in node.inputs])
            except NotImplementedError:
                shapes = [None] * len(node.outputs)
            for out, shp in zip(node.outputs, shapes):
                if isinstance(out.type, TensorType):
                    memo[out] = _complete_shape(out, shp, node.op)
        if v in memo:
            stack.pop()
    return memo[var]


def _complete_shape(v: TensorVariable, shp: Sequence | None, op: Op | None = None) -> tuple:
    if shp is not None and len(shp) != v.ndim:
        raise ValueError(f"{op}.infer_shape gave {len(shp)} lengths for {v.describe()}, which has "
                         f"{v.ndim} dimensions")
    out = []
    for i, static in enumerate(v.type.shape):
        if static is not None:
            out.append(constant(static, dtype="int64"))
        elif shp is None or shp[i] is None:
            out.append(Shape_i(i)(v))
        else:
            out.append(as_length(shp[i], f"{op}.infer_shape"))
    return tuple(out)


def stack_shape(shape_tuple: Sequence[Any]) -> TensorVariable:
    """A shape tuple (ints and int scalars) as an int64 vector variable."""
    return MakeVector("int64")(*[as_length(n, "stack_shape") for n in shape_tuple])


def broadcast_symbolic_shape(inputs: Sequence[TensorVariable], input_shapes: Sequence[Any]) -> tuple:
    """The shape of broadcasting `inputs` together, from their shapes (tuples of lengths;
    inputs of fewer dimensions are padded on the left). Per dimension: a static length
    other than 1 wins; otherwise the lengths not known to be 1 combine at run time as
    torch broadcasts (`b if a == 1 else a`, so a length 0 beats a length 1)."""
    ndim = max(x.ndim for x in inputs)
    out: list[Any] = []
    for d in range(ndim):
        candidates: list[Any] = []
        winner = None
        for x, shp in zip(inputs, input_shapes):
            k = d - (ndim - x.ndim)
            if k < 0 or x.type.shape[k] == 1:
                continue
            if x.type.shape[k] is not None:
                winner = x.type.shape[k]
                break
            entry = shp[k] if shp is not None and shp[k] is not None else dim_length(x, k)
            if static_value(entry) != 1 and not any(entry is c for c in candidates):
                candidates.append(entry)
        if winner is not None:
            out.append(winner)
        elif not candidates:
            out.append(1)
        else:
            length = candidates[0]
            for other in candidates[1:]:  # a + (a == 1) * (b - a)
                length = _arith("add", length, _arith(
                    "mul", _arith("eq", length, 1), _arith("sub", other, length)))
            out.append(length)
    return tuple(out)


# -- MakeVector ------------------------------------------------------------------------------


class MakeVector(Op):
    """MakeVector(dtype)(a, b, ...): scalars gathered into a vector of `dtype`."""

    __props__ = ("dtype",)

    def __init__(self, dtype: Any = "int64"):
        self.dtype = dtype_name(dtype)

    def make_node(self, *inputs: Any) -> Apply:
        converted = []
        for x in map(as_tensor_variable, inputs):
            if x.ndim != 0:
                raise TypeError(f"MakeVector: {x.describe()} is {x.type.describe_value()}; "
                                f"only scalars can be gathered into a vector")
            converted.append(_to_dtype(x, self.dtype, "MakeVector"))
        return Apply(self, converted, [TensorType(self.dtype, (len(converted),)).make_variable()])

    def infer_shape(self, node, input_shapes):
        return [(len(node.inputs),)]

    def perform(self, node, inputs):
        return [np.array([np.asarray(v).item() for v in inputs], dtype=numpy_dtype(self.dtype))]


def _to_dtype(x: TensorVariable, dtype: str, what: str) -> TensorVariable:
    """`x` as `dtype`, which must hold its values: an upcast, or a Python number that fits."""
    if x.dtype == dtype:
        return x
    if isinstance(x, TensorConstant) and x.weak:
        value = x.data.item()
        converted = np.asarray(value).astype(numpy_dtype(dtype))
        if converted.item() != value and dtype_kind(dtype) in ("int", "bool"):
            raise TypeError(f"{what}: the Python number {value!r} is not a {dtype}")
        return constant(converted, dtype=dtype)
    if promote(x.dtype, dtype) != dtype:
        raise TypeError(f"{what}: {x.describe()} is {x.dtype}, which does not fit in {dtype} "
                        f"without loss; cast it first")
    return tm.cast(x, dtype)


def make_vector(*values: Any, dtype: Any = None) -> TensorVariable:
    """A vector from scalars; the dtype is their common one (Python numbers adapt)."""
    values = tuple(as_tensor_variable(v) for v in values)
    if dtype is None:
        dtype = common_dtype([v.dtype for v in values],
                             [isinstance(v, TensorConstant) and v.weak for v in values]) \
            if values else "int64"
    return MakeVector(dtype)(*values)


def _vector_entries(v: TensorVariable, what: str, n: int | None = None) -> list[TensorVariable]:
    """The entries of a vector of `n` entries (by default its static length), as scalars."""
    n = v.type.shape[0] if n is None else n
    if n is None:
        raise TypeError(f"{what}: the length of {v.describe()} is not known while the graph is "
                        f"built; give its entries as a list")
    if isinstance(v, TensorConstant):
        return [constant(e, dtype=v.dtype) for e in v.data.tolist()]
    if v.owner is not None and isinstance(v.owner.op, MakeVector):
        return list(v.owner.inputs)
    if v.owner is not None and isinstance(v.owner.op, Shape):
        return [dim_length(v.owner.inputs[0], i) for i in range(n)]
    from .. import tensor
    if not hasattr(tensor, "getitem"):
        raise NotImplementedError(f"{what}: indexing {v.describe()} needs symtorch.tensor.getitem")
    return [tensor.getitem(v, i) for i in range(n)]


def _static_entries(v: TensorVariable, n: int) -> list[int | None]:
    if isinstance(v, TensorConstant):
        return [int(e) for e in v.data.reshape(-1).tolist()]
    if v.owner is not None and isinstance(v.owner.op, MakeVector):
        return [static_value(e) for e in v.owner.inputs]
    if v.owner is not None and isinstance(v.owner.op, Shape):
        return list(v.owner.inputs[0].type.shape)
    return [None] * n


def _shape_vector(shape: Any, what: str) -> tuple[TensorVariable, int | None]:
    """A user's shape argument (an int, a sequence of lengths, a scalar or a vector) as an
    int64 vector variable and its static length."""
    if isinstance(shape, (list, tuple)):
        known = [static_value(s) for s in shape]
        if None not in known:
            return constant(np.asarray(known, dtype=np.int64).reshape(len(shape))), len(shape)
        return MakeVector("int64")(*[as_length(s, what) for s in shape]), len(shape)
    if _is_int(shape):
        return constant(np.asarray([shape], dtype=np.int64)), 1
    v = as_tensor_variable(shape)
    if v.ndim == 0:
        return MakeVector("int64")(as_length(v, what)), 1
    if v.ndim != 1 or dtype_kind(v.dtype) != "int":
        raise TypeError(f"{what}: the shape {v.describe()} is {v.type.describe_value()}; "
                        f"expected an integer vector or a list of lengths")
    return (v if v.dtype == "int64" else tm.cast(v, "int64")), v.type.shape[0]


def _shape_lengths(shape: Any, what: str) -> list[TensorVariable]:
    """A user's shape argument as a list of int64 scalar variables."""
    if isinstance(shape, (list, tuple)):
        return [as_length(s, what) for s in shape]
    if _is_int(shape) or (isinstance(shape, Variable) and getattr(shape, "ndim", None) == 0):
        return [as_length(shape, what)]
    vec, _ = _shape_vector(shape, what)
    return [as_length(e, what) for e in _vector_entries(vec, what)]


# -- Reshape and the dimension helpers ----------------------------------------------------------


class Reshape(Op):
    """Reshape(ndim)(x, shape): x's elements, in order, in a shape of `ndim` dimensions.
    One entry of `shape` may be -1: the length that makes the sizes agree."""

    __props__ = ("ndim",)
    view_map = {0: 0}

    def __init__(self, ndim: int):
        self.ndim = int(ndim)

    def make_node(self, x: Any, shp: Any) -> Apply:
        x = as_tensor_variable(x)
        shp = as_tensor_variable(shp)
        if shp.ndim != 1 or dtype_kind(shp.dtype) != "int":
            raise TypeError(f"reshape: the shape {shp.describe()} is {shp.type.describe_value()}; "
                            f"expected an integer vector")
        if shp.type.shape[0] not in (None, self.ndim):
            raise ValueError(f"reshape to {self.ndim} dims: the shape {shp.describe()} has "
                             f"{shp.type.shape[0]} entries")
        out = _reshape_static(x, _static_entries(shp, self.ndim))
        return Apply(self, [x, shp], [TensorType(x.dtype, out).make_variable()])

    def infer_shape(self, node, input_shapes):
        x, shp = node.inputs
        out = node.outputs[0].type.shape
        if None not in out:
            return [out]
        entries = _vector_entries(shp, "reshape", self.ndim)
        known = [static_value(e) for e in entries]
        if all(k is not None and k >= 0 for k in known):
            return [tuple(entries)]
        # At most one entry is -1: the product of all is then minus the others' product.
        size = _prod(input_shapes[0])
        others = _arith("maximum", _arith("neg", _prod(entries)), 1)
        missing = _arith("int_div", size, others)
        return [tuple(e if k is not None and k >= 0 else missing if k == -1 else
                      _arith("add", e, _arith("mul", _arith("eq", e, -1), _arith("sub", missing, e)))
                      for e, k in zip(entries, known))]

    def perform(self, node, inputs):
        x, shp = inputs
        return [np.reshape(x, tuple(int(s) for s in shp))]


def _reshape_static(x: TensorVariable, entries: Sequence[int | None]) -> tuple:
    """The static output shape of reshaping `x`, checking what is known."""
    where = f"reshape {x.describe()} of shape {_fmt(x.type.shape)} into {_fmt(entries)}"
    if any(e is not None and e < -1 for e in entries) or entries.count(-1) > 1:
        raise ValueError(f"{where}: lengths must be non-negative, with at most one -1")
    size = math.prod(x.type.shape) if None not in x.type.shape else None
    known = [e for e in entries if e is not None and e != -1]
    if -1 not in entries:
        if None not in entries and size is not None and math.prod(known) != size:
            raise ValueError(f"{where}: {size} elements do not fit")
        return tuple(entries)
    if size is None or len(known) != len(entries) - 1:
        return tuple(None if e == -1 else e for e in entries)
    rest = math.prod(known)
    if rest == 0 or size % rest:
        raise ValueError(f"{where}: {size} elements do not fit")
    return tuple(size // rest if e == -1 else e for e in entries)


def _fmt(shape: Sequence) -> str:
    return "(" + ", ".join("?" if s is None else str(s) for s in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def reshape(x: Any, shape: Any, ndim: int | None = None) -> TensorVariable:
    """`x` reshaped: `shape` is a list of lengths (ints or integer scalars, one may be
    -1) or an integer vector (whose length, or `ndim`, gives the number of dims)."""
    x = as_tensor_variable(x)
    shp, n = _shape_vector(shape, "reshape")
    if n is None:
        n = ndim
    elif ndim is not None and ndim != n:
        raise ValueError(f"reshape: ndim={ndim} but the shape has {n} entries")
    if n is None:
        raise ValueError(f"reshape {x.describe()}: the length of the shape vector "
                         f"{shp.describe()} is not known; pass ndim")
    return Reshape(n)(x, shp)


def flatten(x: Any, ndim: int = 1, outdim: int | None = None) -> TensorVariable:
    """`x` with its first ndim-1 dimensions kept and the others collapsed into one."""
    x = as_tensor_variable(x)
    ndim = outdim if outdim is not None else ndim
    if not _is_int(ndim) or ndim < 1 or ndim > max(x.ndim, 1):
        raise ValueError(f"flatten: ndim must be between 1 and {max(x.ndim, 1)} for "
                         f"{x.describe()} ({x.ndim} dims); got {ndim!r}")
    lengths = [dim_length(x, i) for i in range(x.ndim)]
    return reshape(x, lengths[:ndim - 1] + [_prod(lengths[ndim - 1:])])


def transpose(x: Any, axes: Sequence[int] | None = None) -> TensorVariable:
    """`x` with its dimensions permuted (reversed when `axes` is None)."""
    x = as_tensor_variable(x)
    if axes is None:
        return DimShuffle(x.ndim, tuple(reversed(range(x.ndim))))(x)
    axes = tuple(axes)
    if len(axes) != x.ndim:
        raise ValueError(f"transpose: axes {axes} do not list the {x.ndim} dimensions of "
                         f"{x.describe()}")
    return DimShuffle(x.ndim, _normalize_axes(axes, x.ndim, x, "transpose"))(x)


def squeeze(x: Any, axis: Any = None) -> TensorVariable:
    """`x` without the given length-1 dimensions (all those known to be 1 when None).
    Only dimensions whose type says length 1 may be removed."""
    x = as_tensor_variable(x)
    if axis is None:
        drop = tuple(i for i, s in enumerate(x.type.shape) if s == 1)
    else:
        drop = _normalize_axes(axis, x.ndim, x, "squeeze")
        for i in drop:
            if x.type.shape[i] != 1:
                length = "unknown" if x.type.shape[i] is None else x.type.shape[i]
                raise ValueError(f"squeeze: dimension {i} of {x.describe()} has length {length}, "
                                 f"not 1 (only dimensions known to have length 1 can be removed; "
                                 f"use specify_shape or reshape)")
    return DimShuffle(x.ndim, tuple(i for i in range(x.ndim) if i not in drop))(x)


def expand_dims(x: Any, axis: Any) -> TensorVariable:
    """`x` with new length-1 dimensions at `axis` (positions in the result, as NumPy)."""
    x = as_tensor_variable(x)
    n_new = len(axis) if isinstance(axis, (list, tuple)) else 1
    out_ndim = x.ndim + n_new
    axes = _normalize_axes(axis, out_ndim, x, "expand_dims")
    dims = iter(range(x.ndim))
    return DimShuffle(x.ndim, tuple("x" if i in axes else next(dims) for i in range(out_ndim)))(x)


def shape_padleft(x: Any, n_ones: int = 1) -> TensorVariable:
    x = as_tensor_variable(x)
    return DimShuffle(x.ndim, ("x",) * n_ones + tuple(range(x.ndim)))(x)


def shape_padright(x: Any, n_ones: int = 1) -> TensorVariable:
    x = as_tensor_variable(x)
    return DimShuffle(x.ndim, tuple(range(x.ndim)) + ("x",) * n_ones)(x)


def shape_padaxis(x: Any, axis: int) -> TensorVariable:
    """`x` with a new length-1 dimension at `axis` (-ndim-1 <= axis <= ndim)."""
    return expand_dims(x, axis)


class SpecifyShape(Op):
    """SpecifyShape(shape)(x): x, with its static shape completed by `shape` (ints or
    None); checked when it runs."""

    __props__ = ("shape",)
    view_map = {0: 0}

    def __init__(self, shape: Sequence[int | None]):
        self.shape = tuple(None if s is None else int(s) for s in shape)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim != len(self.shape):
            raise ValueError(f"specify_shape: {x.describe()} has {x.ndim} dims; the shape "
                             f"{_fmt(self.shape)} has {len(self.shape)}")
        for i, (s, t) in enumerate(zip(self.shape, x.type.shape)):
            if None not in (s, t) and s != t:
                raise ValueError(f"specify_shape: dimension {i} of {x.describe()} has length "
                                 f"{t}, not {s}")
        out = tuple(t if s is None else s for s, t in zip(self.shape, x.type.shape))
        return Apply(self, [x], [TensorType(x.dtype, out).make_variable()])

    def infer_shape(self, node, input_shapes):
        return [tuple(s if s is not None else n for s, n in zip(self.shape, input_shapes[0]))]

    def perform(self, node, inputs):
        check_shape(inputs[0], self.shape, str(node.inputs[0]))
        return [inputs[0]]


def check_shape(value: Any, shape: tuple, name: str) -> Any:
    """Run-time check of SpecifyShape: `value` has `shape` (None matches any length)."""
    got = tuple(value.shape)
    if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
        raise ValueError(f"specify_shape: {name} has shape {got}, expected {_fmt(shape)}")
    return value


def specify_shape(x: Any, shape: Sequence[int | None]) -> TensorVariable:
    return SpecifyShape(shape)(x)


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
                raise ValueError(f"alloc: {value.describe()} of shape {_fmt(value.type.shape)} "
                                 f"cannot be broadcast to length {known} in dimension {d}")
            out.append(known if known is not None else (own if own != 1 else None))
        return Apply(self, [value, *lengths], [TensorType(value.dtype, out).make_variable()])

    def infer_shape(self, node, input_shapes):
        return [tuple(node.inputs[1:])]

    def perform(self, node, inputs):
        value, *shape = inputs
        return [np.broadcast_to(value, tuple(int(s) for s in shape)).copy()]


_alloc = Alloc()


def alloc(value: Any, *shape: Any) -> TensorVariable:
    """`value` broadcast into a new array of the given lengths: `alloc(0., n, 3)`."""
    if len(shape) == 1 and (isinstance(shape[0], (list, tuple)) or
                            getattr(shape[0], "ndim", 0) == 1):
        shape = tuple(_shape_lengths(shape[0], "alloc"))
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
    return _alloc(value, *_shape_lengths(shape, "full"))


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


def _lengths_of(x: TensorVariable) -> list[TensorVariable]:
    return [dim_length(x, i) for i in range(x.ndim)]


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> TensorVariable:
    """An array shaped like `x` filled with `fill_value`, of x's dtype unless given."""
    x = as_tensor_variable(x)
    return _alloc(_value_as(fill_value, x.dtype if dtype is None else dtype_name(dtype)),
                  *_lengths_of(x))


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
            length = _arith("neg", _arith("int_div", _arith("sub", start, stop), step))  # ceil
        else:
            length = tm.cast(tm.ceil(tm.true_div(tm.sub(stop, start), step)), "int64")
        return [(_arith("maximum", length, 0),)]

    def perform(self, node, inputs):
        start, stop, step = (np.asarray(v).item() for v in inputs)
        return [np.arange(start, stop, step, dtype=numpy_dtype(self.dtype))]


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
            length = _arith("minimum", n1, _arith("sub", n2, self.offset))
        else:
            length = _arith("minimum", _arith("add", n1, self.offset), n2)
        return [rest + (_arith("maximum", length, 0),)]

    def perform(self, node, inputs):
        return [np.diagonal(inputs[0], self.offset, self.axis1, self.axis2)]


ExtractDiag = Diagonal  # Theano's name


def _diagonal_length(n1: int, n2: int, offset: int) -> int:
    return max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> TensorVariable:
    """The diagonal `offset` of `x` over `axis1`, `axis2` (numpy.diagonal)."""
    x = as_tensor_variable(x)
    if x.ndim < 2:
        raise TypeError(f"diagonal: {x.describe()} is {x.type.describe_value()}; expected at "
                        f"least 2 dims")
    a1, a2 = _normalize_axis(axis1, x.ndim, x, "diagonal"), _normalize_axis(axis2, x.ndim, x,
                                                                             "diagonal")
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
        n = _arith("add", input_shapes[0][0], abs(self.offset))
        return [(n, n)]

    def perform(self, node, inputs):
        return [np.diag(inputs[0], self.offset)]


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


# -- joining and splitting: join, stack, split, tile, repeat, roll -----------------------------


class Join(Op):
    """Join(axis)(*tensors): the tensors concatenated along `axis` (numpy.concatenate);
    the dtype is their common one."""

    __props__ = ("axis",)

    def __init__(self, axis: int):
        self.axis = int(axis)

    def make_node(self, *tensors: Any) -> Apply:
        tensors = [as_tensor_variable(t) for t in tensors]
        if not tensors:
            raise ValueError("join: nothing to join")
        ndim = tensors[0].ndim
        for t in tensors:
            if t.ndim != ndim or ndim == 0:
                raise TypeError(f"join: all inputs must have the same number of dims (at least "
                                f"1); {tensors[0].describe()} has {ndim}, {t.describe()} has "
                                f"{t.ndim}")
        if not 0 <= self.axis < ndim:
            raise AxisError(f"join: axis {self.axis} is out of range for {ndim} dims")
        dtype = common_dtype([t.dtype for t in tensors])
        shape = []
        for d in range(ndim):
            lengths = [t.type.shape[d] for t in tensors]
            if d == self.axis:
                shape.append(None if None in lengths else sum(lengths))
                continue
            known = {s for s in lengths if s is not None}
            if len(known) > 1:
                raise ValueError(f"join along axis {self.axis}: dimension {d} differs: " + ", ".join(
                    f"{t.describe()} {_fmt(t.type.shape)}" for t in tensors))
            shape.append(known.pop() if known else None)
        return Apply(self, tensors, [TensorType(dtype, shape).make_variable()])

    def infer_shape(self, node, input_shapes):
        out = []
        for d, static in enumerate(node.outputs[0].type.shape):
            if d == self.axis:
                total: Any = 0
                for shp in input_shapes:
                    total = _arith("add", total, shp[d])
                out.append(total)
            else:
                out.append(static if static is not None else input_shapes[0][d])
        return [tuple(out)]

    def perform(self, node, inputs):
        return [np.concatenate(inputs, axis=self.axis).astype(
            numpy_dtype(node.outputs[0].dtype), copy=False)]


def join(axis: Any, *tensors: Any) -> TensorVariable:
    """The tensors concatenated along `axis` (Theano's argument order)."""
    tensors = [as_tensor_variable(t) for t in tensors]
    if len(tensors) == 1:
        return tensors[0]
    if not tensors:
        raise ValueError("join: nothing to join")
    for t in tensors:
        if t.ndim == 0:
            raise TypeError(f"join: cannot join scalars such as {t.describe()}; use stack")
    return Join(_normalize_axis(axis, tensors[0].ndim, tensors[0], "join"))(*tensors)


def concatenate(tensor_list: Sequence[Any], axis: Any = 0) -> TensorVariable:
    """numpy.concatenate: the tensors of the list joined along `axis`."""
    if not isinstance(tensor_list, (list, tuple)):
        raise TypeError(f"concatenate takes a list or tuple of tensors; got {tensor_list!r}")
    return join(axis, *tensor_list)


def stack(*tensors: Any, axis: Any = 0) -> TensorVariable:
    """numpy.stack: the tensors (of one shape) along a new dimension `axis`. Scalars make a
    vector, whose dtype lets Python numbers adapt (`stack([fscalar, 1.0])` is float32).
    Also accepts Theano's old form `stack(a, b, c)`."""
    if len(tensors) in (1, 2) and isinstance(tensors[0], (list, tuple)):
        if len(tensors) == 2:
            axis = tensors[1]
        tensors = tuple(tensors[0])
    if not tensors:
        raise ValueError("stack: nothing to stack")
    tensors = tuple(as_tensor_variable(t) for t in tensors)
    if all(t.ndim == 0 for t in tensors) and static_value(axis) in (0, -1):
        return make_vector(*tensors)
    for t in tensors:
        if t.ndim != tensors[0].ndim:
            raise TypeError(f"stack: all inputs must have the same number of dims; "
                            f"{tensors[0].describe()} has {tensors[0].ndim}, {t.describe()} has "
                            f"{t.ndim}")
    axis = _normalize_axis(axis, tensors[0].ndim + 1, tensors[0], "stack")
    return Join(axis)(*[expand_dims(t, axis) for t in tensors])


class Split(Op):
    """Split(n_splits, axis)(x, sizes): x cut along `axis` into pieces of the given sizes,
    which must add up to x's length there. The pieces are views of x."""

    __props__ = ("n_splits", "axis")

    def __init__(self, n_splits: int, axis: int):
        self.n_splits, self.axis = int(n_splits), int(axis)
        self.view_map = {i: 0 for i in range(self.n_splits)}

    def make_node(self, x: Any, sizes: Any) -> Apply:
        x = as_tensor_variable(x)
        sizes, n = _shape_vector(sizes, "split")
        if x.ndim == 0 or not 0 <= self.axis < x.ndim:
            raise AxisError(f"split: axis {self.axis} is out of range for {x.describe()} "
                            f"({x.ndim} dims)")
        if n not in (None, self.n_splits):
            raise ValueError(f"split into {self.n_splits} pieces: {n} sizes given")
        known = _static_entries(sizes, self.n_splits)
        if any(k is not None and k < 0 for k in known):
            raise ValueError(f"split: negative size in {known}")
        length = x.type.shape[self.axis]
        if None not in known and length is not None and sum(known) != length:
            raise ValueError(f"split: sizes {known} add up to {sum(known)}, but dimension "
                             f"{self.axis} of {x.describe()} has length {length}")
        outs = [TensorType(x.dtype, x.type.shape[:self.axis] + (k,) + x.type.shape[self.axis + 1:])
                .make_variable() for k in known]
        return Apply(self, [x, sizes], outs)

    def infer_shape(self, node, input_shapes):
        entries = _vector_entries(node.inputs[1], "split", self.n_splits)
        shp = input_shapes[0]
        return [tuple(shp[:self.axis]) + (e,) + tuple(shp[self.axis + 1:]) for e in entries]

    def perform(self, node, inputs):
        x, sizes = inputs
        sizes = [int(s) for s in sizes]
        if len(sizes) != self.n_splits or sum(sizes) != x.shape[self.axis]:
            raise ValueError(f"split: sizes {sizes} do not cut length {x.shape[self.axis]} into "
                             f"{self.n_splits} pieces")
        return np.split(x, np.cumsum(sizes)[:-1], axis=self.axis)


def split(x: Any, splits_size: Any, n_splits: int, axis: Any = 0) -> Any:
    """x cut along `axis` into `n_splits` pieces of lengths `splits_size` (Theano's
    signature). Gives a list of variables (one variable when n_splits is 1, as Theano)."""
    x = as_tensor_variable(x)
    if x.ndim == 0:
        raise TypeError(f"split: {x.describe()} is a scalar")
    return Split(n_splits, _normalize_axis(axis, x.ndim, x, "split"))(x, splits_size)


def tile(x: Any, reps: Any, ndim: int | None = None) -> TensorVariable:
    """numpy.tile: `x` repeated `reps[i]` times along dimension i (reps: ints, integer
    scalars or a vector of known length; x or reps padded with leading 1s)."""
    x = as_tensor_variable(x)
    reps = _shape_lengths(reps, "tile")
    n = max(x.ndim, len(reps))
    if ndim is not None:
        if ndim < n:
            raise ValueError(f"tile: ndim={ndim} is less than {n}")
        n = ndim
    reps = [as_length(1, "tile")] * (n - len(reps)) + reps
    x = shape_padleft(x, n - x.ndim)
    # (s0, s1) -> (1, s0, 1, s1) -> (r0, s0, r1, s1) -> (r0 * s0, r1 * s1)
    spread = DimShuffle(n, tuple(p for i in range(n) for p in ("x", i)))(x)
    lengths = _lengths_of(x)
    big = _alloc(spread, *[v for r, s in zip(reps, lengths) for v in (r, s)])
    return reshape(big, [_arith("mul", r, s) for r, s in zip(reps, lengths)])


class Repeat(Op):
    """Repeat(axis)(x, repeats): each element of x repeated along `axis`, as numpy.repeat:
    `repeats` is one count for all, or one count per element (a vector)."""

    __props__ = ("axis",)

    def __init__(self, axis: int):
        self.axis = int(axis)

    def make_node(self, x: Any, repeats: Any) -> Apply:
        x = as_tensor_variable(x)
        repeats = as_tensor_variable(repeats)
        if not 0 <= self.axis < x.ndim:
            raise AxisError(f"repeat: axis {self.axis} is out of range for {x.describe()} "
                            f"({x.ndim} dims)")
        if repeats.ndim > 1 or dtype_kind(repeats.dtype) != "int":
            raise TypeError(f"repeat: repeats {repeats.describe()} is "
                            f"{repeats.type.describe_value()}; expected an integer scalar or "
                            f"vector")
        repeats = as_length(repeats, "repeat") if repeats.ndim == 0 else \
            (repeats if repeats.dtype == "int64" else tm.cast(repeats, "int64"))
        n = x.type.shape[self.axis]
        if repeats.ndim == 1 and None not in (n, repeats.type.shape[0]) and \
                repeats.type.shape[0] not in (1, n):
            raise ValueError(f"repeat: {repeats.type.shape[0]} counts for {n} elements along "
                             f"axis {self.axis} of {x.describe()}")
        length = None
        if isinstance(repeats, TensorConstant):
            counts = repeats.data.reshape(-1)
            if (counts < 0).any():
                raise ValueError(f"repeat: negative count in {counts.tolist()}")
            if counts.size == 1 and n is not None:
                length = int(counts[0]) * n
            elif counts.size != 1:
                length = int(counts.sum())
        shape = x.type.shape[:self.axis] + (length,) + x.type.shape[self.axis + 1:]
        return Apply(self, [x, repeats], [TensorType(x.dtype, shape).make_variable()])

    def infer_shape(self, node, input_shapes):
        x, repeats = node.inputs
        shp = input_shapes[0]
        if repeats.ndim == 0:
            length = _arith("mul", shp[self.axis], repeats)
        elif repeats.type.shape[0] == 1:
            length = _arith("mul", shp[self.axis], _vector_entries(repeats, "repeat")[0])
        else:
            raise NotImplementedError("the length is a sum of the counts")
        return [tuple(shp[:self.axis]) + (length,) + tuple(shp[self.axis + 1:])]

    def perform(self, node, inputs):
        x, repeats = inputs
        return [np.repeat(x, repeats, axis=self.axis)]


def repeat(x: Any, repeats: Any, axis: Any = None) -> TensorVariable:
    """numpy.repeat: with axis None, of the flattened `x`."""
    x = as_tensor_variable(x)
    if axis is None:
        x, axis = flatten(x), 0
    return Repeat(_normalize_axis(axis, x.ndim, x, "repeat"))(x, repeats)


class Roll(Op):
    """Roll(axes)(x, *shifts): x's elements shifted along each axis, wrapping around, as
    numpy.roll; axes None rolls the flattened x by one shift."""

    __props__ = ("axes",)

    def __init__(self, axes: Sequence[int] | None):
        self.axes = None if axes is None else tuple(int(a) for a in axes)

    def make_node(self, x: Any, *shifts: Any) -> Apply:
        x = as_tensor_variable(x)
        shifts = [as_length(s, "roll") for s in shifts]
        if len(shifts) != (1 if self.axes is None else len(self.axes)):
            raise ValueError(f"roll: {len(shifts)} shifts for axes {self.axes}")
        if self.axes is not None and any(not 0 <= a < x.ndim for a in self.axes):
            raise AxisError(f"roll: axes {self.axes} out of range for {x.describe()} "
                            f"({x.ndim} dims)")
        return Apply(self, [x, *shifts], [x.type.make_variable()])

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def perform(self, node, inputs):
        x, *shifts = inputs
        shifts = [int(s) for s in shifts]
        if self.axes is None:
            return [np.roll(x, shifts[0])]
        return [np.roll(x, shifts, axis=self.axes)]


def roll(x: Any, shift: Any, axis: Any = None) -> TensorVariable:
    """numpy.roll: `shift` (an int or integer scalar, or one per axis) along `axis`
    (None: the flattened array, shape restored)."""
    x = as_tensor_variable(x)
    shifts = list(shift) if isinstance(shift, (list, tuple)) else [shift]
    if axis is None:
        if len(shifts) != 1:
            raise ValueError("roll: give one shift when axis is None")
        return Roll(None)(x, *shifts)
    axes = _normalize_axes(axis, x.ndim, x, "roll")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(axes)} axes")
    return Roll(axes)(x, *shifts)

"""Shapes: shape, Shape_i, inferred_shape, MakeVector, reshape, flatten, the dimension
helpers (transpose, squeeze, expand_dims, shape_pad*) and specify_shape.

Part of the tensor op library, beside elemwise.py; construction.py (alloc, arange, eye,
diagonals) and join.py (join, split, tile, repeat, roll) build on the length helpers
here. A shape is an int64 vector; a length is an int64 scalar. `inferred_shape` builds a
variable's shape as a graph from each op's `infer_shape`, without computing the variable.
Torch rules: link/torch/shape.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.exceptions import AxisError

from ..gradient import disconnected_type
from ..graph.basic import Apply, Op, Variable
from . import math as tm
from .basic import NotScalarConstantError, as_tensor_variable, constant, get_scalar_constant_value
from .elemwise import DimShuffle, elemwise_op
from .scalar import SCALAR_OPS, common_dtype, dtype_kind, promote
from .type import TensorType, dtype_name, numpy_dtype
from .variable import TensorConstant, TensorVariable

__all__ = [
    "MakeVector", "Reshape", "Shape", "Shape_i", "SpecifyShape", "broadcast_symbolic_shape",
    "expand_dims", "flatten", "inferred_shape", "make_vector", "reshape", "shape", "shape_i",
    "shape_padaxis", "shape_padleft", "shape_padright", "specify_shape", "squeeze",
    "stack_shape", "transpose",
]


# -- lengths: int64 scalars, folded while they are known ---------------------------------


def is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def static_value(v: Any) -> int | None:
    """The Python int a length is known to be while the graph is built, else None."""
    if is_int(v):
        return int(v)
    if not isinstance(v, Variable):
        return None
    try:
        value = get_scalar_constant_value(v)
    except NotScalarConstantError:
        return None
    return int(value) if is_int(value) else None


def as_length(v: Any, what: str) -> TensorVariable:
    """A length (a Python int or an integer scalar variable) as an int64 scalar variable."""
    if is_int(v):
        return constant(int(v), dtype="int64")
    v = as_tensor_variable(v)
    if v.ndim != 0 or dtype_kind(v.dtype) != "int":
        raise TypeError(f"{what}: {v.describe()} is {v.type.describe_value()}; expected an "
                        f"integer scalar (a length, an index or a count)")
    if isinstance(v, TensorConstant):
        return v if v.dtype == "int64" and not v.weak else constant(int(v.data), dtype="int64")
    return v if v.dtype == "int64" else tm.cast(v, "int64")


def arith(name: str, *args: Any) -> TensorVariable:
    """Integer arithmetic on lengths (add, mul, int_div, maximum, ...), folded when known."""
    known = [static_value(a) for a in args]
    if None not in known:
        return constant(int(SCALAR_OPS[name].python(*known)), dtype="int64")
    return elemwise_op(name)(*[tm.cast(a, "int64") if getattr(a, "dtype", None) == "bool"
                               else as_length(a, name) for a in args])


def prod_lengths(lengths: Sequence[Any]) -> TensorVariable:
    """The product of lengths; the known ones multiplied while the graph is built."""
    known = math.prod(v for v in map(static_value, lengths) if v is not None)
    out: Any = None
    for n in lengths:
        if static_value(n) is None:
            out = n if out is None else arith("mul", out, n)
    if out is None:
        return as_length(known, "prod")
    return as_length(out if known == 1 else arith("mul", out, known), "prod")


def dim_length(x: TensorVariable, i: int) -> TensorVariable:
    """The length of dimension `i` of `x`: a constant when the type knows it."""
    if x.type.shape[i] is not None:
        return constant(x.type.shape[i], dtype="int64")
    return Shape_i(i)(x)


def lengths_of(x: TensorVariable) -> list[TensorVariable]:
    """The lengths of all of `x`'s dimensions (constants where the type knows them)."""
    return [dim_length(x, i) for i in range(x.ndim)]


def normalize_axis(axis: Any, ndim: int, x: TensorVariable, what: str) -> int:
    if not is_int(axis):
        value = static_value(axis) if isinstance(axis, Variable) else None
        if value is None:
            raise TypeError(f"{what}: the axis must be a Python int (or an integer constant); "
                            f"got {axis!r}")
        axis = value
    if not -ndim <= axis < ndim:
        raise AxisError(f"{what}: axis {axis} is out of range for {x.describe()} "
                        f"({ndim} dims)")
    return int(axis) % ndim


def normalize_axes(axis: Any, ndim: int, x: TensorVariable, what: str) -> tuple[int, ...]:
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    out = tuple(normalize_axis(a, ndim, x, what) for a in axes)
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

    def L_op(self, inputs, outputs, output_grads):
        """Lengths do not change with the values: no gradient reaches x."""
        return [disconnected_type()]

    def R_op(self, inputs, eval_points):
        return [None]


class Shape_i(Op):
    """Shape_i(i)(x): the length of dimension i of x, an int64 scalar."""

    __props__ = ("i",)

    def __init__(self, i: int):
        if not is_int(i) or i < 0:
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

    L_op = Shape.L_op
    R_op = Shape.R_op


_shape = Shape()


def shape(x: Any) -> TensorVariable:
    """The symbolic shape of `x`: an int64 vector (`x.shape`)."""
    return _shape(x)


def shape_i(x: Any, i: int) -> TensorVariable:
    """The length of dimension `i` of `x` (a constant when statically known)."""
    x = as_tensor_variable(x)
    return dim_length(x, normalize_axis(i, x.ndim, x, "shape_i"))


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
                length = arith("add", length, arith(
                    "mul", arith("eq", length, 1), arith("sub", other, length)))
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

    def L_op(self, inputs, outputs, output_grads):
        """Each scalar gets its entry of the gradient (integer vectors have none)."""
        if dtype_kind(self.dtype) in ("int", "bool"):
            return [None] * len(inputs)
        from .subtensor import getitem  # subtensor builds on this module
        (g,) = output_grads
        return [getitem(g, i) for i in range(len(inputs))]

    def R_op(self, inputs, eval_points):
        """Linear: the vector of the scalars' tangents (a missing one is zero)."""
        if dtype_kind(self.dtype) in ("int", "bool") or all(p is None for p in eval_points):
            return [None]
        return [self(*[constant(0, dtype=self.dtype) if p is None else _cast(p, self.dtype)
                       for p in eval_points])]


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


def _cast(x: TensorVariable, dtype: str) -> TensorVariable:
    return x if x.dtype == dtype else tm.cast(x, dtype)


def make_vector(*values: Any, dtype: Any = None) -> TensorVariable:
    """A vector from scalars; the dtype is their common one (Python numbers adapt)."""
    values = tuple(as_tensor_variable(v) for v in values)
    if dtype is None:
        dtype = common_dtype([v.dtype for v in values],
                             [isinstance(v, TensorConstant) and v.weak for v in values]) \
            if values else "int64"
    return MakeVector(dtype)(*values)


def vector_entries(v: TensorVariable, what: str, n: int | None = None) -> list[TensorVariable]:
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


def static_entries(v: TensorVariable, n: int) -> list[int | None]:
    if isinstance(v, TensorConstant):
        return [int(e) for e in v.data.reshape(-1).tolist()]
    if v.owner is not None and isinstance(v.owner.op, MakeVector):
        return [static_value(e) for e in v.owner.inputs]
    if v.owner is not None and isinstance(v.owner.op, Shape):
        return list(v.owner.inputs[0].type.shape)
    return [None] * n


def shape_vector(shape: Any, what: str) -> tuple[TensorVariable, int | None]:
    """A user's shape argument (an int, a sequence of lengths, a scalar or a vector) as an
    int64 vector variable and its static length."""
    if isinstance(shape, (list, tuple)):
        known = [static_value(s) for s in shape]
        if None not in known:
            return constant(np.asarray(known, dtype=np.int64).reshape(len(shape))), len(shape)
        return MakeVector("int64")(*[as_length(s, what) for s in shape]), len(shape)
    if is_int(shape):
        return constant(np.asarray([shape], dtype=np.int64)), 1
    v = as_tensor_variable(shape)
    if v.ndim == 0:
        return MakeVector("int64")(as_length(v, what)), 1
    if v.ndim != 1 or dtype_kind(v.dtype) != "int":
        raise TypeError(f"{what}: the shape {v.describe()} is {v.type.describe_value()}; "
                        f"expected an integer vector or a list of lengths")
    return (v if v.dtype == "int64" else tm.cast(v, "int64")), v.type.shape[0]


def shape_lengths(shape: Any, what: str) -> list[TensorVariable]:
    """A user's shape argument as a list of int64 scalar variables."""
    if isinstance(shape, (list, tuple)):
        return [as_length(s, what) for s in shape]
    if is_int(shape) or (isinstance(shape, Variable) and getattr(shape, "ndim", None) == 0):
        return [as_length(shape, what)]
    vec, _ = shape_vector(shape, what)
    return [as_length(e, what) for e in vector_entries(vec, what)]


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
        out = _reshape_static(x, static_entries(shp, self.ndim))
        return Apply(self, [x, shp], [TensorType(x.dtype, out).make_variable()])

    def infer_shape(self, node, input_shapes):
        x, shp = node.inputs
        out = node.outputs[0].type.shape
        if None not in out:
            return [out]
        entries = vector_entries(shp, "reshape", self.ndim)
        known = [static_value(e) for e in entries]
        if all(k is not None and k >= 0 for k in known):
            return [tuple(entries)]
        # At most one entry is -1: the product of all is then minus the others' product.
        size = prod_lengths(input_shapes[0])
        others = arith("maximum", arith("neg", prod_lengths(entries)), 1)
        missing = arith("int_div", size, others)
        return [tuple(e if k is not None and k >= 0 else missing if k == -1 else
                      arith("add", e, arith("mul", arith("eq", e, -1), arith("sub", missing, e)))
                      for e, k in zip(entries, known))]

    def perform(self, node, inputs):
        x, shp = inputs
        return [np.reshape(x, tuple(int(s) for s in shp))]

    def L_op(self, inputs, outputs, output_grads):
        """dx = the gradient's elements, in order, back in x's (symbolic) shape."""
        x, _ = inputs
        (g,) = output_grads
        return [reshape(g, lengths_of(x)), disconnected_type()]

    def R_op(self, inputs, eval_points):
        """Linear in x: the tangent reshaped the same way."""
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


def _reshape_static(x: TensorVariable, entries: Sequence[int | None]) -> tuple:
    """The static output shape of reshaping `x`, checking what is known."""
    where = f"reshape {x.describe()} of shape {fmt_shape(x.type.shape)} into {fmt_shape(entries)}"
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


def fmt_shape(shape: Sequence) -> str:
    return "(" + ", ".join("?" if s is None else str(s) for s in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def reshape(x: Any, shape: Any, ndim: int | None = None) -> TensorVariable:
    """`x` reshaped: `shape` is a list of lengths (ints or integer scalars, one may be
    -1) or an integer vector (whose length, or `ndim`, gives the number of dims)."""
    x = as_tensor_variable(x)
    shp, n = shape_vector(shape, "reshape")
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
    if not is_int(ndim) or ndim < 1 or ndim > max(x.ndim, 1):
        raise ValueError(f"flatten: ndim must be between 1 and {max(x.ndim, 1)} for "
                         f"{x.describe()} ({x.ndim} dims); got {ndim!r}")
    lengths = [dim_length(x, i) for i in range(x.ndim)]
    return reshape(x, lengths[:ndim - 1] + [prod_lengths(lengths[ndim - 1:])])


def transpose(x: Any, axes: Sequence[int] | None = None) -> TensorVariable:
    """`x` with its dimensions permuted (reversed when `axes` is None)."""
    x = as_tensor_variable(x)
    if axes is None:
        return DimShuffle(x.ndim, tuple(reversed(range(x.ndim))))(x)
    axes = tuple(axes)
    if len(axes) != x.ndim:
        raise ValueError(f"transpose: axes {axes} do not list the {x.ndim} dimensions of "
                         f"{x.describe()}")
    return DimShuffle(x.ndim, normalize_axes(axes, x.ndim, x, "transpose"))(x)


def squeeze(x: Any, axis: Any = None) -> TensorVariable:
    """`x` without the given length-1 dimensions (all those known to be 1 when None).
    Only dimensions whose type says length 1 may be removed."""
    x = as_tensor_variable(x)
    if axis is None:
        drop = tuple(i for i, s in enumerate(x.type.shape) if s == 1)
    else:
        drop = normalize_axes(axis, x.ndim, x, "squeeze")
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
    axes = normalize_axes(axis, out_ndim, x, "expand_dims")
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
                             f"{fmt_shape(self.shape)} has {len(self.shape)}")
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

    def L_op(self, inputs, outputs, output_grads):
        """The identity: the gradient passes through."""
        return [output_grads[0]]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


def check_shape(value: Any, shape: tuple, name: str) -> Any:
    """Run-time check of SpecifyShape: `value` has `shape` (None matches any length)."""
    got = tuple(value.shape)
    if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
        raise ValueError(f"specify_shape: {name} has shape {got}, expected {fmt_shape(shape)}")
    return value


def specify_shape(x: Any, shape: Sequence[int | None]) -> TensorVariable:
    return SpecifyShape(shape)(x)


# The construction and join ops used to live here: modules that still import them from
# this module find them (resolved on first use, so there is no import cycle).
def __getattr__(name: str) -> Any:
    import importlib
    for module in () if name.startswith("__") else ("construction", "join"):
        moved = importlib.import_module(f"{__package__}.{module}")
        if name in getattr(moved, "__all__", ()):
            return getattr(moved, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Elemwise (one scalar op mapped over broadcast arrays) and DimShuffle.

Elemwise is the whole family of elementwise functions: its behaviour per
function comes from the rows of `scalar.SCALAR_OPS`. DimShuffle reorders,
adds ('x') and drops broadcastable dimensions; Elemwise uses it to line up
inputs of different ranks, as Theano does. Imports graph/ and the tensor
type layer; the torch rules are in link/torch/elemwise.py.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph.basic import Apply, Op
from . import scalar as ts
from .basic import as_tensor_variable, constant
from .type import TensorType, discrete_dtypes, numpy_dtype
from .variable import TensorConstant, TensorVariable

__all__ = ["DimShuffle", "Elemwise", "broadcast_shapes", "dimshuffle", "elemwise_op"]


class Elemwise(Op):
    """Apply `scalar_op` elementwise, with NumPy broadcasting.

    Inputs of lower rank are padded on the left with broadcastable dimensions
    (DimShuffle{x,...}); a Python number is weak (NumPy 2): it takes the dtype
    the row computes in, and must fit in it (`bvector + 1000` is a TypeError).
    The output dtype comes from the row's dtype rule (see scalar.py).
    """

    __props__ = ("scalar_op",)

    def __init__(self, scalar_op: ts.ScalarOp):
        self.scalar_op = scalar_op

    @property
    def view_map(self) -> dict[int, int]:  # type: ignore[override]
        return {0: 0} if self.scalar_op.may_alias else {}

    def __str__(self) -> str:
        return f"Elemwise{{{self.scalar_op}}}"

    @property
    def name(self) -> str:
        return f"Elemwise{{{self.scalar_op},no_inplace}}"  # Theano's spelling

    def make_node(self, *inputs: Any) -> Apply:
        op = self.scalar_op
        if len(inputs) != op.nin:
            raise TypeError(f"{op.name} takes {op.nin} input(s), got {len(inputs)}")
        inputs = [as_tensor_variable(x) for x in inputs]
        weak = [isinstance(x, TensorConstant) and x.weak for x in inputs]
        try:
            cast_to, out_dtype = op.dtype_rule([x.dtype for x in inputs], weak)
        except TypeError as err:
            raise TypeError(f"{op.name}({', '.join(x.describe() for x in inputs)}): {err}") from None
        if out_dtype == "bool" and not all(_fits(x, dt) for x, w, dt in zip(inputs, weak, cast_to)
                                           if w):
            # NumPy 2 compares with an integer its array cannot hold (int8 < 200): compute
            # in int64, where the number is an ordinary one.
            weak = [w and _fits(x, dt) for x, w, dt in zip(inputs, weak, cast_to)]
            cast_to, out_dtype = op.dtype_rule([x.dtype for x in inputs], weak)
        # A Python number takes the dtype it is computed in, so the graph holds only
        # strongly typed constants and a later make_node infers the same types.
        inputs = [_settle_weak(x, dt, op.name) if w else x
                  for x, w, dt in zip(inputs, weak, cast_to)]
        ndim = max(x.ndim for x in inputs)
        inputs = [x if x.ndim == ndim else
                  DimShuffle(x.ndim, ("x",) * (ndim - x.ndim) + tuple(range(x.ndim)))(x)
                  for x in inputs]
        shape = broadcast_shapes([x.type.shape for x in inputs], inputs, op.name)
        return Apply(self, inputs, [TensorType(out_dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        from .shape import broadcast_symbolic_shape
        return [broadcast_symbolic_shape(node.inputs, input_shapes)]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        cast_to, out_dtype = self.scalar_op.dtype_rule([x.dtype for x in node.inputs],
                                                       [False] * len(inputs))
        args = [np.asarray(x).astype(numpy_dtype(d), copy=False) for x, d in zip(inputs, cast_to)]
        with np.errstate(all="ignore"):
            out = self.scalar_op.numpy(*args)
        return [np.asarray(out).astype(numpy_dtype(out_dtype), copy=False)]

    # -- derivatives: the partials of each row come from elemwise_grad.PARTIALS ----------

    def _partials(self, inputs: list, output: TensorVariable) -> list:
        """d output / d input for each input: a graph, 1, -1, or 0 (discrete inputs and
        outputs, and functions constant almost everywhere, as floor)."""
        from .elemwise_grad import NO_GRADIENT, PARTIALS
        name = self.scalar_op.name
        if output.dtype in discrete_dtypes or name in NO_GRADIENT:
            partials = [0] * len(inputs)
        elif name.startswith("Cast{"):
            partials = [1]
        elif name in PARTIALS:
            partials = [0 if p is None else p for p in PARTIALS[name](*inputs, output)]
        else:
            raise NotImplementedError(f"{self} has no gradient (no row {name!r} in "
                                      f"elemwise_grad.PARTIALS)")
        return [0 if x.dtype in discrete_dtypes else p for x, p in zip(inputs, partials)]

    def L_op(self, inputs: list, outputs: list, output_grads: list) -> list:
        """Each input's gradient: the output gradient times the partial, summed back to the
        input's shape (`sum_to`) over the dimensions along which it was broadcast, known
        statically or only when the function runs. Integer inputs get a float zero."""
        from .. import tensor as T
        from ..config import config
        (gz,) = output_grads
        grads = []
        for x, p in zip(inputs, self._partials(inputs, outputs[0])):
            if isinstance(p, int) and p == 0:
                grads.append(T.zeros_like(x, dtype=config.floatX if x.dtype in discrete_dtypes
                                          else x.dtype))
                continue
            grads.append(T.sum_to(_times(gz, p), x))
        return grads

    def R_op(self, inputs: list, eval_points: list) -> list:
        """sum over inputs of partial * tangent, broadcast to the output's shape."""
        from .. import tensor as T
        z = self(*inputs)
        if z.dtype in discrete_dtypes:
            return [None]
        total = None
        for p, v in zip(self._partials(inputs, z), eval_points):
            if v is None or (isinstance(p, int) and p == 0):
                continue
            term = _times(v, p)
            total = term if total is None else T.add(total, term)
        if total is None:
            return [None]
        if total.type.shape != z.type.shape:
            total = T.fill(z, total)
        return [T.cast(total, z.dtype)]


def _times(g: TensorVariable, partial: Any) -> TensorVariable:
    """g * partial, for a partial that is a graph or the number 1 or -1."""
    from .math import mul, neg
    if isinstance(partial, (int, float)) and partial in (1, -1):
        return g if partial == 1 else neg(g)
    return mul(g, partial)


def _fits(x: TensorConstant, dtype: str) -> bool:
    """Whether the Python number `x` holds in `dtype` (integers must be in range; floats
    may round or overflow to inf, as in NumPy)."""
    value = x.data.item()
    if ts.dtype_kind(dtype) != "int" or not isinstance(value, int):
        return True
    info = np.iinfo(numpy_dtype(dtype))
    return info.min <= value <= info.max


def _settle_weak(x: TensorConstant, dtype: str, op_name: str) -> TensorConstant:
    """The weak Python number `x` as a constant of `dtype`. An integer must fit (NumPy
    2 raises OverflowError at run time; we refuse while the graph is built); a
    condition (bool) takes the number's truth."""
    value = x.data.item()
    if dtype == "bool":
        return constant(np.asarray(bool(value)), dtype=dtype)
    if not _fits(x, dtype):
        info = np.iinfo(numpy_dtype(dtype))
        raise TypeError(f"{op_name}: the Python number {value!r} does not fit in {dtype} "
                        f"(range {info.min}..{info.max}); make it a constant of a wider "
                        f"dtype or cast the other operand")
    with np.errstate(over="ignore"):
        return constant(np.asarray(value).astype(numpy_dtype(dtype)), dtype=dtype)


def broadcast_shapes(shapes: Sequence[tuple], inputs: Sequence[Any] = (), what: str = "") -> tuple:
    """The static shape of broadcasting `shapes` (all of one rank): a known length
    other than 1 wins; two different such lengths are an error naming the inputs."""
    out = []
    for dim, lengths in enumerate(zip(*shapes)):
        known = {s for s in lengths if s is not None and s != 1}
        if len(known) > 1:
            names = ", ".join(f"{x.describe()} {tuple('?' if s is None else s for s in x.type.shape)}"
                              for x in inputs) if inputs else str(shapes)
            raise TypeError(f"{what}: shapes cannot be broadcast together in dimension {dim} "
                            f"(lengths {sorted(known)}): {names}")
        if known:
            out.append(known.pop())
        elif lengths and all(s == 1 for s in lengths):
            out.append(1)
        else:
            out.append(None)
    return tuple(out)


class DimShuffle(Op):
    """Reorder dimensions, insert broadcastable ones ('x'), drop length-1 ones.

    `new_order` lists, for each output dimension, the input dimension it takes
    or 'x' for a new one of length 1. An input dimension left out must be
    known to have length 1. The output is a view of the input. Theano's
    `DimShuffle(input_broadcastable, new_order)` spelling is accepted.
    """

    __props__ = ("input_ndim", "new_order")
    view_map = {0: 0}

    def __init__(self, input_ndim: int | Sequence[bool], new_order: Sequence[int | str],
                 inplace: bool = True):
        if isinstance(input_ndim, (list, tuple)):  # Theano: the input's broadcastable pattern
            input_ndim = len(input_ndim)
        self.input_ndim = int(input_ndim)
        order = []
        for o in new_order:
            if o != "x" and not isinstance(o, (int, np.integer)) or isinstance(o, bool):
                raise ValueError(f"dimshuffle pattern {tuple(new_order)!r}: entries are input "
                                 f"dimensions (ints) or 'x'; got {o!r}")
            order.append(o if o == "x" else int(o))
        self.new_order = tuple(order)
        used = [o for o in self.new_order if o != "x"]
        if len(set(used)) != len(used) or any(not 0 <= o < self.input_ndim for o in used):
            raise ValueError(f"invalid dimshuffle pattern {self.new_order}: each of the "
                             f"{self.input_ndim} input dimensions may appear at most once")
        self.drop = tuple(i for i in range(self.input_ndim) if i not in used)
        self.shuffle = tuple(used)
        self.augment = tuple(i for i, o in enumerate(self.new_order) if o == "x")

    def __str__(self) -> str:
        return f"DimShuffle{{{','.join(map(str, self.new_order))}}}"

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim != self.input_ndim:
            raise TypeError(f"dimshuffle{self.new_order} expects {self.input_ndim} dimensions; "
                            f"{x.describe()} has {x.ndim}")
        for i in self.drop:
            if x.type.shape[i] != 1:
                raise ValueError(
                    f"dimshuffle{self.new_order} drops dimension {i} of {x.describe()}, whose "
                    f"length is {'unknown' if x.type.shape[i] is None else x.type.shape[i]}, not "
                    f"1; only dimensions known to have length 1 (broadcastable) may be dropped")
        shape = tuple(1 if o == "x" else x.type.shape[o] for o in self.new_order)
        return Apply(self, [x], [TensorType(x.dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        (shape,) = input_shapes
        return [tuple(1 if o == "x" else shape[o] for o in self.new_order)]

    def L_op(self, inputs: list, outputs: list, output_grads: list) -> list:
        """The inverse shuffle of the gradient: new dimensions summed away (they have
        length 1), dropped ones put back as 'x', the order undone."""
        (x,), (gz,) = inputs, output_grads
        if x.dtype in discrete_dtypes:
            from .. import tensor as T
            from ..config import config
            return [T.zeros_like(x, dtype=config.floatX)]
        gz = as_tensor_variable(gz)
        if any(gz.type.shape[i] != 1 for i in self.augment):
            from .. import tensor as T
            gz = T.sum(gz, axis=self.augment, keepdims=True)
        kept = [i for i in range(len(self.new_order)) if i not in self.augment]
        order: list[int | str] = ["x"] * self.input_ndim
        for position, i in enumerate(kept):
            order[self.new_order[i]] = position
        gz = DimShuffle(gz.ndim, kept)(gz) if self.augment else gz
        return [DimShuffle(gz.ndim, order)(gz)]

    def R_op(self, inputs: list, eval_points: list) -> list:
        return [None if eval_points[0] is None else self(eval_points[0])]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        (x,) = inputs
        x = np.asarray(x)
        out_shape = [1 if o == "x" else x.shape[o] for o in self.new_order]
        # The dropped dimensions (all of length 1) go last; reshaping then inserts the 'x's.
        return [np.transpose(x, self.shuffle + self.drop).reshape(out_shape)]


@functools.cache
def elemwise_op(name: str) -> Elemwise:
    """The Elemwise of the scalar-table row `name` (one shared instance per row)."""
    return Elemwise(ts.SCALAR_OPS[name])


def dimshuffle(x: Any, pattern: Sequence[int | str]) -> TensorVariable:
    """`x.dimshuffle(pattern)`: see DimShuffle."""
    x = as_tensor_variable(x)
    return DimShuffle(x.ndim, pattern)(x)

"""Elemwise (one scalar op mapped over broadcast arrays) and DimShuffle.

Elemwise is the whole family of elementwise functions: its behaviour per
function comes from the rows of `scalar.SCALAR_OPS`. DimShuffle reorders,
adds ('x') and drops broadcastable dimensions; Elemwise uses it to line up
inputs of different ranks, as Theano does.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph.basic import Apply, Op
from . import scalar as ts
from .basic import as_tensor_variable, constant
from .type import TensorType, numpy_dtype
from .variable import TensorConstant, TensorVariable


class Elemwise(Op):
    """Apply `scalar_op` elementwise, with NumPy broadcasting."""

    __props__ = ("scalar_op",)

    def __init__(self, scalar_op: ts.ScalarOp):
        self.scalar_op = scalar_op

    def __str__(self) -> str:
        return f"Elemwise{{{self.scalar_op}}}"

    @property
    def name(self) -> str:
        return f"Elemwise{{{self.scalar_op},no_inplace}}"  # Theano's spelling

    def make_node(self, *inputs: Any) -> Apply:
        op = self.scalar_op
        if len(inputs) != op.nin:
            raise TypeError(f"{op.name} takes {op.nin} inputs, got {len(inputs)}")
        inputs = [as_tensor_variable(x) for x in inputs]
        weak = [isinstance(x, TensorConstant) and x.weak for x in inputs]
        try:
            cast_to, out_dtype = op.dtype_rule([x.dtype for x in inputs], weak)
        except TypeError as err:
            raise TypeError(f"{op.name}({', '.join(x.describe() for x in inputs)}): {err}") from None
        # A Python number takes the dtype it is computed in, so the graph holds only
        # strongly typed constants and a later make_node infers the same types.
        inputs = [_settle_weak(x, dt, op.name) if w else x for x, w, dt in zip(inputs, weak, cast_to)]
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


def _settle_weak(x: TensorConstant, dtype: str, op_name: str) -> TensorConstant:
    if x.dtype == dtype:
        return TensorConstant(x.type, x.data)
    value = x.data.item()
    converted = np.asarray(value).astype(numpy_dtype(dtype))
    if converted.item() != value and not (isinstance(value, float) and np.isnan(value)) \
            and not (dtype in ("float16", "bfloat16", "float32", "complex64")):
        raise TypeError(f"{op_name}: the Python number {value!r} does not fit in {dtype}")
    return constant(converted, dtype=dtype)


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
    known to have length 1.
    """

    __props__ = ("input_ndim", "new_order")
    view_map = {0: 0}

    def __init__(self, input_ndim: int, new_order: Sequence[int | str]):
        self.input_ndim = int(input_ndim)
        self.new_order = tuple(o if o == "x" else int(o) for o in new_order)
        used = [o for o in self.new_order if o != "x"]
        if len(set(used)) != len(used) or any(not 0 <= o < self.input_ndim for o in used):
            raise ValueError(f"invalid dimshuffle pattern {self.new_order} for "
                             f"{self.input_ndim} input dimensions")
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
                    f"dimshuffle{self.new_order} drops dimension {i} of {x.describe()}, whose length "
                    f"is {'unknown' if x.type.shape[i] is None else x.type.shape[i]}, not 1; only "
                    f"dimensions known to have length 1 (broadcastable) may be dropped")
        shape = tuple(1 if o == "x" else x.type.shape[o] for o in self.new_order)
        return Apply(self, [x], [TensorType(x.dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        (shape,) = input_shapes
        return [tuple(1 if o == "x" else shape[o] for o in self.new_order)]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        (x,) = inputs
        x = np.transpose(x, self.shuffle + self.drop).reshape(
            [x.shape[i] for i in self.shuffle])
        return [x.reshape([1 if o == "x" else x.shape[self.shuffle.index(o)]
                           for o in self.new_order])]


@functools.lru_cache(maxsize=None)
def elemwise_op(name: str) -> Elemwise:
    return Elemwise(ts.SCALAR_OPS[name])


def dimshuffle(x: Any, pattern: Sequence[int | str]) -> TensorVariable:
    x = as_tensor_variable(x)
    return DimShuffle(x.ndim, pattern)(x)

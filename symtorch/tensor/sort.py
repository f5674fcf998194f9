"""Sorting: `Sort` and `ArgSort` along one axis, or over the flattened array.

Part of the tensor op library; torch rules in link/torch/sort.py. Every sort is
stable: for values any `kind` gives the same result, and for `argsort` the stable
order is one that every `kind` may return (NumPy's 'stable' and 'mergesort').
Sorting permutes: its gradient goes back through the permutation (argsort);
argsort's integer result has none.
"""

from __future__ import annotations

import operator
from functools import reduce as _fold
from typing import Any

import numpy as np

from ..gradient import disconnected_type
from ..graph.basic import Apply, Op, Variable
from .basic import as_tensor_variable
from .elemwise import DimShuffle
from .reduction import normalize_axis
from .type import TensorType, complex_dtypes, discrete_dtypes
from .variable import TensorVariable

__all__ = ["Sort", "ArgSort", "sort", "argsort"]

KINDS = ("quicksort", "mergesort", "heapsort", "stable")


class Sort(Op):
    """x sorted ascending along `axis` (None: the flattened array, a vector).
    NaN sorts last, as in NumPy. Complex numbers are refused (no order in torch)."""

    __props__ = ("axis",)
    out_dtype: str | None = None  # None: the input's dtype

    def __init__(self, axis: int | None = -1):
        self.axis = None if axis is None else int(axis)

    def __str__(self) -> str:
        return f"{type(self).__name__}{{axis={self.axis}}}"

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        what = type(self).__name__.lower()
        if x.dtype in complex_dtypes:
            raise TypeError(f"{what}({x.describe()}): complex numbers have no order")
        if self.axis is None:
            shape = (_static_size(x.type.shape),)
        else:
            normalize_axis(self.axis, x, what)
            shape = x.type.shape
        return Apply(self, [x], [TensorType(self.out_dtype or x.dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        (shape,) = input_shapes
        if self.axis is None:
            return [(_fold(operator.mul, shape, 1),)]
        return [shape]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return [np.sort(np.asarray(inputs[0]), axis=self.axis, kind="stable")]

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable | None]:
        """dx: each entry of the output gradient put back where its element came from."""
        (x,), (g,) = inputs, output_grads
        if x.dtype in discrete_dtypes:
            return [None]
        from .construction import zeros_like
        from .shape import reshape, shape
        from .subtensor import inc_subtensor
        flat, index = self._permutation(x)
        gx = inc_subtensor(zeros_like(flat, dtype=g.dtype)[index], g)
        return [reshape(gx, shape(x)) if self.axis is None else gx]

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[Variable | None]:
        """The tangent, read in the sorted order."""
        (x,), (v,) = inputs, eval_points
        if v is None or x.dtype in discrete_dtypes:
            return [None]
        v_flat, index = self._permutation(x, v)
        return [v_flat[index]]

    def _permutation(self, x: TensorVariable, v: TensorVariable | None = None) -> tuple:
        """(v, or x, flattened when axis is None; the advanced index that reads it in
        the order that sorts x): `v[index]` is numpy.take_along_axis(v, argsort(x), axis)."""
        from .construction import arange
        from .shape import dim_length
        v = x if v is None else v
        if self.axis is None:
            x, v = x.flatten(), v.flatten()
        axis = 0 if self.axis is None else self.axis % x.ndim
        order = ArgSort(axis)(x)
        index = tuple(order if d == axis else
                      DimShuffle(1, ["x" if e != d else 0 for e in range(x.ndim)])(
                          arange(dim_length(x, d)))
                      for d in range(x.ndim))
        return v, index


class ArgSort(Sort):
    """The int64 indices that sort x along `axis` (None: of the flattened array),
    ties in their original order."""

    out_dtype = "int64"

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return [np.argsort(np.asarray(inputs[0]), axis=self.axis, kind="stable").astype(np.int64)]

    def L_op(self, inputs, outputs, output_grads):
        """Indices do not vary smoothly with x: disconnected."""
        return [disconnected_type()]

    def R_op(self, inputs, eval_points):
        return [None]


def _static_size(shape: tuple) -> int | None:
    return None if any(s is None for s in shape) else _fold(operator.mul, shape, 1)


def _check(x: TensorVariable, axis: Any, kind: Any, order: Any, what: str) -> int | None:
    if kind not in KINDS and kind is not None:
        raise ValueError(f"{what}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if order is not None:
        raise ValueError(f"{what}: order= applies to structured arrays, which symtorch has not")
    return None if axis is None else normalize_axis(axis, x, what)


def sort(a: Any, axis: int | None = -1, kind: str = "quicksort", order: Any = None) -> TensorVariable:
    """numpy.sort: a sorted copy of `a` along `axis` (None: flattened first)."""
    a = as_tensor_variable(a)
    return Sort(_check(a, axis, kind, order, "sort"))(a)


def argsort(a: Any, axis: int | None = -1, kind: str = "quicksort",
            order: Any = None) -> TensorVariable:
    """numpy.argsort: the int64 indices that sort `a` along `axis` (None: flattened)."""
    a = as_tensor_variable(a)
    return ArgSort(_check(a, axis, kind, order, "argsort"))(a)

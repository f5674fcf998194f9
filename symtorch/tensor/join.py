"""Joining and cutting: join/concatenate, stack, split, tile, repeat, roll.

Part of the tensor op library; builds on shape.py (lengths, reshape) and construction.py
(alloc). Each op is linear in its data inputs, so its R_op applies the op to the
tangents; the gradients are the transposes (split for join, join for split, sums over
the repetitions, the opposite roll). Torch rules: link/torch/join.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.exceptions import AxisError

from ..gradient import DisconnectedType, disconnected_type
from ..graph.basic import Apply, Op
from . import math as tm
from .basic import as_tensor_variable
from .construction import alloc, arange, zeros_like
from .reduction import sum as tsum
from .scalar import common_dtype, dtype_kind
from .shape import (
    arith,
    as_length,
    dim_length,
    expand_dims,
    flatten,
    fmt_shape,
    lengths_of,
    make_vector,
    normalize_axes,
    normalize_axis,
    reshape,
    shape_lengths,
    shape_vector,
    static_entries,
    static_value,
    vector_entries,
)
from .type import TensorType, numpy_dtype
from .variable import TensorConstant, TensorVariable

__all__ = ["Join", "Repeat", "Roll", "Split", "concatenate", "join", "repeat", "roll", "split",
           "stack", "tile"]


def _cast(x: TensorVariable, dtype: str) -> TensorVariable:
    return x if x.dtype == dtype else tm.cast(x, dtype)


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
        dtype = self.dtype_of(tensors)
        shape = []
        for d in range(ndim):
            lengths = [t.type.shape[d] for t in tensors]
            if d == self.axis:
                shape.append(None if None in lengths else sum(lengths))
                continue
            known = {s for s in lengths if s is not None}
            if len(known) > 1:
                raise ValueError(f"join along axis {self.axis}: dimension {d} differs: " + ", ".join(
                    f"{t.describe()} {fmt_shape(t.type.shape)}" for t in tensors))
            shape.append(known.pop() if known else None)
        return Apply(self, tensors, [TensorType(dtype, shape).make_variable()])

    def infer_shape(self, node, input_shapes):
        out = []
        for d, static in enumerate(node.outputs[0].type.shape):
            if d == self.axis:
                total: Any = 0
                for shp in input_shapes:
                    total = arith("add", total, shp[d])
                out.append(total)
            else:
                out.append(static if static is not None else input_shapes[0][d])
        return [tuple(out)]

    def perform(self, node, inputs):
        return [np.concatenate(inputs, axis=self.axis).astype(
            numpy_dtype(node.outputs[0].dtype), copy=False)]

    def L_op(self, inputs, outputs, output_grads):
        """The gradient cut along the axis into the inputs' lengths there; integer inputs
        get none."""
        (g,) = output_grads
        pieces = Split(len(inputs), self.axis)(g, [dim_length(t, self.axis) for t in inputs])
        pieces = [pieces] if len(inputs) == 1 else pieces
        return [None if dtype_kind(t.dtype) in ("int", "bool") else p
                for t, p in zip(inputs, pieces)]

    def R_op(self, inputs, eval_points):
        """The tangents joined the same way (a missing one is zero)."""
        dtype = self.dtype_of(inputs)
        if dtype_kind(dtype) in ("int", "bool") or all(p is None for p in eval_points):
            return [None]
        return [self(*[zeros_like(t, dtype=dtype) if p is None else _cast(p, dtype)
                       for t, p in zip(inputs, eval_points)])]

    @staticmethod
    def dtype_of(inputs: Sequence[TensorVariable]) -> str:
        return common_dtype([t.dtype for t in inputs])


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
    return Join(normalize_axis(axis, tensors[0].ndim, tensors[0], "join"))(*tensors)


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
    axis = normalize_axis(axis, tensors[0].ndim + 1, tensors[0], "stack")
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
        sizes, n = shape_vector(sizes, "split")
        if x.ndim == 0 or not 0 <= self.axis < x.ndim:
            raise AxisError(f"split: axis {self.axis} is out of range for {x.describe()} "
                            f"({x.ndim} dims)")
        if n not in (None, self.n_splits):
            raise ValueError(f"split into {self.n_splits} pieces: {n} sizes given")
        known = static_entries(sizes, self.n_splits)
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
        entries = vector_entries(node.inputs[1], "split", self.n_splits)
        shp = input_shapes[0]
        return [tuple(shp[:self.axis]) + (e,) + tuple(shp[self.axis + 1:]) for e in entries]

    def perform(self, node, inputs):
        x, sizes = inputs
        sizes = [int(s) for s in sizes]
        if len(sizes) != self.n_splits or sum(sizes) != x.shape[self.axis]:
            raise ValueError(f"split: sizes {sizes} do not cut length {x.shape[self.axis]} into "
                             f"{self.n_splits} pieces")
        return np.split(x, np.cumsum(sizes)[:-1], axis=self.axis)

    def L_op(self, inputs, outputs, output_grads):
        """The pieces' gradients joined back (zeros for a piece without one); the sizes
        are integers: disconnected."""
        grads = [zeros_like(o) if g is None or isinstance(g.type, DisconnectedType) else g
                 for o, g in zip(outputs, output_grads)]
        return [join(self.axis, *grads), disconnected_type()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None] * self.n_splits
        pieces = self(eval_points[0], inputs[1])
        return [pieces] if self.n_splits == 1 else list(pieces)


def split(x: Any, splits_size: Any, n_splits: int, axis: Any = 0) -> Any:
    """x cut along `axis` into `n_splits` pieces of lengths `splits_size` (Theano's
    signature). Gives a list of variables (one variable when n_splits is 1, as Theano)."""
    x = as_tensor_variable(x)
    if x.ndim == 0:
        raise TypeError(f"split: {x.describe()} is a scalar")
    return Split(n_splits, normalize_axis(axis, x.ndim, x, "split"))(x, splits_size)


def tile(x: Any, reps: Any, ndim: int | None = None) -> TensorVariable:
    """numpy.tile: `x` repeated `reps[i]` times along dimension i (reps: ints, integer
    scalars or a vector of known length; x or reps padded with leading 1s)."""
    x = as_tensor_variable(x)
    reps = shape_lengths(reps, "tile")
    n = max(x.ndim, len(reps))
    if ndim is not None:
        if ndim < n:
            raise ValueError(f"tile: ndim={ndim} is less than {n}")
        n = ndim
    one = as_length(1, "tile")
    reps = [one] * (n - len(reps)) + reps
    lengths = [one] * (n - x.ndim) + lengths_of(x)
    # (s0, s1) -> (1, s0, 1, s1) -> (r0, s0, r1, s1) -> (r0 * s0, r1 * s1): a reshape, an
    # Alloc and a reshape, whose gradients sum over the repetitions.
    spread = reshape(x, [v for s in lengths for v in (one, s)])
    big = alloc(spread, *[v for r, s in zip(reps, lengths) for v in (r, s)])
    return reshape(big, [arith("mul", r, s) for r, s in zip(reps, lengths)])


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
            length = arith("mul", shp[self.axis], repeats)
        elif repeats.type.shape[0] == 1:
            length = arith("mul", shp[self.axis], vector_entries(repeats, "repeat")[0])
        else:
            raise NotImplementedError("the length is a sum of the counts")
        return [tuple(shp[:self.axis]) + (length,) + tuple(shp[self.axis + 1:])]

    def perform(self, node, inputs):
        x, repeats = inputs
        return [np.repeat(x, repeats, axis=self.axis)]

    def L_op(self, inputs, outputs, output_grads):
        """dx = the gradient summed over each element's repetitions: with one count r,
        reshaped to (..., n, r, ...) and summed over r; with a count per element, added
        back at each repetition's source index. The counts are integers: disconnected."""
        x, repeats = inputs
        (g,) = output_grads
        a = self.axis
        if repeats.ndim == 0:
            lengths = lengths_of(x)
            gx = tsum(reshape(g, lengths[:a + 1] + [repeats] + lengths[a + 1:]), axis=a + 1)
        else:
            from .subtensor import getitem, inc_subtensor  # subtensor builds on shape.py
            source = Repeat(0)(arange(dim_length(x, a)), repeats)
            gx = inc_subtensor(getitem(zeros_like(x, dtype=g.dtype), (slice(None),) * a + (source,)), g)
        return [gx, disconnected_type()]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


def repeat(x: Any, repeats: Any, axis: Any = None) -> TensorVariable:
    """numpy.repeat: with axis None, of the flattened `x`."""
    x = as_tensor_variable(x)
    if axis is None:
        x, axis = flatten(x), 0
    return Repeat(normalize_axis(axis, x.ndim, x, "repeat"))(x, repeats)


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

    def L_op(self, inputs, outputs, output_grads):
        """dx = the gradient rolled back by the opposite shifts; the shifts: disconnected."""
        _, *shifts = inputs
        back = self(output_grads[0], *[arith("neg", s) for s in shifts])
        return [back, *(disconnected_type() for _ in shifts)]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], *inputs[1:])]


def roll(x: Any, shift: Any, axis: Any = None) -> TensorVariable:
    """numpy.roll: `shift` (an int or integer scalar, or one per axis) along `axis`
    (None: the flattened array, shape restored)."""
    x = as_tensor_variable(x)
    shifts = list(shift) if isinstance(shift, (list, tuple)) else [shift]
    if axis is None:
        if len(shifts) != 1:
            raise ValueError("roll: give one shift when axis is None")
        return Roll(None)(x, *shifts)
    axes = normalize_axes(axis, x.ndim, x, "roll")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(axes)} axes")
    return Roll(axes)(x, *shifts)

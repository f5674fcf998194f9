"""Torch rules for the shape and construction ops (mirrors tensor/shape.py).

Shapes are host values here: `Shape`, `Shape_i` and `MakeVector` of host
lengths give Python tuples and ints, holding an FX proxy (`x.size(i)`) only
where a length is unknown until run time, so reshape, zeros and arange get
Python ints as torch wan A length that is a tensor is turned into an int by
one `as_int` call in the program.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ...graph.basic import Apply, Constant
from ...tensor.shape import (
    Alloc,
    AllocDiag,
    ARange,
    Diagonal,
    Eye,
    Join,
    MakeVector,
    Repeat,
    Reshape,
    Roll,
    Shape,
    Shape_i,
    SpecifyShape,
    Split,
    TensorCopy,
    TriangularPart,
    check_shape,
)
from ...tensor.type import torch_dtype
from .lowering import LoweringContext, as_int, as_int_tuple, lower


def _always(node: Apply, host_inputs: Sequence[bool]) -> bool:
    return True


def _all_host(node: Apply, host_inputs: Sequence[bool]) -> bool:
    return all(host_inputs)


def host_shape(value: Any) -> tuple:
    """The shape of a host value (a number or a tuple of numbers)."""
    return tuple(np.shape(value))


def as_number(value: Any) -> Any:
    """A scalar (tensor or Python number) as a Python number."""
    return value.item() if isinstance(value, torch.Tensor) else value


def _length(ctx: LoweringContext, node: Apply, i: int, value: Any) -> Any:
    """Input `i` of `node`, a length: a host int (or proxy of one) as it is, a tensor via as_int."""
    var = node.inputs[i]
    return value if var in ctx.host else ctx.call(as_int, value)


def _lengths(ctx: LoweringContext, node: Apply, i: int, value: Any) -> Any:
    """Input `i` of `node`, an int vector: a host tuple, a constant's tuple, or as_int_tuple."""
    var = node.inputs[i]
    if var in ctx.host:
        return value
    if isinstance(var, Constant):
        return tuple(int(s) for s in var.data.reshape(-1))
    return ctx.call(as_int_tuple, value)


def _tensor(ctx: LoweringContext, node: Apply, i: int, value: Any) -> Any:
    return ctx.tensor(value, node.inputs[i])


def _dim_size(ctx: LoweringContext, node: Apply, x: Any, i: int) -> Any:
    var = node.inputs[0]
    if var.type.shape[i] is not None:
        return var.type.shape[i]
    if var in ctx.host:
        return ctx.call(host_shape, x)[i]
    return x.size(i)


@lower(Shape, host=_always)
def _shape(ctx, node, x):
    return tuple(_dim_size(ctx, node, x, i) for i in range(node.inputs[0].ndim))


@lower(Shape_i, host=_always)
def _shape_i(ctx, node, x):
    return _dim_size(ctx, node, x, node.op.i)


@lower(MakeVector, host=_all_host)
def _make_vector(ctx, node, *values):
    if node.outputs[0] in ctx.host:
        return tuple(values)
    dtype = torch_dtype(node.op.dtype)
    if not values:
        return torch.empty(0, dtype=dtype, device=ctx.device)
    return torch.stack([ctx.tensor(v, var).to(dtype) for v, var in zip(values, node.inputs)])


@lower(Reshape)
def _reshape(ctx, node, x, shp):
    return _tensor(ctx, node, 0, x).reshape(_lengths(ctx, node, 1, shp))


@lower(SpecifyShape)
def _specify_shape(ctx, node, x):
    return ctx.call(check_shape, _tensor(ctx, node, 0, x), node.op.shape, str(node.inputs[0]))


@lower(TensorCopy)
def _tensor_copy(ctx, node, x):
    return _tensor(ctx, node, 0, x).clone()


@lower(Alloc)
def _alloc(ctx, node, value, *shape):
    shape = tuple(_length(ctx, node, i + 1, s) for i, s in enumerate(shape))
    out = node.outputs[0].type
    if node.inputs[0] in ctx.host and node.inputs[0].ndim == 0:  # a Python number
        return torch.full(shape, value, dtype=out.torch_dtype, device=ctx.device)
    # expand() makes a view with stride 0; clone() makes it a new, dense array.
    return _tensor(ctx, node, 0, value).expand(shape).clone()


def empty_range_stop(start: Any, stop: Any, step: Any) -> Any:
    """`stop`, moved to `start` when the range is empty: torch.arange refuses bounds that
    run against the step, where NumPy gives an empty array."""
    return stop if (stop - start) * step > 0 else start


@lower(ARange)
def _arange(ctx, node, start, stop, step):
    start, stop, step = (v if var in ctx.host else ctx.call(as_number, v)
                         for v, var in zip((start, stop, step), node.inputs))
    if node.outputs[0].type.shape == (0,):
        stop = start
    elif node.outputs[0].type.shape[0] is None:
        stop = ctx.call(empty_range_stop, start, stop, step)
    return torch.arange(start, stop, step, dtype=torch_dtype(node.op.dtype), device=ctx.device)


@lower(Eye)
def _eye(ctx, node, n, m, k):
    n, m, k = (_length(ctx, node, i, v) for i, v in enumerate((n, m, k)))
    dtype = torch_dtype(node.op.dtype)
    if isinstance(k, int) and k == 0:
        return torch.eye(n, m, dtype=dtype, device=ctx.device)
    rows = torch.arange(n, device=ctx.device).unsqueeze(1)
    cols = torch.arange(m, device=ctx.device)
    return (cols - rows == k).to(dtype)


@lower(TriangularPart)
def _triangular_part(ctx, node, x, k):
    fn = torch.tril if node.op.lower else torch.triu
    return fn(_tensor(ctx, node, 0, x), _length(ctx, node, 1, k))


@lower(Diagonal)
def _diagonal(ctx, node, x):
    op = node.op
    return torch.diagonal(_tensor(ctx, node, 0, x), op.offset, op.axis1, op.axis2)


@lower(AllocDiag)
def _alloc_diag(ctx, node, v):
    return torch.diag_embed(_tensor(ctx, node, 0, v), node.op.offset)


@lower(Join)
def _join(ctx, node, *tensors):
    dtype = node.outputs[0].type.torch_dtype
    parts = []
    for i, t in enumerate(tensors):
        t = _tensor(ctx, node, i, t)
        parts.append(t if node.inputs[i].dtype == node.outputs[0].dtype else t.to(dtype))
    return torch.cat(parts, dim=node.op.axis)


@lower(Split)
def _split(ctx, node, x, sizes):
    pieces = torch.split(_tensor(ctx, node, 0, x), _lengths(ctx, node, 1, sizes), dim=node.op.axis)
    if node.op.n_splits == 1:
        return pieces[0]
    return tuple(pieces[i] for i in range(node.op.n_splits))


@lower(Repeat)
def _repeat(ctx, node, x, repeats):
    var = node.inputs[1]
    if var.ndim == 0:
        repeats = _length(ctx, node, 1, repeats)
    elif var.type.shape[0] == 1:  # one count for all, as NumPy broadcasts it
        repeats = ctx.tensor(repeats, var).reshape(())
    else:
        repeats = ctx.tensor(repeats, var)
    return torch.repeat_interleave(_tensor(ctx, node, 0, x), repeats, dim=node.op.axis)


@lower(Roll)
def _roll(ctx, node, x, *shifts):
    shifts = tuple(_length(ctx, node, i + 1, s) for i, s in enumerate(shifts))
    x = _tensor(ctx, node, 0, x)
    if node.op.axes is None:
        return torch.roll(x, shifts[0])
    return torch.roll(x, shifts, node.op.axes)

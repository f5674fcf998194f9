"""Torch rules for the shape ops (mirrors tensor/shape.py), and the argument helpers
that the rules of construction.py and join.py share.

Shapes are host values here: `Shape`, `Shape_i` and `MakeVector` of host lengths give
Python tuples and ints, holding an FX proxy (`x.size(i)`) only where a length is unknown
until run time, so reshape, zeros and arange get Python ints as torch wants. A length
that is a tensor is turned into an int by one `as_int` call in the program.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ...graph.basic import Apply, Constant
from ...tensor.shape import MakeVector, Reshape, Shape, Shape_i, SpecifyShape, check_shape
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


def length_arg(ctx: LoweringContext, node: Apply, i: int, value: Any) -> Any:
    """Input `i` of `node`, a length: a host int (or proxy of one) as it is, a tensor via as_int."""
    var = node.inputs[i]
    return value if var in ctx.host else ctx.call(as_int, value)


def lengths_arg(ctx: LoweringContext, node: Apply, i: int, value: Any) -> Any:
    """Input `i` of `node`, an int vector: a host tuple, a constant's tuple, or as_int_tuple."""
    var = node.inputs[i]
    if var in ctx.host:
        return value
    if isinstance(var, Constant):
        return tuple(int(s) for s in var.data.reshape(-1))
    return ctx.call(as_int_tuple, value)


def tensor_arg(ctx: LoweringContext, node: Apply, i: int, value: Any) -> Any:
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
    return tensor_arg(ctx, node, 0, x).reshape(lengths_arg(ctx, node, 1, shp))


@lower(SpecifyShape)
def _specify_shape(ctx, node, x):
    return ctx.call(check_shape, tensor_arg(ctx, node, 0, x), node.op.shape, str(node.inputs[0]))



"""Torch rules for Elemwise and DimShuffle (mirrors tensor/elemwise.py).

One rule serves every row of the scalar table: cast the inputs to the dtype
the row computes in (decided now, from the static types, so the program
holds no dtype tests), then call the row's torch function.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ...graph.basic import Apply
from ...tensor.elemwise import DimShuffle, Elemwise
from ...tensor.scalar import dtype_kind
from ...tensor.type import torch_dtype
from .lowering import LoweringContext, lower


def _elemwise_is_host(node: Apply, host_inputs: Sequence[bool]) -> bool:
    """Integer arithmetic on host values stays on the host (shape arithmetic)."""
    return (all(host_inputs) and node.op.scalar_op.python is not None
            and node.outputs[0].type.ndim == 0
            and dtype_kind(node.outputs[0].dtype) in ("int", "bool"))


_INPLACE_METHODS = {"add": "add_", "sub": "sub_", "mul": "mul_", "true_div": "div_",
                    "pow": "pow_", "maximum": None, "minimum": None}


def _elemwise_inplace(ctx: LoweringContext, node: Apply, target, *others) -> bool:
    """`target.add_(y)` for the update `s <- s + y` when s already has the result's
    dtype and shape (its static shape is the result's), so the write cannot fail halfway."""
    method = _INPLACE_METHODS.get(node.op.scalar_op.name)
    out, first = node.outputs[0], node.inputs[0]
    if method is None or first.type != out.type or None in out.type.shape and not all(
            other.type.ndim == 0 or other.type.shape == out.type.shape or
            all(s == 1 for s in other.type.shape) for other in node.inputs[1:]):
        return False
    cast_to, _ = node.op.scalar_op.dtype_rule([x.dtype for x in node.inputs], [False] * len(node.inputs))
    args = []
    for var, value, dtype in zip(node.inputs[1:], others, cast_to[1:]):
        if var in ctx.host:
            args.append(value)
        else:
            args.append(value if var.dtype == dtype else _cast(value, dtype))
    getattr(target, method)(*args)
    return True


@lower(Elemwise, host=_elemwise_is_host, inplace=_elemwise_inplace)
def _elemwise(ctx: LoweringContext, node: Apply, *args):
    row = node.op.scalar_op
    out = node.outputs[0]
    if out in ctx.host:
        return row.python(*args)
    cast_to, _ = row.dtype_rule([x.dtype for x in node.inputs], [False] * len(args))
    values = []
    for i, (var, value, dtype) in enumerate(zip(node.inputs, args, cast_to)):
        if i > 0 and var in ctx.host and cast_to[0] == dtype:
            # A Python number after a tensor of the same dtype: torch treats it as a weak
            # scalar, which keeps the tensor's dtype, and saves building a tensor.
            values.append(value)
        else:
            value = ctx.tensor(value, var)
            values.append(value if var.dtype == dtype else _cast(value, dtype))
    return row.torch(*values)


def _cast(value, dtype: str):
    return value.to(torch_dtype(dtype))


def _broadcasts_a_host_scalar(node: Apply, host_inputs: Sequence[bool]) -> bool:
    """DimShuffle{x,x}(2): a Python number broadcasts by itself; keep it one."""
    return host_inputs[0] and node.inputs[0].ndim == 0 and node.outputs[0].type.dtype not in (
        "complex64", "complex128")


@lower(DimShuffle, host=_broadcasts_a_host_scalar)
def _dimshuffle(ctx: LoweringContext, node: Apply, x):
    op = node.op
    if node.outputs[0] in ctx.host:
        return x
    x = ctx.tensor(x, node.inputs[0])
    if op.drop:
        x = x.squeeze(op.drop) if len(op.drop) > 1 else x.squeeze(op.drop[0])
        # Dimensions after a dropped one shift left.
        kept = [i for i in range(op.input_ndim) if i not in op.drop]
        shuffle = [kept.index(i) for i in op.shuffle]
    else:
        shuffle = list(op.shuffle)
    if shuffle != sorted(shuffle):
        x = x.permute(*shuffle)
    for axis in op.augment:
        x = x.unsqueeze(axis)
    return x

"""Torch rules for Elemwise and DimShuffle (mirrors tensor/elemwise.py).

One rule serves every row of the scalar table: cast the inputs to the dtype
the row computes in (decided now, from the static types, so the program
holds no dtype tests), then call the row's torch function for that dtype.
Python numbers stay literals where torch takes them (`x * 2.0`, `1.5 - x`):
torch treats them as weak, as NumPy 2 does, so they never change the dtype.
Imports tensor/ (types and the table) and lowering.py.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np
import torch

from ...graph.basic import Apply
from ...tensor.elemwise import DimShuffle, Elemwise
from ...tensor.scalar import dtype_kind, is_number, ordering, to_bool
from ...tensor.type import torch_dtype
from .lowering import LoweringContext, host_to_tensor, lower


def _elemwise_is_host(node: Apply, host_inputs: Sequence[bool]) -> bool:
    """Integer arithmetic on host values stays on the host (shape arithmetic): int64
    results, and the comparisons of them."""
    row = node.op.scalar_op
    out = node.outputs[0]
    return (all(host_inputs) and row.python is not None and out.type.ndim == 0
            and (out.dtype == "int64" or (out.dtype == "bool" and
                                          row.dtype_rule in (to_bool, ordering))))


# Integer // and % by a known nonzero number need not guard against a zero divisor.
_NONZERO_DIVISOR = {"//": operator.floordiv, "%": operator.mod}

_INPLACE_METHODS = {"add": "add_", "sub": "sub_", "mul": "mul_", "true_div": "div_",
                    "pow": "pow_"}


def _elemwise_inplace(ctx: LoweringContext, node: Apply, target, *others) -> bool:
    """`target.add_(y)` for the update `s <- s + y` when s already has the result's
    dtype and shape (its static shape is the result's), so the write cannot fail halfway."""
    row = node.op.scalar_op
    method = _INPLACE_METHODS.get(row.name)
    out, first = node.outputs[0], node.inputs[0]
    if method is None or first.type != out.type or None in out.type.shape and not all(
            other.type.ndim == 0 or other.type.shape == out.type.shape or
            all(s == 1 for s in other.type.shape) for other in node.inputs[1:]):
        return False
    if row.name == "pow" and dtype_kind(out.dtype) in ("bool", "int"):
        return False  # integer powers have their own rule for negative exponents
    cast_to, _ = row.dtype_rule([x.dtype for x in node.inputs], [False] * len(node.inputs))
    args = []
    for var, value, dtype in zip(node.inputs[1:], others, cast_to[1:]):
        if var in ctx.host:
            args.append(value)  # a Python number (or a length): torch methods take them
        else:
            value = _program_tensor(ctx, value, var)
            args.append(value if var.dtype == dtype else value.to(torch_dtype(dtype)))
    getattr(target, method)(*args)
    return True


@lower(Elemwise, host=_elemwise_is_host, inplace=_elemwise_inplace)
def _elemwise(ctx: LoweringContext, node: Apply, *args):
    row = node.op.scalar_op
    if node.outputs[0] in ctx.host:
        if all(is_number(a) for a in args):
            return row.python(*args)  # known now: folded
        if row.symbol in _NONZERO_DIVISOR and is_number(args[1]) and args[1] != 0:
            return _NONZERO_DIVISOR[row.symbol](*args)  # n // 2: the plain operator
        return ctx.call(row.python, *args)
    cast_to, _ = row.dtype_rule([x.dtype for x in node.inputs], [False] * len(args))
    compute = cast_to[-1]  # the dtype the row computes in (switch's condition comes first)
    inputs, args = list(node.inputs), list(args)
    if row.commutative and len(args) == 2 and is_number(args[0]) and not is_number(args[1]):
        inputs.reverse()  # 2 * x: torch wants the tensor first
        args.reverse()
    numbers = [is_number(a) for a in args]  # host values known now
    # Numbers stay literals where torch takes numbers, provided a tensor of the computing
    # dtype is there to fix the result's dtype; elsewhere (and host values computed at run
    # time, such as lengths) they become tensors.
    keep = [n and i in row.numbers_at and cast_to[i] == compute for i, n in enumerate(numbers)]
    computing = [i for i, dt in enumerate(cast_to) if dt == compute]
    if all(numbers[i] for i in computing):
        keep[computing[0]] = False
    values = []
    for var, value, dtype, as_number in zip(inputs, args, cast_to, keep):
        if as_number:
            values.append(value)
        elif is_number(value):  # known now: a constant tensor, made in the computing dtype
            values.append(ctx.constant_tensor(np.full(var.type.shape, value),
                                              var.type.clone(dtype=dtype), "c"))
        elif var in ctx.host:  # a host value computed at run time (a length): made in dtype
            value = ctx.call(host_to_tensor, value, torch_dtype(dtype), ctx.device)
            values.append(value.reshape(var.type.shape) if var.type.ndim else value)
        else:
            value = _program_tensor(ctx, value, var)
            values.append(value if var.dtype == dtype else value.to(torch_dtype(dtype)))
    return row.torch_for(compute)(*values)


def _program_tensor(ctx: LoweringContext, value, var):
    """A tensor value of the program: a real tensor some rule computed while the program was
    built (all its inputs known) becomes a constant of the program, not a literal in its code."""
    if isinstance(value, torch.Tensor):
        return ctx.constant_tensor(value, var.type)
    return ctx.tensor(value, var)


def _broadcasts_a_host_scalar(node: Apply, host_inputs: Sequence[bool]) -> bool:
    """DimShuffle{x,x}(2): a Python number broadcasts by itself; keep it one."""
    return host_inputs[0] and node.inputs[0].ndim == 0 and node.outputs[0].type.dtype not in (
        "complex64", "complex128")


@lower(DimShuffle, host=_broadcasts_a_host_scalar)
def _dimshuffle(ctx: LoweringContext, node: Apply, x):
    op = node.op
    if node.outputs[0] in ctx.host:
        return x
    x = _program_tensor(ctx, x, node.inputs[0])
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

"""Torch rules for Reduce, ArgReduce and SumTo (mirrors tensor/reduction.py).

One rule serves every kind of the table: `_TORCH` holds each kind's torch call. A
reduction of a host value (the product of a shape, for `x.size`) stays on the host.
Reducing no axis still returns a new tensor: Reduce promises no view of its input.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence

import torch
import torch.fx

from ...graph.basic import Apply
from ...tensor.reduction import REDUCTIONS, ArgReduce, Reduce, SumTo
from ...tensor.scalar import dtype_kind
from ...tensor.type import torch_dtype
from .lowering import LoweringContext, as_int, as_int_tuple, lower


def _flatten_axes(x: torch.Tensor, axes: tuple[int, ...], ndim: int) -> torch.Tensor:
    """`x` with `axes` moved to the end and flattened into one: reduce it with dim=-1."""
    kept = [i for i in range(ndim) if i not in axes]
    order = kept + list(axes)
    if order != list(range(ndim)):
        x = x.permute(*order)
    return x.flatten(start_dim=len(kept))


def _prod(x: torch.Tensor, axes: tuple[int, ...], ndim: int, dtype: torch.dtype) -> torch.Tensor:
    if len(axes) == ndim:
        return torch.prod(x, dtype=dtype)
    if len(axes) == 1:
        return torch.prod(x, dim=axes[0], dtype=dtype)
    return torch.prod(_flatten_axes(x, axes, ndim), dim=-1, dtype=dtype)


# kind -> torch call (x, axes (never empty), ndim, output dtype); all and any get bools
_TORCH = {
    "sum": lambda x, axes, ndim, dt: torch.sum(x, dim=axes, dtype=dt),
    "prod": _prod,
    "max": lambda x, axes, ndim, dt: torch.amax(x, dim=axes),
    "min": lambda x, axes, ndim, dt: torch.amin(x, dim=axes),
    "all": lambda x, axes, ndim, dt: torch.all(x, dim=axes),
    "any": lambda x, axes, ndim, dt: torch.any(x, dim=axes),
}


def _reduces_host_ints(node: Apply, host_inputs: Sequence[bool]) -> bool:
    """sum/prod/max/... of a shape (a host tuple of ints) is a host int."""
    out = node.outputs[0]
    return host_inputs[0] and out.ndim == 0 and node.inputs[0].ndim <= 1 \
        and dtype_kind(out.dtype) in ("int", "bool")


def _host_reduce(kind: str, value):
    """The reduction of a host value: a tuple of ints (a vector) or one int (0-d)."""
    if isinstance(value, (tuple, list, torch.Size, torch.Tensor)):
        return REDUCTIONS[kind].python(as_int_tuple(value))
    return REDUCTIONS[kind].python((value,))


def _has_proxy(value) -> bool:
    if isinstance(value, (tuple, list)):
        return any(isinstance(v, torch.fx.Proxy) for v in value)
    return isinstance(value, torch.fx.Proxy)


@lower(Reduce, host=_reduces_host_ints)
def _reduce(ctx: LoweringContext, node: Apply, x):
    op, inp, out = node.op, node.inputs[0], node.outputs[0]
    if out in ctx.host:
        if isinstance(x, tuple) and op.kind in ("sum", "prod"):  # lengths: inline arithmetic
            add = op.kind == "sum"
            return functools.reduce(operator.add if add else operator.mul, x) if x else int(not add)
        if _has_proxy(x):
            return ctx.call(_host_reduce, op.kind, x)
        return _host_reduce(op.kind, x)
    x = ctx.tensor(x, inp)
    axes = op.axes(inp.ndim)
    if op.kind in ("all", "any") and inp.dtype != "bool":
        x = x != 0  # a new bool tensor; NaN counts as true, as in NumPy
        if not axes:
            return x
    if not axes:  # nothing to reduce: only the dtype rule, on a new tensor
        return x.clone() if inp.dtype == out.dtype else x.to(torch_dtype(out.dtype))
    return _TORCH[op.kind](x, axes, inp.ndim, torch_dtype(out.dtype))


@lower(ArgReduce)
def _arg_reduce(ctx: LoweringContext, node: Apply, x):
    op, inp = node.op, node.inputs[0]
    x = ctx.tensor(x, inp)
    if inp.dtype in ("bool", "uint8"):
        # torch has no argmax of bool, and Inductor's argmin of uint8 misses ties
        x = x.to(torch.int16)
    fn = torch.argmax if op.kind == "max" else torch.argmin
    axes = op.axes(inp.ndim)
    if not axes:
        return torch.zeros_like(x, dtype=torch.int64)
    if len(axes) == inp.ndim:
        return fn(x)
    if len(axes) == 1:
        return fn(x, dim=axes[0])
    return fn(_flatten_axes(x, axes, inp.ndim), dim=-1)



def sum_to_size(x: torch.Tensor, shape: tuple) -> torch.Tensor:
    """torch's sum_to_size, with the error NumPy's reference gives. When nothing is summed
    it returns x itself (SumTo declares that view), saving a copy per gradient step."""
    if len(shape) != x.ndim or any(n not in (1, m) for n, m in zip(shape, x.shape)):
        raise ValueError(f"sum_to: an array of shape {tuple(x.shape)} cannot be summed to shape "
                         f"{tuple(shape)}")
    return x.sum_to_size(shape)


@lower(SumTo)
def _sum_to(ctx: LoweringContext, node: Apply, x, *lengths):
    shape = tuple(n if var in ctx.host else ctx.call(as_int, n)
                  for n, var in zip(lengths, node.inputs[1:]))
    return ctx.call(sum_to_size, ctx.tensor(x, node.inputs[0]), shape)

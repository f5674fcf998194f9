"""Torch rules for CumOp, DiffOp and BinCount (mirrors tensor/extra_ops.py)."""

from __future__ import annotations

import torch

from ...graph.basic import Apply
from ...tensor.extra_ops import BinCount, CumOp, DiffOp
from .lowering import LoweringContext, lower


@lower(CumOp)
def _cum(ctx: LoweringContext, node: Apply, x):
    op, out = node.op, node.outputs[0]
    x = ctx.tensor(x, node.inputs[0])
    axis = op.axis
    if axis is None:
        x, axis = x.reshape(-1), 0
    fn = torch.cumsum if op.mode == "add" else torch.cumprod
    return fn(x, dim=axis, dtype=out.type.torch_dtype)


@lower(DiffOp)
def _diff(ctx: LoweringContext, node: Apply, x):
    return torch.diff(ctx.tensor(x, node.inputs[0]), n=node.op.n, dim=node.op.axis)


def _check_nonnegative(x: torch.Tensor) -> torch.Tensor:
    if x.numel() and bool((x < 0).any()):
        raise ValueError("bincount: the input has negative values")
    return x


@lower(BinCount)
def _bincount(ctx: LoweringContext, node: Apply, x, weights=None):
    x = ctx.tensor(x, node.inputs[0]).to(torch.int64)
    if weights is not None:
        weights = ctx.tensor(weights, node.inputs[1]).to(torch.float64)
    x = ctx.call(_check_nonnegative, x)
    return torch.bincount(x, weights=weights, minlength=node.op.minlength)

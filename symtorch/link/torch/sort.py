"""Torch rules for Sort and ArgSort (mirrors tensor/sort.py): torch.sort, stable."""

from __future__ import annotations

import torch

from ...graph.basic import Apply
from ...tensor.sort import ArgSort, Sort
from .lowering import LoweringContext, lower


@lower(Sort, ArgSort)
def _sort(ctx: LoweringContext, node: Apply, x):
    x = ctx.tensor(x, node.inputs[0])
    axis = node.op.axis
    if axis is None:
        x, axis = x.reshape(-1), 0
    values, indices = torch.sort(x, dim=axis, stable=True)
    return indices if isinstance(node.op, ArgSort) else values

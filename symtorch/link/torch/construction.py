"""Torch rules for the construction ops (mirrors tensor/construction.py).

Lengths arrive as host ints where they are known while the program is built (see
shape.py here). `SetDiagonal`, Diagonal's gradient, is torch's `diagonal_scatter`.
"""

from __future__ import annotations

from typing import Any

import torch

from ...tensor.construction import (
    Alloc,
    AllocDiag,
    ARange,
    Diagonal,
    Eye,
    SetDiagonal,
    TensorCopy,
    TriangularPart,
)
from ...tensor.type import torch_dtype
from .lowering import lower
from .shape import as_number, length_arg, tensor_arg


@lower(TensorCopy)
def _tensor_copy(ctx, node, x):
    return tensor_arg(ctx, node, 0, x).clone()


@lower(Alloc)
def _alloc(ctx, node, value, *shape):
    shape = tuple(length_arg(ctx, node, i + 1, s) for i, s in enumerate(shape))
    out = node.outputs[0].type
    if node.inputs[0] in ctx.host and node.inputs[0].ndim == 0:  # a Python number
        return ctx.call(torch.full, shape, value, dtype=out.torch_dtype, device=ctx.device)
    # expand() makes a view with stride 0; clone() makes it a new, dense array.
    return tensor_arg(ctx, node, 0, value).expand(shape).clone()


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
    n, m, k = (length_arg(ctx, node, i, v) for i, v in enumerate((n, m, k)))
    dtype = torch_dtype(node.op.dtype)
    if isinstance(k, int) and k == 0:
        return torch.eye(n, m, dtype=dtype, device=ctx.device)
    rows = torch.arange(n, device=ctx.device).unsqueeze(1)
    cols = torch.arange(m, device=ctx.device)
    return (cols - rows == k).to(dtype)


@lower(TriangularPart)
def _triangular_part(ctx, node, x, k):
    fn = torch.tril if node.op.lower else torch.triu
    return fn(tensor_arg(ctx, node, 0, x), length_arg(ctx, node, 1, k))


@lower(Diagonal)
def _diagonal(ctx, node, x):
    op = node.op
    return torch.diagonal(tensor_arg(ctx, node, 0, x), op.offset, op.axis1, op.axis2)


@lower(SetDiagonal)
def _set_diagonal(ctx, node, x, v):
    op = node.op
    return torch.diagonal_scatter(tensor_arg(ctx, node, 0, x), tensor_arg(ctx, node, 1, v),
                                  op.offset, op.axis1, op.axis2)


@lower(AllocDiag)
def _alloc_diag(ctx, node, v):
    return torch.diag_embed(tensor_arg(ctx, node, 0, v), node.op.offset)



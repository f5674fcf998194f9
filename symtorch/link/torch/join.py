"""Torch rules for joining and cutting (mirrors tensor/join.py): torch.cat, torch.split,
repeat_interleave, torch.roll."""

from __future__ import annotations

import numpy as np
import torch

from ...graph.basic import Constant
from ...tensor.join import Join, Repeat, Roll, Split
from .lowering import lower
from .shape import length_arg, lengths_arg, tensor_arg


@lower(Join)
def _join(ctx, node, *tensors):
    dtype = node.outputs[0].type.torch_dtype
    parts = []
    for i, t in enumerate(tensors):
        t = tensor_arg(ctx, node, i, t)
        parts.append(t if node.inputs[i].dtype == node.outputs[0].dtype else t.to(dtype))
    return torch.cat(parts, dim=node.op.axis)


@lower(Split)
def _split(ctx, node, x, sizes):
    pieces = torch.split(tensor_arg(ctx, node, 0, x), lengths_arg(ctx, node, 1, sizes), dim=node.op.axis)
    if node.op.n_splits == 1:
        return pieces[0]
    return tuple(pieces[i] for i in range(node.op.n_splits))


@lower(Repeat)
def _repeat(ctx, node, x, repeats):
    var = node.inputs[1]
    known = None  # the output's length, where known counts give it: that keeps it compilable
    if var.ndim == 0:
        repeats = length_arg(ctx, node, 1, repeats)
    elif var.type.shape[0] == 1:  # one count for all, as NumPy broadcasts it
        repeats = ctx.tensor(repeats, var).reshape(())
    else:
        repeats = ctx.tensor(repeats, var)
        known = int(np.sum(var.data)) if isinstance(var, Constant) else None
    return torch.repeat_interleave(tensor_arg(ctx, node, 0, x), repeats, dim=node.op.axis,
                                   output_size=known)


@lower(Roll)
def _roll(ctx, node, x, *shifts):
    shifts = tuple(length_arg(ctx, node, i + 1, s) for i, s in enumerate(shifts))
    x = tensor_arg(ctx, node, 0, x)
    if node.op.axes is None:
        return torch.roll(x, shifts[0])
    return torch.roll(x, shifts, node.op.axes)

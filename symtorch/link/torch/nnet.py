"""Torch rules for the nnet ops (mirrors tensor/nnet.py): softmax, log-softmax,
the cross-entropy of integer labels (a gather along the class axis) and its
gradient (a scatter)."""

from __future__ import annotations

import torch
import torch.fx

from ...graph.basic import Apply
from ...tensor.nnet import (
    CrossentropyCategorical1Hot,
    CrossentropyCategorical1HotGrad,
    LogSoftmax,
    Softmax,
    check_label_shape,
)
from .lowering import LoweringContext, lower


def _along_axis(fn, x, axis):
    if axis is None:  # over all elements
        return fn(x.reshape(-1), 0).view_as(x)
    return fn(x, axis)


@lower(Softmax)
def _softmax(ctx: LoweringContext, node: Apply, x):
    return _along_axis(torch.softmax, ctx.tensor(x, node.inputs[0]), node.op.axis)


@lower(LogSoftmax)
def _log_softmax(ctx: LoweringContext, node: Apply, x):
    return _along_axis(torch.log_softmax, ctx.tensor(x, node.inputs[0]), node.op.axis)


@torch.fx.node.has_side_effect  # a check: kept although nothing uses its result
def check_labels(coding, labels) -> None:
    check_label_shape(coding, labels)


def _label_index(ctx: LoweringContext, coding_var, labels_var, coding, labels):
    """The labels as an int64 index with a trailing class axis, checked against coding."""
    known = coding_var.type.shape[:-1]
    if any(s is None for s in known) or labels_var.type.shape != known:
        ctx.call(check_labels, coding, labels)  # torch.gather would silently truncate
    index = labels.unsqueeze(-1)
    return index if labels_var.dtype == "int64" else index.long()


@lower(CrossentropyCategorical1Hot)
def _crossentropy_1hot(ctx: LoweringContext, node: Apply, coding, labels):
    coding_var, labels_var = node.inputs
    coding, labels = ctx.tensor(coding, coding_var), ctx.tensor(labels, labels_var)
    index = _label_index(ctx, coding_var, labels_var, coding, labels)
    return -torch.log(torch.gather(coding, -1, index).squeeze(-1))


@lower(CrossentropyCategorical1HotGrad)
def _crossentropy_1hot_grad(ctx: LoweringContext, node: Apply, g, coding, labels):
    g_var, coding_var, labels_var = node.inputs
    g, coding = ctx.tensor(g, g_var), ctx.tensor(coding, coding_var)
    labels = ctx.tensor(labels, labels_var)
    index = _label_index(ctx, coding_var, labels_var, coding, labels)
    picked = -g.unsqueeze(-1) / torch.gather(coding, -1, index)
    return torch.zeros_like(coding).scatter(-1, index, picked)

"""Torch rules for the ops of symtorch/gradient.py: gradient modifiers and ShapeOf."""

from __future__ import annotations

from ...gradient import GradModifier, ShapeOf
from .lowering import lower


def check_shape_of(x, v, name: str):
    if x.shape != v.shape:
        raise ValueError(f"the eval point for {name!r} has shape {tuple(v.shape)}; {name!r} has "
                         f"shape {tuple(x.shape)}")
    return v


@lower(GradModifier)
def _grad_modifier(ctx, node, x):
    return x


@lower(ShapeOf)
def _shape_of(ctx, node, x, v):
    x, v = ctx.tensor(x, node.inputs[0]), ctx.tensor(v, node.inputs[1])
    return ctx.call(check_shape_of, x, v, node.op.name)

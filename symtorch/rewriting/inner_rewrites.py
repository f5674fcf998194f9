"""Rewrites of ops that hold inner graphs (IfElse, BatchedGraph): the inner graph gets
the mode's rewrites, as the scan rewrites do for a loop's step; an ifelse whose
condition is a constant is its branch."""

from __future__ import annotations

import weakref
from types import SimpleNamespace

from ..gradient import BatchedGraph
from ..graph.basic import Apply
from ..graph.fg import FunctionGraph
from ..ifelse import IfElse, InnerGraph
from .basic import node_rewriter
from .db import register

# Inner graphs already rewritten (or produced by rewriting), per optimizer.
_DONE: dict[str, weakref.WeakSet] = {"fast_run": weakref.WeakSet(),
                                     "fast_compile": weakref.WeakSet()}


def _rewrite_inner(node: Apply, optimizer: str):
    from .db import rewrite_for_mode

    op = node.op
    done = _DONE[optimizer]
    if op.inner in done:
        return None
    fg = FunctionGraph(op.inner.inputs, op.inner.outputs, clone=True)
    rewrite_for_mode(fg, SimpleNamespace(optimizer=optimizer, included=(), excluded=()))
    new_op = op.with_inner(InnerGraph(fg.inputs, fg.outputs))
    done.add(op.inner)
    done.add(new_op.inner)
    outs = new_op.make_node(*node.inputs).outputs
    if any(not old.type.accepts_variable_type(new.type) for old, new in zip(node.outputs, outs)):
        return None
    return outs


@register("canonicalize", "fast_run")
@node_rewriter([IfElse, BatchedGraph])
def inner_graph_rewrite(fgraph: FunctionGraph, node: Apply):
    """The inner graph of an IfElse or BatchedGraph gets FAST_RUN's rewrites (what it
    computes is unchanged)."""
    return _rewrite_inner(node, "fast_run")


@register("canonicalize", "fast_compile")
@node_rewriter([IfElse, BatchedGraph])
def inner_graph_rewrite_fast_compile(fgraph: FunctionGraph, node: Apply):
    """The inner graph of an IfElse or BatchedGraph gets FAST_COMPILE's rewrites."""
    return _rewrite_inner(node, "fast_compile")


@register("canonicalize", "fast_run", "fast_compile")
@node_rewriter([IfElse])
def ifelse_constant_condition(fgraph: FunctionGraph, node: Apply):
    """ifelse(constant c, a, b) -> a if c else b: the branch is known when the graph is
    built (the branch's type is at least as specific as the ifelse's)."""
    from ..tensor.basic import NotScalarConstantError, get_scalar_constant_value

    try:
        value = get_scalar_constant_value(node.inputs[0])
    except NotScalarConstantError:
        return None
    op = node.op
    return op.inner.outer(op.then_outputs if value else op.else_outputs, node.inputs[1:])

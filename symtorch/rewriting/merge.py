"""Merging and constant folding: the rewrites every mode runs.

Merge keeps one copy of each computation: two nodes applying equal ops to
the same inputs, and two equal constants, become one. Constant folding
computes, at compile time, a node whose inputs are all constants, with the
op's NumPy reference.
"""

from __future__ import annotations

import numpy as np

from ..graph.basic import Apply, Constant
from ..graph.fg import FunctionGraph
from .basic import node_rewriter, stats_of
from .db import register

# Ops whose output must not be computed at compile time (random draws, values read
# from shared state, outputs larger than what is worth storing in the program).
MAX_FOLDED_SIZE = 1 << 16


@register("merge", "fast_run", "fast_compile", "merge_only")
@register("final", "fast_run", "fast_compile", "merge_only", name="merge_final")
def merge(fgraph: FunctionGraph) -> bool:
    """Equal constants and equal nodes on equal inputs become one (common subexpressions)."""
    changed = False
    constants: dict = {}
    for var in list(fgraph.variables):
        if isinstance(var, Constant) and var in fgraph.variables and fgraph.clients.get(var):
            key = var.signature()
            try:
                hash(key)
            except TypeError:
                continue
            kept = constants.setdefault(key, var)
            if kept is not var:
                fgraph.replace(var, kept, reason="merge")
                changed = True
    seen: dict = {}
    # Equal ops share one representative, so a node's key is a tuple of ids (cheap to
    # hash, where an op hashes its props each time). Merging builds no node, so every id
    # here belongs to a live object for the whole loop.
    representative: dict = {}
    op_ids: dict[int, int] = {}
    for node in fgraph.toposort():
        if node not in fgraph.apply_nodes:
            continue
        op_id = op_ids.get(id(node.op))
        if op_id is None:
            op_id = op_ids[id(node.op)] = id(representative.setdefault(node.op, node.op))
        key = (op_id, *map(id, node.inputs))
        other = seen.setdefault(key, node)
        if other is not node and all(a.type == b.type for a, b in zip(other.outputs, node.outputs)):
            for old, new in zip(node.outputs, other.outputs):
                if old in fgraph.variables:
                    fgraph.replace(old, new, reason="merge")
            stats_of(fgraph).count("merge")
            changed = True
    return changed


def _foldable(node: Apply) -> bool:
    if not node.inputs or not all(isinstance(v, Constant) for v in node.inputs):
        return False
    return not getattr(node.op, "no_constant_folding", False)


@register("canonicalize", "fast_run", "fast_compile")
@node_rewriter()
def constant_folding(fgraph: FunctionGraph, node: Apply):
    """op(constants) -> its value, computed now with the op's NumPy reference."""
    if not _foldable(node):
        return None
    try:
        values = node.op.perform(node, [v.data for v in node.inputs])
    except NotImplementedError:
        return None
    outs = []
    for out, value in zip(node.outputs, values):
        value = np.asarray(value)
        if value.size > MAX_FOLDED_SIZE or value.dtype != out.type.numpy_dtype:
            return None
        outs.append(out.type.make_constant(value))
    return outs

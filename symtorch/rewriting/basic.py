"""The rewrite engine: node rewriters, patterns, walkers and the equilibrium loop.

The third box of DESIGN.md's flow. A node rewriter looks at one Apply node
and returns replacements for its outputs (or None); walkers apply node
rewriters over a FunctionGraph; the equilibrium rewriter repeats until no
rewriter changes anything. Every replacement goes through
`FunctionGraph.replace`, which refuses a change of type. Imports graph/ and
tensor/ (to read ops); nothing here knows about backends.
"""

from __future__ import annotations

import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..graph.basic import Apply, Constant, Op, Variable
from ..graph.fg import FunctionGraph
from ..graph.traversal import check_replacement

# What a node rewriter returns: None/False (no change), a list of new outputs (one per
# output of the node), or a dict {old variable: new variable}.
Replacement = None | bool | Sequence[Variable | None] | dict[Variable, Variable]


class RewriteTypeError(TypeError):
    """A rewrite tried to replace a variable by one of another type."""


@dataclass(eq=False)
class NodeRewriter:
    """A named function (fgraph, node) -> replacements, applied to nodes of `tracks`.

    `tracks` lists Op classes or Op instances (a node matches when its op is an
    instance of a class, or equals an instance); empty means every node.
    """

    fn: Callable[[FunctionGraph, Apply], Replacement]
    tracks: tuple = ()
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or self.fn.__name__
        self.__doc__ = self.fn.__doc__

    def matches(self, node: Apply) -> bool:
        if not self.tracks:
            return True
        op = node.op
        for t in self.tracks:
            if isinstance(t, type):
                if isinstance(op, t):
                    return True
            elif op is t or (type(op) is type(t) and op == t):
                return True
        return False

    def could_match(self, op_class: type) -> bool:
        """Whether some op of `op_class` could match (a cheap filter, by class)."""
        return not self.tracks or any(
            issubclass(op_class, t) if isinstance(t, type) else type(t) is op_class
            for t in self.tracks)

    def transform(self, fgraph: FunctionGraph, node: Apply) -> Replacement:
        return self.fn(fgraph, node)

    def __repr__(self) -> str:
        return f"<NodeRewriter {self.name}>"


def node_rewriter(tracks: Iterable[Any] | None = None, name: str | None = None):
    """Decorator: make a NodeRewriter of `fn(fgraph, node)` tracking `tracks`."""
    def wrap(fn: Callable) -> NodeRewriter:
        return NodeRewriter(fn, tuple(tracks or ()), name or fn.__name__)

    return wrap


# -- declarative patterns -------------------------------------------------------------------


@dataclass(eq=False)
class PatternNodeRewriter(NodeRewriter):
    """Replace `in_pattern` by `out_pattern`.

    A pattern is a tuple `(op, *sub_patterns)`, a string naming a variable to bind
    (the same name must bind the same variable), or a number matching a constant
    (broadcast or not) of that value. `op` is an Op instance, or a function that
    builds the node (such as T.mul), compared by the op it builds. The output
    pattern is built by calling the ops on the bound variables. A node feeding
    more than one client is matched only at the root unless allow_multiple_clients.
    """

    in_pattern: Any = None
    out_pattern: Any = None
    allow_multiple_clients: bool = False

    def __init__(self, in_pattern: Any, out_pattern: Any, name: str,
                 allow_multiple_clients: bool = False, doc: str | None = None):
        self.in_pattern, self.out_pattern = in_pattern, out_pattern
        self.allow_multiple_clients = allow_multiple_clients
        op = in_pattern[0]
        super().__init__(self._apply, (op,) if isinstance(op, Op) else (), name)
        self.__doc__ = doc

    def _apply(self, fgraph: FunctionGraph, node: Apply) -> Replacement:
        bindings: dict[str, Variable] = {}
        if not _match(self.in_pattern, node.outputs[0], bindings, fgraph, self.allow_multiple_clients,
                      root=True):
            return None
        new = _build(self.out_pattern, bindings)
        if new is None:
            return None
        return [new]

    def __repr__(self) -> str:
        return f"<PatternNodeRewriter {self.name}>"


def _match(pattern: Any, var: Variable, bindings: dict, fgraph: FunctionGraph,
           multiple: bool, root: bool = False) -> bool:
    from ..tensor.basic import NotScalarConstantError, get_scalar_constant_value

    if isinstance(pattern, str):
        if pattern in bindings:
            return bindings[pattern] is var
        bindings[pattern] = var
        return True
    if isinstance(pattern, (int, float)):
        try:
            return get_scalar_constant_value(var) == pattern
        except NotScalarConstantError:
            return False
    op, *subs = pattern
    node = var.owner
    if node is None or node.op != op or len(node.inputs) != len(subs):
        return False
    if not root and not multiple and len(fgraph.clients.get(var, ())) > 1:
        return False
    return all(_match(p, v, bindings, fgraph, multiple) for p, v in zip(subs, node.inputs))


def _build(pattern: Any, bindings: dict) -> Variable | None:
    from ..tensor.basic import as_tensor_variable

    if isinstance(pattern, str):
        return bindings[pattern]
    if isinstance(pattern, (int, float)):
        return as_tensor_variable(pattern)
    if callable(pattern):  # a function of the bindings, for outputs patterns cannot say
        return pattern(**bindings)
    op, *subs = pattern
    return op(*[_build(p, bindings) for p in subs])


# -- applying rewrites to a FunctionGraph ------------------------------------------------------


@dataclass
class RewriteStats:
    """How often each rewrite fired, and the time spent; kept on the fgraph."""

    applied: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def count(self, name: str) -> None:
        self.applied[name] = self.applied.get(name, 0) + 1


def stats_of(fgraph: FunctionGraph) -> RewriteStats:
    stats = getattr(fgraph, "rewrite_stats", None)
    if stats is None:
        stats = fgraph.rewrite_stats = RewriteStats()
    return stats


def rewrite_cache(fgraph: FunctionGraph, key: str, make: Callable[[], Any]) -> Any:
    """A table rewrites keep on `fgraph` while it is rewritten (the shape feature's keys),
    made by `make()` on first use; `rewrite_for_mode` drops them all when it is done, so a
    compiled function does not keep the tables (and the old graph they refer to) alive."""
    caches = fgraph.__dict__.setdefault("rewrite_caches", {})
    if key not in caches:
        caches[key] = make()
    return caches[key]


def apply_node_rewriter(fgraph: FunctionGraph, rewriter: NodeRewriter, node: Apply) -> bool:
    """Try `rewriter` on `node`; replace its outputs in `fgraph` if it returns any."""
    result = rewriter.transform(fgraph, node)
    if result is None or result is False:
        return False
    if isinstance(result, dict):
        pairs = list(result.items())
    else:
        if len(result) != len(node.outputs):
            raise ValueError(f"rewrite {rewriter.name} returned {len(result)} replacements for "
                             f"{len(node.outputs)} outputs of {node.op}")
        pairs = [(old, new) for old, new in zip(node.outputs, result) if new is not None]
    pairs = [(old, new) for old, new in pairs if old is not new]
    if not pairs:
        return False
    for old, new in pairs:
        try:
            check_replacement(old, new)
        except TypeError as err:
            raise RewriteTypeError(f"rewrite {rewriter.name} on {node.op}: {err}") from None
    for old, new in pairs:
        if new.name is None and old.name is not None:
            new.name = old.name
        if old in fgraph.variables:
            fgraph.replace(old, new, reason=rewriter.name)
    stats_of(fgraph).count(rewriter.name)
    return True


class _NewNodes:
    """A FunctionGraph feature that collects the nodes imported while a walk runs, so the
    walk can visit what a rewrite built in the same pass."""

    def __init__(self) -> None:
        self.nodes: list[Apply] = []

    def on_import(self, fgraph: FunctionGraph, node: Apply) -> None:
        self.nodes.append(node)

    def on_change_input(self, fgraph: FunctionGraph, node: Any, i: int, old: Variable,
                        new: Variable) -> None:
        pass


def walk(fgraph: FunctionGraph, rewriters: Sequence[NodeRewriter], order: str = "out_to_in",
         budget: int | None = None) -> bool:
    """One pass over the graph's nodes, trying each rewriter on each node still present.

    The nodes a rewrite builds are visited next, in the same pass (outputs first when
    walking out_to_in), so a change that travels along a chain (a DimShuffle lifted
    towards the inputs) settles in one pass, not one pass per node. Stops after `budget`
    rewrites (the equilibrium loop's guard against rewrites that undo each other).
    """
    if order not in ("out_to_in", "in_to_out"):
        raise ValueError(f"walk: order must be 'out_to_in' or 'in_to_out'; got {order!r}")
    nodes = fgraph.toposort()
    if order == "out_to_in":
        nodes.reverse()
    queue = deque(nodes)
    by_op: dict[Op, list[NodeRewriter]] = {}  # which rewriters track each op, found once
    tracker = _NewNodes()
    fgraph.features.append(tracker)
    applied = 0
    try:
        while queue:
            node = queue.popleft()
            if node not in fgraph.apply_nodes:
                continue
            try:
                candidates = by_op.get(node.op)
            except TypeError:  # an op with unhashable props: no cache
                candidates = [r for r in rewriters if r.matches(node)]
            if candidates is None:
                candidates = by_op[node.op] = [r for r in rewriters if r.matches(node)]
            for rewriter in candidates:
                if apply_node_rewriter(fgraph, rewriter, node):
                    applied += 1
                    break
            if tracker.nodes:
                # extendleft reverses: out_to_in visits the newest (the outputs) first.
                queue.extendleft(tracker.nodes if order == "out_to_in" else tracker.nodes[::-1])
                tracker.nodes = []
            if budget is not None and applied > budget:
                break
    finally:
        fgraph.features.remove(tracker)
    return applied > 0


def equilibrium(fgraph: FunctionGraph, rewriters: Sequence[NodeRewriter], name: str = "",
                max_use_ratio: float = 8.0, graph_rewriters: Sequence[Callable] = ()) -> int:
    """Apply `rewriters` (and `graph_rewriters`) until none changes the graph.

    Stops with a RuntimeWarning after max_use_ratio x (initial number of nodes) rewrites
    in one pass, or 50 passes, so a pair of rewrites undoing each other cannot loop
    forever. Returns the number of passes.
    """
    budget = max(16, int(max_use_ratio * max(len(fgraph.apply_nodes), 1)))
    stats = stats_of(fgraph)
    passes = 0
    start = time.perf_counter()
    while True:
        passes += 1
        before = sum(stats.applied.values())
        changed = walk(fgraph, rewriters, budget=budget)
        for graph_rewriter in graph_rewriters:
            changed = graph_rewriter(fgraph) or changed
        if not changed:
            break
        if sum(stats.applied.values()) > budget + before or passes >= 50:
            warnings.warn(f"rewriting phase {name!r} stopped after {passes} passes without "
                          f"settling (a rewrite may be undoing another); the graph is still "
                          f"correct but may be less optimized", RuntimeWarning, stacklevel=2)
            break
    stats.seconds[name] = stats.seconds.get(name, 0.0) + time.perf_counter() - start
    return passes


def is_constant(var: Variable) -> bool:
    return isinstance(var, Constant)

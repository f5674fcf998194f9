"""FunctionGraph: a graph owned for compilation, with clients tracked.

The graph layer's mutable object: `function()` clones the user's graph into
one, the rewrites replace variables through it, the lowering reads it in
topological order. Imports only the rest of graph/.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from .basic import Apply, Constant, Variable
from .traversal import check_replacement, io_toposort

# A client is (node, input index), or (OUTPUT, output index) for a graph output.
OUTPUT = "output"
Client = tuple[Any, int]


class Feature(Protocol):
    """Something that watches a FunctionGraph change (a shape tracker, a history)."""

    def on_import(self, fgraph: FunctionGraph, node: Apply) -> None: ...
    def on_change_input(self, fgraph: FunctionGraph, node: Any, i: int,
                        old: Variable, new: Variable) -> None: ...


class FunctionGraph:
    """A self-contained graph from `inputs` to `outputs`, safe to rewrite in place.

    With `clone=True` (the default) the graph is copied first, so the user's
    variables are never touched; `memo` then maps each original variable to its copy.
    """

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 clone: bool = True, features: Iterable[Feature] = ()):
        if clone:
            self.memo = clone_graph(inputs, outputs)
            inputs = [self.memo[v] for v in inputs]
            outputs = [self.memo[v] for v in outputs]
        else:
            self.memo = {v: v for v in inputs}
        self.inputs: list[Variable] = list(inputs)
        self.outputs: list[Variable] = list(outputs)
        self.clients: dict[Variable, list[Client]] = {v: [] for v in self.inputs}
        self.apply_nodes: set[Apply] = set()
        self.variables: set[Variable] = set(self.inputs)
        self.features: list[Feature] = []
        self._order: list[Apply] | None = None
        for node in io_toposort(self.inputs, self.outputs):
            self._import_node(node)
        for i, out in enumerate(self.outputs):
            self._import_var(out)
            self.clients[out].append((OUTPUT, i))
        for feature in features:
            self.attach_feature(feature)

    # -- building ------------------------------------------------------------------

    def _import_var(self, var: Variable) -> None:
        if var in self.variables:
            return
        if var.owner is None and not isinstance(var, Constant):
            raise MissingInputError(
                f"{var.describe()} is needed to compute the outputs but is not an input "
                f"of the function")
        if var.owner is not None:
            self._import_node(var.owner)
        else:
            self.variables.add(var)
            self.clients.setdefault(var, [])

    def _import_node(self, node: Apply) -> None:
        if node in self.apply_nodes:
            return
        for var in node.inputs:
            self._import_var(var)
        self.apply_nodes.add(node)
        for i, var in enumerate(node.inputs):
            self.clients[var].append((node, i))
        for out in node.outputs:
            self.variables.add(out)
            self.clients.setdefault(out, [])
        self._order = None
        for feature in self.features:
            feature.on_import(self, node)

    def attach_feature(self, feature: Feature) -> None:
        self.features.append(feature)
        for node in self.toposort():
            feature.on_import(self, node)

    # -- changing ------------------------------------------------------------------

    def replace(self, old: Variable, new: Variable, reason: str | None = None) -> None:
        """Make every client of `old` use `new` instead; drop what becomes unused."""
        if old is new:
            return
        check_replacement(old, new)
        self._import_var(new)
        for client, i in list(self.clients.get(old, ())):
            if client == OUTPUT:
                self.outputs[i] = new
            else:
                client.inputs[i] = new
            self.clients[old].remove((client, i))
            self.clients[new].append((client, i))
            for feature in self.features:
                feature.on_change_input(self, client, i, old, new)
        self._order = None
        self._prune(old)

    def replace_all(self, pairs: Iterable[tuple[Variable, Variable]], reason: str | None = None) -> None:
        for old, new in pairs:
            self.replace(old, new, reason)

    def _prune(self, var: Variable) -> None:
        """Remove nodes whose outputs nobody uses any more, starting from `var`."""
        stack = [var]
        while stack:
            v = stack.pop()
            node = v.owner
            if v in self.inputs or node is None or node not in self.apply_nodes:
                if node is None and not self.clients.get(v) and v not in self.inputs:
                    self.variables.discard(v)
                    self.clients.pop(v, None)
                continue
            if any(self.clients.get(out) for out in node.outputs):
                continue
            self.apply_nodes.remove(node)
            for out in node.outputs:
                self.variables.discard(out)
                self.clients.pop(out, None)
            for i, inp in enumerate(node.inputs):
                self.clients[inp].remove((node, i))
                stack.append(inp)

    # -- reading -------------------------------------------------------------------

    def toposort(self) -> list[Apply]:
        if self._order is None:
            self._order = io_toposort(self.inputs, self.outputs)
        return list(self._order)

    def __str__(self) -> str:
        return f"FunctionGraph({', '.join(map(str, self.outputs))})"

    def __iter__(self):
        return iter(self.toposort())


class MissingInputError(ValueError):
    """A graph needs a variable that was not given as an input."""


def clone_graph(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> dict[Variable, Variable]:
    """Copy every node between `inputs` and `outputs`; return the old-to-new map.

    Inputs are copied as fresh owner-less variables (keeping their class and
    attributes, so a shared variable stays one); constants are kept as they are.
    """
    memo: dict[Variable, Variable] = {v: v.clone() for v in inputs}
    for node in io_toposort(inputs, outputs):
        new_inputs = []
        for v in node.inputs:
            if v not in memo:
                memo[v] = v if isinstance(v, Constant) else v.clone()
            new_inputs.append(memo[v])
        new_node = node.clone_with_new_inputs(new_inputs, strict=True)
        for old, new in zip(node.outputs, new_node.outputs):
            new.name = old.name
            new.tag = old.tag.copy()
            memo[old] = new
    for v in outputs:
        if v not in memo:
            memo[v] = v if isinstance(v, Constant) else v.clone()
    return memo

"""Walking and copying graphs: ancestors, graph_inputs, io_toposort, clone_replace.

Part of the graph layer; imports only graph/basic. All walks are iterative,
so graphs of any depth work without hitting Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .basic import Apply, Constant, Variable


def ancestors(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """Every variable that `outputs` depend on (themselves included), outputs first.

    The walk stops at `blockers`, which are included but not looked through.
    """
    blocked = set(blockers)
    seen: set[Variable] = set()
    order: list[Variable] = []
    stack = list(outputs)[::-1]
    while stack:
        var = stack.pop()
        if var in seen:
            continue
        seen.add(var)
        order.append(var)
        if var.owner is not None and var not in blocked:
            stack.extend(reversed(var.owner.inputs))
    return order


def graph_inputs(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """The variables without owner (or blocked) that `outputs` depend on."""
    blocked = set(blockers)
    return [v for v in ancestors(outputs, blocked) if v.owner is None or v in blocked]


def io_toposort(inputs: Iterable[Variable], outputs: Iterable[Variable]) -> list[Apply]:
    """The Apply nodes between `inputs` and `outputs`, each after the nodes it needs."""
    stop = set(inputs)
    order: list[Apply] = []
    done: set[Apply] = set()
    # Depth-first post-order with an explicit stack of (node, expanded?) pairs.
    stack: list[tuple[Apply, bool]] = [
        (v.owner, False) for v in reversed(list(outputs)) if v.owner is not None and v not in stop
    ]
    while stack:
        node, expanded = stack.pop()
        if node in done:
            continue
        if expanded:
            done.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        for var in reversed(node.inputs):
            if var.owner is not None and var not in stop and var.owner not in done:
                stack.append((var.owner, False))
    return order


def clone_replace(outputs: Variable | Sequence[Variable],
                  replace: Mapping[Variable, Variable] | Iterable[tuple[Variable, Variable]] | None = None,
                  ) -> Variable | list[Variable]:
    """Copy the graph of `outputs`, substituting variables as `replace` says.

    Replacements must have the type of what they replace (a broadcastable
    pattern may become more specific). Inputs that are not replaced are kept,
    not copied, so the copy still depends on the same free variables.
    """
    single = isinstance(outputs, Variable)
    outs = [outputs] if single else list(outputs)
    pairs = dict(replace.items() if isinstance(replace, Mapping) else (replace or ()))
    for old, new in pairs.items():
        check_replacement(old, new)
    memo = clone_with_memo(outs, pairs)
    result = [memo.get(o, o) for o in outs]
    return result[0] if single else result


def clone_with_memo(outputs: Sequence[Variable], memo: dict[Variable, Variable],
                    inputs: Iterable[Variable] = ()) -> dict[Variable, Variable]:
    """Rebuild every node between `inputs`/`memo` keys and `outputs`, filling `memo`.

    Nodes are rebuilt with `Op.make_node` when an input's type changed (so type
    inference runs again), and copied as they are otherwise.
    """
    for node in io_toposort(list(memo) + list(inputs), outputs):
        new_inputs = [memo.get(v, v) for v in node.inputs]
        if all(a is b for a, b in zip(new_inputs, node.inputs)):
            for out in node.outputs:
                memo.setdefault(out, out)
            continue
        same_types = all(a.type == b.type for a, b in zip(new_inputs, node.inputs))
        new_node = node.clone_with_new_inputs(new_inputs, strict=same_types)
        for old, new in zip(node.outputs, new_node.outputs):
            if new.name is None:
                new.name = old.name
            memo[old] = new
    return memo


def check_replacement(old: Variable, new: Variable) -> None:
    """Raise TypeError unless `new` may stand where `old` stands."""
    if not isinstance(new, Variable):
        raise TypeError(f"replacement for {old.describe()} must be a symbolic variable; "
                        f"got {type(new).__name__}")
    if old.type == new.type:
        return
    accepts = getattr(old.type, "accepts_variable_type", None)
    if accepts is None or not accepts(new.type):
        raise TypeError(f"cannot replace {old.describe()} of type {old.type} by "
                        f"{new.describe()} of type {new.type}")


def is_constant(var: Variable) -> bool:
    return isinstance(var, Constant)

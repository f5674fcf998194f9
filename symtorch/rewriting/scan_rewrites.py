"""Rewrites of loops (Scan nodes): less work per step, less memory per loop.

- `scan_remove_unused`: outputs nobody reads, inputs the step does not use, constant and
  repeated non-sequences, outputs that only copy a sequence.
- `scan_save_mem`: an output of which only the last value is read keeps no trace.
- `scan_pushout_invariants`: what the step computes from non-sequences alone is computed
  once, before the loop.
- `scan_pushout_seqs`: what it computes from the current entries of sequences alone
  (elementwise math, `x_t . W`) is computed for all steps at once, before the loop.
- `scan_pushout_accumulate`: a state summing `x_t^T . d_t` (or `d_t`) over the steps, as
  the gradient of a non-sequence does, becomes one contraction (or sum) after the loop.
- `scan_inner_rewrite`: the step itself gets the mode's rewrites.
"""

from __future__ import annotations

import weakref
from types import SimpleNamespace
from typing import Any

from ..graph.basic import Apply, Constant, Variable
from ..graph.fg import OUTPUT, FunctionGraph
from ..graph.traversal import ancestors, clone_with_memo, graph_inputs, io_toposort
from ..scan.op import Scan
from ..scan.utils import InnerGraph, NitSot, ScanParts, is_zero
from ..tensor.blas import Dot, MatMul, _einsum_of
from ..tensor.elemwise import DimShuffle, Elemwise
from ..tensor.reduction import Reduce
from ..tensor.shape import Shape, Shape_i
from ..tensor.subtensor import Slice, Subtensor
from ..tensor.type import TensorType
from .basic import node_rewriter
from .db import register


def _T():
    from .. import tensor
    return tensor


def _clients(fgraph: FunctionGraph, var: Variable) -> list:
    return fgraph.clients.get(var, [])


def _inner_outputs(parts: ScanParts) -> list[Variable]:
    outs = [s.inner_out for s in parts.states] + [m.inner_out for m in parts.nit_sots]
    return outs + ([parts.cond] if parts.cond is not None else [])


def _replace_inner(parts: ScanParts, memo: dict[Variable, Variable]) -> None:
    """Rebuild the step's outputs with `memo`'s replacements (types may change)."""
    outs = _inner_outputs(parts)
    memo = clone_with_memo(outs, dict(memo))
    for s in parts.states:
        s.inner_out = memo.get(s.inner_out, s.inner_out)
    for m in parts.nit_sots:
        m.inner_out = memo.get(m.inner_out, m.inner_out)
    if parts.cond is not None:
        parts.cond = memo.get(parts.cond, parts.cond)


def _outputs_map(parts: ScanParts, new_outs: list[Variable]) -> dict[Variable, Variable]:
    """{old outer output: new outer output} for the states and outputs still in `parts`
    (an output that now keeps only its last value is read by nobody: it is left out)."""
    olds = [s.outer_out for s in parts.states] + [m.outer_out for m in parts.nit_sots]
    return {old: new for old, new in zip(olds, new_outs)
            if old is not None and old.type.ndim == new.type.ndim}


# -- removing what is not used ----------------------------------------------------------------


@register("canonicalize", "fast_run", "fast_compile")
@node_rewriter([Scan])
def scan_remove_unused(fgraph: FunctionGraph, node: Apply):
    """Drop outputs nobody reads (and states only they needed), step inputs the step does
    not read, repeated non-sequences; put constant non-sequences inside the step; an
    output that copies a sequence entry is that sequence. Valid always: the loop computes
    the same values for what is read."""
    parts = ScanParts.of(node)
    changed = False
    replacements: dict[Variable, Variable] = {}

    # Outputs that copy the current entry of a sequence (a for loop): the sequence itself.
    if parts.cond is None:
        seq_of = {inner: outer for outer, inner in parts.seqs}
        for m in list(parts.nit_sots):
            if m.trace and m.inner_out in seq_of and m.outer_out is not None \
                    and _has_n_entries(seq_of[m.inner_out], parts.n_steps):
                outer = seq_of[m.inner_out]
                value = outer[:parts.n_steps]
                if not m.outer_out.type.accepts_variable_type(value.type):
                    continue
                replacements[m.outer_out] = value
                parts.nit_sots.remove(m)
                changed = True

    # Constant and repeated non-sequences.
    memo: dict[Variable, Variable] = {}
    kept, seen = [], {}
    for outer, inner in parts.non_seqs:
        if isinstance(outer, Constant) and outer.data.size <= 1 << 10 and outer.type == inner.type:
            memo[inner] = outer
        elif outer in seen and seen[outer].type == inner.type:
            memo[inner] = seen[outer]
        else:
            seen[outer] = inner
            kept.append((outer, inner))
    if memo:
        parts.non_seqs = kept
        _replace_inner(parts, memo)
        changed = True

    # Outputs nobody reads, and states no read output depends on.
    read = [bool(_clients(fgraph, s.outer_out)) for s in parts.states]
    nit_read = [bool(_clients(fgraph, m.outer_out)) for m in parts.nit_sots]
    needed_states = list(read)
    while True:
        outs = [s.inner_out for s, r in zip(parts.states, needed_states) if r] + \
            [m.inner_out for m, r in zip(parts.nit_sots, nit_read) if r] + \
            ([parts.cond] if parts.cond is not None else [])
        used = set(graph_inputs(outs)) if outs else set()
        more = [r or any(v in used for v in s.inner_in)
                for s, r in zip(parts.states, needed_states)]
        if more == needed_states:
            break
        needed_states = more
    if not all(needed_states) or not all(nit_read):
        parts.states = [s for s, r in zip(parts.states, needed_states) if r]
        parts.nit_sots = [m for m, r in zip(parts.nit_sots, nit_read) if r]
        changed = True
    for s in parts.states:
        if s.trace and not _clients(fgraph, s.outer_out):  # read only by the step
            s.trace = False
            changed = True
    outs = _inner_outputs(parts)
    used = set(graph_inputs(outs)) if outs else set()
    n_seqs, n_ns = len(parts.seqs), len(parts.non_seqs)
    parts.non_seqs = [(o, i) for o, i in parts.non_seqs if i in used]
    parts.seqs = [(o, i) for o, i in parts.seqs if i in used]
    changed = changed or n_seqs != len(parts.seqs) or n_ns != len(parts.non_seqs)
    if not changed:
        return None
    if not parts.states and not parts.nit_sots:
        return replacements or None
    replacements.update(_outputs_map(parts, parts.build()))
    return replacements


def _has_n_entries(x: Variable, n: Variable, depth: int = 8) -> bool:
    """Whether x is known to have at least n entries (so x[:n] reads no fewer than a
    loop of n steps would, and the loop's length check may go)."""
    from ..tensor.shape import Shape_i, static_value
    if depth == 0:
        return False
    known_n, known_x = static_value(n), x.type.shape[0]
    if known_n is not None and known_x is not None and known_x >= known_n:
        return True
    m = n.owner
    if m is not None and isinstance(m.op, Shape_i) and m.op.i == 0 and m.inputs[0] is x:
        return True
    if m is not None and isinstance(m.op, Elemwise) and str(m.op.scalar_op) == "minimum":
        if any(_has_n_entries(x, a, depth - 1) for a in m.inputs):
            return True
    node = x.owner
    if node is None:
        return False
    if isinstance(node.op, Subtensor) and len(node.inputs) == 2 and \
            node.op.idx_list[0] == Slice(None, node.op.idx_list[0].stop, None) and \
            node.inputs[1] is n:
        return _has_n_entries(node.inputs[0], n, depth - 1)
    if isinstance(node.op, (Elemwise, DimShuffle, Dot, MatMul)):
        if isinstance(node.op, DimShuffle) and node.op.new_order[:1] != (0,):
            return False
        steps = [v for v in node.inputs[:1 if isinstance(node.op, (Dot, MatMul)) else None]
                 if v.ndim == x.ndim and v.type.shape[0] != 1]
        return bool(steps) and all(_has_n_entries(v, n, depth - 1) for v in steps)
    return False


# -- keeping only the last value ----------------------------------------------------------------


def _is_index(node: Any, idx_list: tuple) -> bool:
    return node != OUTPUT and isinstance(node.op, Subtensor) and node.op.idx_list == idx_list \
        and len(node.inputs) == 1


def _last_readers(fgraph: FunctionGraph, out: Variable, lag: int) -> list[Variable] | None:
    """The variables reading `out[-1]` (or `out[lag:][-1]`), if that is all that is read."""
    readers = []
    for client, _ in _clients(fgraph, out):
        if _is_index(client, (-1,)):
            readers.append(client.outputs[0])
        elif lag and _is_index(client, (Slice(lag, None, None),)):
            inner = _clients(fgraph, client.outputs[0])
            if not inner or not all(_is_index(c, (-1,)) for c, _ in inner):
                return None
            readers.extend(c.outputs[0] for c, _ in inner)
        else:
            return None
    return readers


@register("canonicalize", "fast_run", "fast_compile")
@node_rewriter([Scan])
def scan_save_mem(fgraph: FunctionGraph, node: Apply):
    """trace[-1] -> the last value, with no trace stored: the same value whenever the
    loop runs at least one step (and, for a state, its last initial value when none)."""
    if node.op.reverse:
        return None
    parts = ScanParts.of(node)
    readers: dict[int, list[Variable]] = {}
    lags = node.op.state_lags() + [0] * node.op.n_nit
    entries = parts.states + parts.nit_sots
    for k, e in enumerate(entries):
        if e.trace and _clients(fgraph, e.outer_out):
            found = _last_readers(fgraph, e.outer_out, lags[k])
            if found:
                readers[k] = found
    if not readers:
        return None
    for k in readers:
        entries[k].trace = False
    new = parts.build()
    result: dict[Variable, Variable] = {}
    for k, e in enumerate(entries):
        if k in readers:
            for r in readers[k]:
                result[r] = new[k]
        else:
            result[e.outer_out] = new[k]
    return result


# -- the step's own rewrites -------------------------------------------------------------------


# Steps already rewritten (or produced by rewriting), per choice of rewrites.
_DONE: dict[tuple, weakref.WeakSet] = {}


def _rewrite_step(fgraph: FunctionGraph, node: Apply, optimizer: str):
    """Rewrite the step with the mode the outer graph is rewritten with (when the engine
    says which, as `fgraph.rewrite_mode`), else with `optimizer`'s rewrites."""
    from ..config import config
    from .db import rewrite_for_mode

    mode = getattr(fgraph, "rewrite_mode", None)
    if mode is None or getattr(mode, "optimizer", None) != optimizer:
        mode = SimpleNamespace(optimizer=optimizer, included=(), excluded=())
    key = (optimizer, tuple(mode.included), tuple(mode.excluded),
           tuple(config.optimizer_including), tuple(config.optimizer_excluding))
    done = _DONE.setdefault(key, weakref.WeakSet())
    op = node.op
    if op.inner in done:
        return None
    fg = FunctionGraph(op.inner.inputs, op.inner.outputs, clone=True)
    rewrite_for_mode(fg, mode)
    inner = InnerGraph(fg.inputs, fg.outputs)
    done.add(inner)
    done.add(op.inner)
    if inner == op.inner:
        return None
    new_op = Scan(inner, op.n_seqs, op.state_taps, op.n_nit, op.n_non_seqs, op.traces,
                  op.as_while, op.reverse, op.truncate_gradient, op.name)
    outs = new_op.make_node(*node.inputs).outputs
    if any(not old.type.accepts_variable_type(new.type) and old.type != new.type
           for old, new in zip(node.outputs, outs)):
        return None
    return outs


@register("canonicalize", "fast_run")
@node_rewriter([Scan])
def scan_inner_rewrite(fgraph: FunctionGraph, node: Apply):
    """The step gets FAST_RUN's rewrites (what it computes is unchanged)."""
    return _rewrite_step(fgraph, node, "fast_run")


@register("canonicalize", "fast_compile")
@node_rewriter([Scan])
def scan_inner_rewrite_fast_compile(fgraph: FunctionGraph, node: Apply):
    """The step gets FAST_COMPILE's rewrites (what it computes is unchanged)."""
    return _rewrite_step(fgraph, node, "fast_compile")


# -- moving work out of the loop -------------------------------------------------------------


def _outer_versions(vars_: list[Variable], memo: dict[Variable, Variable]) -> list[Variable]:
    memo = clone_with_memo(vars_, dict(memo))
    return [memo[v] for v in vars_]


@register("canonicalize", "fast_run", "fast_compile")
@node_rewriter([Scan])
def scan_pushout_invariants(fgraph: FunctionGraph, node: Apply):
    """f(non-sequences) inside the step -> computed once before the loop and passed in as
    a non-sequence: the same value at every step, computed once."""
    parts = ScanParts.of(node)
    invariant: set[Variable] = {inner for _, inner in parts.non_seqs}
    outs = _inner_outputs(parts)
    order = io_toposort(node.op.inner.inputs, outs)
    for n in order:
        if all(v in invariant or isinstance(v, Constant) for v in n.inputs) and \
                any(v in invariant for v in n.inputs):
            invariant.update(n.outputs)
    frontier = _frontier(order, outs, invariant, start={i for _, i in parts.non_seqs})
    # Integer scalars (lengths) stay: they are host numbers in the step, nearly free.
    frontier = [v for v in frontier if v.ndim or v.dtype not in _INTS]
    if not frontier:
        return None
    outer = _outer_versions(frontier, {inner: o for o, inner in parts.non_seqs})
    memo = {}
    for v, o in zip(frontier, outer):
        ph = o.type(v.name)
        parts.non_seqs.append((o, ph))
        memo[v] = ph
    _replace_inner(parts, memo)
    return _outputs_map(parts, parts.build())


_INTS = ("int8", "int16", "int32", "int64", "uint8", "bool")


def _frontier(order: list[Apply], outs: list[Variable], marked: set[Variable],
              start: set[Variable]) -> list[Variable]:
    """Marked variables (other than `start`) read by unmarked nodes or by the outputs."""
    found: dict[Variable, None] = {}
    for n in order:
        if n.outputs[0] in marked:
            continue
        for v in n.inputs:
            if v in marked and v not in start:
                found.setdefault(v)
    for v in outs:
        if v in marked and v not in start:
            found.setdefault(v)
    return list(found)


def _batchable(node: Apply, batched: set[Variable]) -> bool:
    """Whether `node` applied to whole sequences gives the per-step results stacked."""
    op = node.op
    if isinstance(op, (Elemwise, DimShuffle)):
        return True
    if isinstance(op, (Dot, MatMul)):
        a, b = node.inputs
        return a in batched and b not in batched and a.ndim >= 1
    return False


def _batched_node(node: Apply, inputs: list[Variable], batched_in: list[bool]) -> list[Variable]:
    """`node`'s op applied to inputs with a leading steps dimension (where batched_in)."""
    op = node.op
    if isinstance(op, DimShuffle):
        order = (0, *("x" if o == "x" else o + 1 for o in op.new_order))
        return [DimShuffle(op.input_ndim + 1, order)(inputs[0])]
    out = op(*inputs)
    return out if isinstance(out, list) else [out]


def _first(x: Variable, n: Variable) -> Variable:
    from ..tensor.shape import static_value
    known = static_value(n)
    return x if known is not None and x.type.shape[0] == known else x[:n]


@register("canonicalize", "fast_run", "fast_compile")
@node_rewriter([Scan])
def scan_pushout_seqs(fgraph: FunctionGraph, node: Apply):
    """f(x_t, non-sequences) inside the step, for elementwise f, dimshuffles and
    `x_t . W` -> f over the whole sequence before the loop, read as a new sequence:
    the entries of the result are the per-step values."""
    parts = ScanParts.of(node)
    seq_in = {inner for _, inner in parts.seqs}
    invariant = {inner for _, inner in parts.non_seqs}
    batched: set[Variable] = set(seq_in)
    outs = _inner_outputs(parts)
    order = io_toposort(node.op.inner.inputs, outs)
    pushable: list[Apply] = []
    for n in order:
        ins = n.inputs
        if not all(v in batched or v in invariant or isinstance(v, Constant) for v in ins):
            continue
        if all(v in invariant or isinstance(v, Constant) for v in ins):
            if any(v in invariant for v in ins):
                invariant.update(n.outputs)
            continue
        if _batchable(n, batched):
            batched.update(n.outputs)
            pushable.append(n)
    regrouped = _regroup_sums(node.op.inner.fgraph, order, batched, invariant)
    if regrouped:
        _replace_inner(parts, regrouped)
        return _outputs_map(parts, parts.build())
    if not pushable:
        return None
    frontier = _frontier(order, outs, batched, start=seq_in)
    # A value the step reads only for its shape is not worth computing for all steps.
    clients = node.op.inner.fgraph.clients
    frontier = [v for v in frontier if not clients.get(v) or not all(
        c != OUTPUT and isinstance(c.op, (Shape, Shape_i)) for c, _ in clients[v])]
    if not frontier:
        return None
    # Build the pushed computations over whole sequences.
    # (the sequences may be longer than the loop: their first n_steps entries are read)
    value: dict[Variable, Variable] = {inner: _first(outer, parts.n_steps)
                                       for outer, inner in parts.seqs}
    inv_vars = [v for v in invariant if v.owner is not None]
    non_seq_outer = {inner: outer for outer, inner in parts.non_seqs}
    if inv_vars:
        non_seq_outer.update(zip(inv_vars, _outer_versions(inv_vars, non_seq_outer)))
    needed = set(ancestors(frontier))
    for n in pushable:
        if n.outputs[0] not in needed:
            continue
        args, flags = [], []
        for v in n.inputs:
            if v in value:
                args.append(value[v])
                flags.append(True)
            else:
                args.append(v if isinstance(v, Constant) else non_seq_outer[v])
                flags.append(False)
        for o, new in zip(n.outputs, _batched_node(n, args, flags)):
            value[o] = new
    memo = {}
    for v in frontier:
        outer = value[v]
        ph = TensorType(outer.dtype, outer.type.shape[1:])(v.name)
        parts.seqs.append((outer, ph))
        memo[v] = ph
    _replace_inner(parts, memo)
    return _outputs_map(parts, parts.build())


def _regroup_sums(fgraph: FunctionGraph, order: list[Apply], batched: set[Variable],
                  invariant: set[Variable]) -> dict[Variable, Variable] | None:
    """A sum of terms of which several are known before the step (a sequence entry's
    function, a non-sequence), in an order that mixes them with the others, as in
    `x_t . W + h . U + b` -> `(x_t . W + b) + h . U`, so its known part can move out."""
    known = batched | invariant

    def is_add(v: Variable) -> bool:
        return v.owner is not None and isinstance(v.owner.op, Elemwise) and \
            str(v.owner.op.scalar_op) == "add" and len(v.owner.inputs) == 2

    for n in order:
        out = n.outputs[0]
        if out in known or not is_add(out):
            continue
        terms, stack = [], list(n.inputs)
        while stack:
            v = stack.pop(0)
            if is_add(v) and v not in known and len(fgraph.clients.get(v, ())) == 1:
                stack[:0] = v.owner.inputs
            else:
                terms.append(v)
        ready = [v for v in terms if v in known or isinstance(v, Constant)]
        if len(ready) < 2 or not any(v in batched for v in ready) or \
                any(v.dtype != out.dtype for v in terms):
            continue
        total = ready[0]
        for v in ready[1:]:
            total = total + v
        for v in terms:
            if v not in ready:
                total = total + v
        return {out: total}
    return None


_TIME = "#t"  # the label of the steps dimension in the contractions built below


@register("canonicalize", "fast_run", "fast_compile")
@node_rewriter([Scan])
def scan_pushout_accumulate(fgraph: FunctionGraph, node: Apply):
    """A state `acc <- acc + L(C(u_t, v_t, ...))`, whose last value only is read, where C
    is a contraction (dot, einsum, ...) of per-step values and non-sequences and L a
    chain of linear ops (dimshuffle, sum, sum_to, cast), or `acc <- acc + L(d_t)` ->
    the per-step operands kept as traces and `acc_0 + L(C(...))` computed once after the
    loop, with the steps dimension summed in C (or in a sum of d's trace). The same sum
    of the same products; the step no longer computes it (a gradient of a non-sequence,
    `sum_t x_t^T d_t`, becomes one matrix product)."""
    T = _T()
    if node.op.as_while:
        return None
    parts = ScanParts.of(node)
    outer_of = _outer_map(parts)
    all_outs = _inner_outputs(parts)
    found = []
    for s in parts.states:
        if s.trace or s.taps != (-1,) or s.outer_out is None:
            continue
        term = _accumulated(s)
        if term is None:
            continue
        others = [o for o in all_outs if o is not s.inner_out]
        if s.inner_in[0] in set(graph_inputs(others + [term])):
            continue  # the running sum is read by the step: it must stay a state
        chain, core = _linear_chain(term, outer_of)
        if _outer_value(core, outer_of) is not None:
            continue  # the same term at every step
        found.append((s, chain, core))
    if not found:
        return None
    seq_of = {inner: outer for outer, inner in parts.seqs}
    traced: dict[Variable, int] = {}

    def per_step(v: Variable) -> None:
        if v not in seq_of and v not in traced:
            traced[v] = len(parts.nit_sots)
            parts.nit_sots.append(NitSot(v))

    for s, _, core in found:
        parts.states.remove(s)
        if _contraction(core) is not None:
            for v in core.owner.inputs:
                if _outer_value(v, outer_of) is None:
                    per_step(_linear_chain(v, outer_of)[1])
        else:
            per_step(core)
    n_states = len(parts.states)
    new = parts.build()
    result = _outputs_map(parts, new)
    n = parts.n_steps

    def trace_of(v: Variable) -> Variable:
        """The values of v at every step; v's linear ops applied to the core's trace."""
        chain, core = _linear_chain(v, outer_of)
        trace = seq_of[core][:n] if core in seq_of else new[n_states + traced[core]]
        for link in reversed(chain):
            trace = _batched_link(link, trace, outer_of)
        return trace

    for s, chain, core in found:
        labels = _contraction(core)
        if labels is not None:
            operands = []
            for v, ls in zip(core.owner.inputs, labels[0]):
                known = _outer_value(v, outer_of)
                operands.append((known, list(ls)) if known is not None
                                else (trace_of(v), [_TIME, *ls]))
            total = _einsum_of(operands, list(labels[1]))
        else:
            total = T.sum(seq_of[core][:n] if core in seq_of else new[n_states + traced[core]],
                          axis=0)
        for link in reversed(chain):
            rest = [_outer_value(v, outer_of) for v in link.inputs[1:]]
            total = link.op(total, *rest)
        if not is_zero(s.init):
            total = total + s.init[0]
        if total.dtype != s.outer_out.dtype:
            total = T.cast(total, s.outer_out.dtype)
        result[s.outer_out] = total
    return result


def _accumulated(s: Any) -> Variable | None:
    """`term` when the state's next value is `acc + term` (acc: the state's input)."""
    node = s.inner_out.owner
    if node is None or not isinstance(node.op, Elemwise) or str(node.op.scalar_op) != "add" \
            or len(node.inputs) != 2 or node.inputs[0].ndim != node.inputs[1].ndim:
        return None
    a, b = node.inputs
    acc = s.inner_in[0]
    term = b if a is acc else a if b is acc else None
    if term is None or term.type.shape != s.inner_out.type.shape and any(
            t == 1 and o != 1 for t, o in zip(term.type.shape, s.inner_out.type.shape)):
        return None  # a term broadcast against the sum is not summed this way
    return term


def _contraction(v: Variable) -> tuple | None:
    """The labels of v's contraction node (Dot, Einsum, ...), or None."""
    from ..tensor.blas import Contraction
    node = v.owner
    if node is None or not isinstance(node.op, Contraction):
        return None
    return node.op.labels([x.ndim for x in node.inputs])


def _linear_chain(term: Variable, outer_of: dict) -> tuple[list[Apply], Variable]:
    """term = L1(L2(...(core))) for linear ops Li whose other inputs are known outside."""
    from ..tensor.reduction import SumTo
    chain = []
    v = term
    while v.owner is not None:
        op = v.owner.op
        linear = isinstance(op, (DimShuffle, SumTo)) or (
            isinstance(op, Reduce) and op.kind == "sum") or (
            isinstance(op, Elemwise) and str(op.scalar_op).startswith("Cast"))
        if not linear or any(_outer_value(x, outer_of) is None for x in v.owner.inputs[1:]):
            break
        chain.append(v.owner)
        v = v.owner.inputs[0]
    return chain, v


def _batched_link(link: Apply, x: Variable, outer_of: dict) -> Variable:
    """One op of a linear chain applied to values stacked along a new first dimension."""
    from ..tensor.reduction import SumTo
    from ..tensor.shape import shape_i
    op = link.op
    if isinstance(op, DimShuffle):
        return DimShuffle(op.input_ndim + 1,
                          (0, *("x" if o == "x" else o + 1 for o in op.new_order)))(x)
    if isinstance(op, SumTo):
        return SumTo()(x, shape_i(x, 0), *[_outer_value(v, outer_of) for v in link.inputs[1:]])
    if isinstance(op, Reduce):
        return Reduce(op.kind, tuple(a + 1 for a in op.axes(x.ndim - 1)))(x)
    return op(x)


def _outer_map(parts: ScanParts) -> dict[Variable, Variable]:
    """Inner variables whose value is known outside the loop: the non-sequences, and the
    lengths of the sequences' entries."""
    from ..tensor.shape import Shape_i, shape_i
    known: dict[Variable, Variable] = {inner: outer for outer, inner in parts.non_seqs}
    seqs = {inner: outer for outer, inner in parts.seqs}
    for v in ancestors(_inner_outputs(parts)):
        node = v.owner
        if node is not None and isinstance(node.op, Shape_i) and node.inputs[0] in seqs:
            known[v] = shape_i(seqs[node.inputs[0]], node.op.i + 1)
    return known


def _outer_value(v: Variable, known: dict[Variable, Variable]) -> Variable | None:
    """v computed outside the loop (from `known` and constants), or None if it depends
    on a value of the step."""
    if isinstance(v, Constant):
        return v
    if v in known:
        return known[v]
    if v.owner is None:
        return None
    ins = [_outer_value(x, known) for x in v.owner.inputs]
    if any(x is None for x in ins):
        return None
    out = v.owner.op(*ins)
    known[v] = out if not isinstance(out, list) else out[v.index]
    return known[v]



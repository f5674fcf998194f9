"""Derivatives of Scan: backpropagation through time (L_op) and the tangent loop (R_op).

The gradient is a second Scan running the steps in the other direction. Its step is
the vector-Jacobian product of the forward step (the inner graph's own gradient): it
reads, per step, the forward sequences, the states at their taps, the forward results
(so the step is not computed again) and the output gradients; it carries, per state,
a window of the gradients still owed to its next `lag` values and, per non-sequence, the
sum of the gradients so far; it writes the gradient of each sequence entry. The R_op is
the forward loop with a tangent beside each state. Both are Scans, so they can be
differentiated again.
"""

from __future__ import annotations

from typing import Any

from ..gradient import NullType, Rop, grad
from ..graph.basic import Variable
from ..graph.traversal import clone_with_memo
from ..tensor.type import TensorType, continuous_dtypes
from .utils import NitSot, ScanParts, State, depends_on, is_zero


def _T():
    from .. import tensor
    return tensor


def _loose(t: TensorType) -> TensorType:
    """The type with every length unknown (what accumulated gradients are given)."""
    return TensorType(t.dtype, (None,) * t.ndim)


def _continuous(v: Variable) -> bool:
    return v.dtype in continuous_dtypes


def _is_null(v: Any) -> bool:
    return isinstance(getattr(v, "type", None), NullType)


def scan_grad(op: Any, inputs: list[Variable], outputs: list[Variable],
              output_grads: list[Variable]) -> list[Variable | None]:
    T = _T()
    node = outputs[0].owner
    n_states = len(op.state_taps)
    grads = [None if is_zero(g) else g for g in output_grads]
    result: list[Any] = [None] * len(inputs)
    if all(g is None for g in grads):
        return result

    # Traces of every output: a node keeping only last values runs again keeping them.
    if all(op.traces):
        fwd = list(outputs)
    else:
        full = ScanParts.of(node, fresh=True)
        for s in full.states:
            s.trace = True
        for m in full.nit_sots:
            m.trace = True
        fwd = full.build()
    parts = ScanParts.of(node, fresh=True)
    lags = op.state_lags()
    n = _steps(op, parts, fwd)
    trunc = op.truncate_gradient
    k_steps = n if trunc == -1 else T.minimum(n, trunc)
    reverse = op.reverse

    def cover(x: Variable) -> Variable:
        """The part of a time-indexed array (of at least n entries) the backward loop reads:
        the last `k_steps` steps run."""
        if trunc == -1 or reverse:
            return x
        return x[n - k_steps:]

    bwd = ScanParts(k_steps, reverse=not reverse, name=f"grad_of_{op.name or 'scan'}")
    known: dict[Variable, Variable] = {}
    init_extra: list[Any] = [None] * n_states

    # The gradient owed to each (continuous) state's value, and the output gradients.
    windows: list[list[Variable]] = []
    for i, s in enumerate(parts.states):
        if not _continuous(s.inner_out):
            windows.append([])
            continue
        win = [_loose(s.inner_in[0].type)(f"dstate{i}_{j}") for j in range(lags[i])]
        windows.append(win)
        adjoint = win[0]
        g = grads[i]
        if g is not None and op.traces[i]:
            steps_g, init_extra[i] = _split_state_grad(g, lags[i], n, reverse)
            g_in = TensorType(steps_g.dtype, steps_g.type.shape[1:])(f"g_state{i}")
            bwd.seqs.append((cover(steps_g), g_in))
            adjoint = adjoint + g_in
        _add_known(known, s.inner_out, adjoint)
    for m, nit in enumerate(parts.nit_sots):
        g = grads[n_states + m]
        if g is None or not _continuous(nit.inner_out):
            continue
        if not op.traces[n_states + m]:  # only the last value kept: its gradient at that step
            trace = fwd[n_states + m]
            g = T.set_subtensor(T.zeros_like(trace)[0 if reverse else -1], g)
        g_in = TensorType(g.dtype, g.type.shape[1:])(f"g_out{m}")
        bwd.seqs.append((cover(g), g_in))
        _add_known(known, nit.inner_out, g_in)

    # The step's vector-Jacobian product, with respect to every continuous inner input.
    wrt = [i for _, i in parts.seqs] + [v for s in parts.states for v in s.inner_in] + \
        [i for _, i in parts.non_seqs]
    wrt = [v for v in wrt if _continuous(v)]
    known = {k: v for k, v in known.items() if _continuous(k)}
    step_grads = grad(None, wrt, known_grads=known, disconnected_inputs="ignore",
                      return_disconnected="none", null_gradients="return",
                      add_names=False) if known and wrt else [None] * len(wrt)
    by_input = dict(zip(wrt, step_grads))
    null = next((g for g in step_grads if _is_null(g)), None)
    if null is not None:
        return [None if not _continuous(v) or k == 0 else null for k, v in enumerate(inputs)]

    # Read the forward results instead of computing the step again.
    reuse: dict[Variable, Variable] = {}
    for k, out in enumerate([s.inner_out for s in parts.states] + [m.inner_out for m in parts.nit_sots]):
        if out.owner is None or out in reuse:
            continue
        lag = lags[k] if k < n_states else 0
        values = fwd[k] if reverse or lag == 0 else fwd[k][lag:]
        if values.dtype != out.dtype:
            continue
        reuse[out] = TensorType(values.dtype, values.type.shape[1:])(f"result{k}")
        bwd.seqs.append((cover(values), reuse[out]))

    # The new windows: each moves one step, taking the gradients of the taps.
    new_windows: list[list[Any]] = []
    for i, s in enumerate(parts.states):
        win = windows[i]
        if not win:
            new_windows.append([])
            continue
        of_tap = {k: by_input.get(v) for k, v in zip(s.taps, s.inner_in)}
        new = []
        for j in range(lags[i]):
            carried = win[j + 1] if j + 1 < lags[i] else None
            c = of_tap.get(-(j + 1))
            value = carried if c is None else c if carried is None else carried + c
            new.append(value if value is not None else T.zeros_like(win[0]))
        new_windows.append(new)
    accumulators = []
    for j, (_, inner) in enumerate(parts.non_seqs):
        c = by_input.get(inner)
        if c is None:
            accumulators.append(None)
            continue
        acc = _loose(inner.type)(f"dnonseq{j}")
        accumulators.append((acc, acc + c))
    seq_grads = [by_input.get(inner) for _, inner in parts.seqs]

    # Assemble the backward step; replace recomputed forward results by their traces.
    step_outputs = [v for win in new_windows for v in win] + \
        [a[1] for a in accumulators if a is not None] + [g for g in seq_grads if g is not None]
    if reuse:  # (rebuilt with make_node where a trace's type is less specific)
        memo = clone_with_memo(step_outputs, dict(reuse))
        step_outputs = [memo.get(v, v) for v in step_outputs]
    step_outputs = iter(step_outputs)
    for i, s in enumerate(parts.states):
        zeros = T.zeros_like(s.init[0])
        for j, w in enumerate(windows[i]):
            start = zeros
            if j == 0 and grads[i] is not None and not op.traces[i]:
                start = T.cast(grads[i], zeros.dtype)  # the gradient of the last value
            bwd.states.append(State((-1,), [w], T.shape_padleft(start), next(step_outputs),
                                    trace=False))
    for (outer, _), a in zip(parts.non_seqs, accumulators):
        if a is not None:
            bwd.states.append(State((-1,), [a[0]], T.shape_padleft(T.zeros_like(outer)),
                                    next(step_outputs), trace=False))
    for g in seq_grads:
        if g is not None:
            bwd.nit_sots.append(NitSot(next(step_outputs)))

    # The backward loop reads the forward sequences and states where its step uses them.
    used = set(_graph_inputs_of(bwd))
    for (outer, inner) in parts.seqs:
        if inner in used:
            bwd.seqs.append((cover(outer), inner))
    for i, s in enumerate(parts.states):
        for k, v in zip(s.taps, s.inner_in):
            if v in used:
                bwd.seqs.append((cover(_tap_values(fwd[i], lags[i], k, reverse)), v))
    bwd.non_seqs = [(outer, inner) for outer, inner in parts.non_seqs if inner in used]
    outs = bwd.build() if (bwd.states or bwd.nit_sots) else []

    # The outer gradients.
    it = iter(outs)
    for i in range(n_states):
        finals = [next(it) for _ in windows[i]]
        if not finals:
            continue
        g_init = T.stack(finals[::-1]) if len(finals) > 1 else T.shape_padleft(finals[0])
        if trunc != -1:  # truncated: nothing reaches the initial values unless all steps ran
            g_init = T.switch(T.le(n, trunc), g_init, T.zeros_like(g_init))
        if init_extra[i] is not None:
            g_init = g_init + init_extra[i]
        result[1 + op.n_seqs + i] = g_init
    first_ns = 1 + op.n_seqs + n_states
    for j, a in enumerate(accumulators):
        if a is not None:
            result[first_ns + j] = next(it)
    for j, ((outer, _), g) in enumerate(zip(parts.seqs, seq_grads)):
        if g is None:
            continue
        trace = next(it)
        if trunc == -1 and not op.as_while and _length_is(outer, n):
            result[1 + j] = trace
        else:
            region = slice(0, k_steps) if reverse else slice(n - k_steps, n)
            result[1 + j] = T.set_subtensor(T.zeros_like(outer)[region], trace)
    return result


def _add_known(known: dict, var: Variable, g: Variable) -> None:
    from ..graph.basic import Constant
    if isinstance(var, Constant):
        return
    known[var] = known[var] + g if var in known else g


def _steps(op: Any, parts: ScanParts, fwd: list[Variable]) -> Variable:
    """The number of steps the forward loop ran (for a while loop, read off a trace)."""
    T = _T()
    if not op.as_while:
        return parts.n_steps
    lags = op.state_lags() + [0] * op.n_nit
    k = 0
    return T.shape(fwd[k])[0] - lags[k]


def _split_state_grad(g: Variable, lag: int, n: Variable, reverse: bool) -> tuple[Variable, Any]:
    """A state trace's gradient (initial values included) split into the steps' part and
    the initial values' part. The usual form, the gradient of `trace[lag:]` (zeros with
    the gradient set into that part), is read directly, without its zeros."""
    from ..tensor.subtensor import IncSubtensor, Slice
    owner = g.owner
    steps_slice = Slice(None, None) if reverse else Slice(lag, None)
    if not reverse and owner is not None and isinstance(owner.op, IncSubtensor) \
            and owner.op.idx_list == (steps_slice,) and is_zero(owner.inputs[0]) \
            and len(owner.inputs) == 2 and owner.inputs[1].ndim == g.ndim:
        return owner.inputs[1], None
    if reverse:
        return g, g[n:][::-1]
    return g[lag:], g[:lag]


def _tap_values(trace: Variable, lag: int, k: int, reverse: bool) -> Variable:
    """The values a state had at tap k, as a sequence over the steps (from its trace,
    which holds the initial values first, or last and reversed when the loop runs in
    reverse)."""
    if reverse:
        return trace[-k:]
    return trace[lag + k:] if lag + k else trace


def _length_is(x: Variable, n: Variable) -> bool:
    """Whether x is known, while the graph is built, to have exactly n entries."""
    from ..tensor.shape import Shape_i, static_value
    known = static_value(n)
    if known is not None and x.type.shape[0] == known:
        return True
    return n.owner is not None and isinstance(n.owner.op, Shape_i) and n.owner.op.i == 0 \
        and n.owner.inputs[0] is x


def _graph_inputs_of(parts: ScanParts) -> list[Variable]:
    from ..graph.traversal import graph_inputs
    outs = [s.inner_out for s in parts.states] + [m.inner_out for m in parts.nit_sots]
    return graph_inputs(outs)


# -- forward mode ---------------------------------------------------------------------------


def scan_rop(op: Any, inputs: list[Variable], eval_points: list[Any]) -> list[Any]:
    """The tangents of the outputs: the same loop, carrying a tangent beside each state."""
    T = _T()
    node = op.make_node(*inputs)
    parts = ScanParts.of(node, fresh=True)
    n_states = len(parts.states)
    points = eval_points[1:]
    seq_pts = points[:op.n_seqs]
    init_pts = points[op.n_seqs:op.n_seqs + n_states]
    ns_pts = points[op.n_seqs + n_states:]

    # Which inner inputs carry a tangent: those given one, and the taps of every state
    # whose next value depends on such an input (found by repeating until stable).
    active = {inner for (_, inner), p in zip(parts.seqs, seq_pts) if p is not None
              and _continuous(inner)}
    active |= {inner for (_, inner), p in zip(parts.non_seqs, ns_pts) if p is not None
               and _continuous(inner)}
    live = [init_pts[i] is not None and _continuous(s.inner_out) for i, s in enumerate(parts.states)]
    while True:
        for i, s in enumerate(parts.states):
            if live[i]:
                active |= set(s.inner_in)
        outs = [s.inner_out for s in parts.states]
        dep = depends_on(outs, list(active)) if active else set()
        changed = False
        for i, s in enumerate(parts.states):
            if not live[i] and _continuous(s.inner_out) and s.inner_out in dep:
                live[i], changed = True, True
        if not changed:
            break
    if not active:
        return [None] * len(node.outputs)

    tangent_of = {v: _loose(v.type)(f"d{v.name or 'x'}") for v in active}
    wrt = list(tangent_of)
    nit_live = [_continuous(m.inner_out) for m in parts.nit_sots]
    targets = [s.inner_out for i, s in enumerate(parts.states) if live[i]] + \
        [m.inner_out for m, ok in zip(parts.nit_sots, nit_live) if ok]
    tangents = Rop(targets, wrt, [tangent_of[v] for v in wrt], disconnected_outputs="zero")
    tangents = iter(tangents)

    new = ScanParts.of(node, fresh=False)
    new.seqs = list(parts.seqs)
    new.states = list(parts.states)
    new.nit_sots = list(parts.nit_sots)
    new.non_seqs = list(parts.non_seqs)
    new.cond = parts.cond
    for (_, inner), p in zip(parts.seqs, seq_pts):
        if inner in active:
            new.seqs.append((p, tangent_of[inner]))
    tangent_states = []
    for i, s in enumerate(parts.states):
        if not live[i]:
            continue
        d_init = init_pts[i] if init_pts[i] is not None else T.zeros_like(s.init)
        out = next(tangents)
        out = out if out.dtype == s.inner_out.dtype else T.cast(out, s.inner_out.dtype)
        new.states.append(State(s.taps, [tangent_of[v] for v in s.inner_in], d_init, out,
                                trace=s.trace))
        tangent_states.append(i)
    tangent_nits = []
    for m, nit in enumerate(parts.nit_sots):
        if not nit_live[m]:
            continue
        out = next(tangents)
        out = out if out.dtype == nit.inner_out.dtype else T.cast(out, nit.inner_out.dtype)
        new.nit_sots.append(NitSot(out, trace=nit.trace))
        tangent_nits.append(m)
    for (_, inner), p in zip(parts.non_seqs, ns_pts):
        if inner in active:
            new.non_seqs.append((p, tangent_of[inner]))
    outs = new.build()
    n_new_states = len(new.states)
    result: list[Any] = [None] * len(node.outputs)
    for k, i in enumerate(tangent_states):
        result[i] = outs[n_states + k]
    for k, m in enumerate(tangent_nits):
        result[n_states + m] = outs[n_new_states + len(parts.nit_sots) + k]
    return result

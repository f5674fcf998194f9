"""scan(): Theano's symbolic loop, built as one Scan node.

Calls the user's step function once on placeholders (one entry of each sequence, each
state at each tap) and the non-sequences themselves, then makes the resulting graph the
Scan's inner graph: non-sequences, updated shared variables and every value the step
uses from outside the loop become explicit inputs of the node. Returns the outputs'
traces and the updates of shared variables (to pass to `function`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from ..graph.basic import Constant, Variable
from ..graph.traversal import clone_with_memo, graph_inputs, io_toposort
from ..tensor.basic import NotScalarConstantError, as_tensor_variable, get_scalar_constant_value
from ..tensor.math import minimum
from ..tensor.shape import as_length, shape_i, shape_padleft
from ..tensor.type import TensorType
from .utils import NitSot, ScanParts, State, depends_on, until


def _shared_class():
    from ..compile.sharedvalue import SharedVariable
    return SharedVariable


def scan(fn: Callable, sequences: Any = None, outputs_info: Any = None, non_sequences: Any = None,
         n_steps: Any = None, truncate_gradient: int = -1, go_backwards: bool = False,
         mode: Any = None, name: str | None = None, profile: Any = False, allow_gc: Any = None,
         strict: bool = False, return_list: bool = False) -> tuple[Any, OrderedDict]:
    """Loop `fn` over `sequences` and recurrent states; returns `(outputs, updates)`.

    `fn` receives, in order: the entries of the sequences (one per tap of each), the
    previous values of the outputs fed back (one per tap of each), and the
    non-sequences. It returns its outputs, and optionally a dict of shared-variable
    updates and/or `until(condition)`. `outputs_info` gives, per output, its initial
    value (`h0`, or `dict(initial=h0, taps=[-2, -1])`) or None when it is not fed back.
    `mode`, `profile` and `allow_gc` are accepted for Theano's sake; the loop runs in the
    mode of the function it is compiled into.
    """
    if not callable(fn):
        raise TypeError(f"scan: fn must be callable; got {type(fn).__name__}")
    truncate_gradient = _check_truncate(truncate_gradient)
    seq_specs = [_sequence_spec(s, j) for j, s in enumerate(_as_list(sequences))]
    out_specs = [_output_spec(o, i) for i, o in enumerate(_as_list(outputs_info))]
    non_seqs = [v if isinstance(v, Variable) else as_tensor_variable(v)
                for v in _as_list(non_sequences)]

    if n_steps is not None:
        try:
            known = int(get_scalar_constant_value(n_steps))
        except (NotScalarConstantError, TypeError, ValueError):
            known = None
        if known is not None and known < 0:  # Theano: a negative count runs backwards
            go_backwards, n_steps = not go_backwards, -known

    # Sequences: one outer slice and one placeholder per tap.
    seq_outer, seq_inner, lengths = [], [], []
    for spec in seq_specs:
        x = spec["input"][::-1] if go_backwards else spec["input"]
        taps = spec["taps"]
        lo, hi = min(taps), max(taps)
        for k in taps:
            start, stop = k - lo, (k - hi if k != hi else None)
            xs = x if start == 0 and stop is None else x[start:stop]
            seq_outer.append(xs)
            seq_inner.append(_entry_type(x)(_tap_name(spec["input"], k, "t")))
            lengths.append(shape_i(xs, 0))
    if n_steps is None:
        if not lengths:
            raise ValueError("scan: without sequences the number of steps must be given "
                             "(n_steps=...)")
        n = lengths[0]
        for other in lengths[1:]:
            n = n if other is n else minimum(n, other)
        n = as_length(n, "scan")
    else:
        try:
            n = as_length(n_steps, "scan: n_steps")
        except TypeError as err:
            raise TypeError(f"scan: n_steps must be an integer scalar: {err}") from None

    # States, with their types; a step returning a less specific type widens them.
    state_types = [_state_type(spec) for spec in out_specs]
    for _ in range(3):
        built = _trace_step(fn, seq_inner, out_specs, state_types, non_seqs)
        widened = _widen(out_specs, state_types, built["outputs"])
        if widened == state_types:
            break
        state_types = widened
    outputs, updates, cond = built["outputs"], built["updates"], built["cond"]
    out_specs = out_specs or [None] * len(outputs)

    # The updated shared variables (and default updates of those the step uses) are states.
    shared_cls = _shared_class()
    used = graph_inputs(outputs + list(updates.values()) + ([cond] if cond is not None else []),
                        blockers=built["placeholders"])
    for v in used:
        if isinstance(v, shared_cls) and v not in updates and v.default_update is not None:
            updates[v] = as_tensor_variable(v.default_update)
    shared_states = []
    for sv, new in updates.items():
        if new.type != sv.type:
            if new.dtype != sv.dtype or new.ndim != sv.ndim:
                raise TypeError(f"scan: the step updates shared variable {sv.describe()} "
                                f"({sv.type.describe_value()}) with {new.describe()} "
                                f"({new.type.describe_value()})")
        shared_states.append((sv, sv.type(_tap_name(sv, -1, "t"))))

    # Replace the non-sequences and the updated shared variables by inner placeholders.
    replace: dict[Variable, Variable] = {}
    explicit = []
    for v in non_seqs:
        if isinstance(v, Constant) or v in replace:
            continue
        replace[v] = v.type(v.name)
        explicit.append(v)
    for sv, ph in shared_states:
        replace[sv] = ph  # an updated shared variable is a state, even if passed as well
    explicit = [v for v in explicit if v not in updates]
    everything = outputs + [new for new in updates.values()] + ([cond] if cond is not None else [])
    memo = clone_with_memo(everything, dict(replace))
    everything = [memo.get(v, v) for v in everything]
    outputs = everything[:len(outputs)]
    update_values = everything[len(outputs):len(outputs) + len(updates)]
    cond = everything[-1] if cond is not None else None

    # Values the step takes from outside the loop become non-sequences too.
    placeholders = built["placeholders"] + [ph for _, ph in shared_states] + \
        [replace[v] for v in explicit]
    inner_outs = outputs + update_values + ([cond] if cond is not None else [])
    free = _free_values(inner_outs, placeholders)
    if strict:
        roots = [v for v in graph_inputs(free) if not isinstance(v, Constant)]
        if roots:
            raise ValueError(
                f"scan(strict=True): the step uses {roots[0].describe()}, which is not among the "
                f"non_sequences; pass every variable the step uses (shared ones too) in "
                f"non_sequences, or use strict=False")
    free_inner = [v.type(v.name) for v in free]
    if free:
        memo = clone_with_memo(inner_outs, dict(zip(free, free_inner)))
        inner_outs = [memo.get(v, v) for v in inner_outs]
        outputs = inner_outs[:len(outputs)]
        update_values = inner_outs[len(outputs):len(outputs) + len(update_values)]
        cond = inner_outs[-1] if cond is not None else None

    # Assemble the node.
    parts = ScanParts(n, truncate_gradient=truncate_gradient, name=name)
    parts.seqs = list(zip(seq_outer, seq_inner))
    state_of_output: dict[int, int] = {}
    nit_of_output: dict[int, int] = {}
    tap_vars = iter(built["state_inputs"])
    for i, (spec, out) in enumerate(zip(out_specs, outputs)):
        if spec is None:
            nit_of_output[i] = len(parts.nit_sots)
            parts.nit_sots.append(NitSot(out))
            continue
        ins = next(tap_vars)
        state_of_output[i] = len(parts.states)
        parts.states.append(State(tuple(spec["taps"]), ins, _outer_init(spec), out))
    for (sv, ph), new in zip(shared_states, update_values):
        parts.states.append(State((-1,), [ph], shape_padleft(sv), new))
    used_inputs = set(graph_inputs(inner_outs))
    parts.non_seqs = [(v, replace[v]) for v in explicit if replace[v] in used_inputs] + \
        list(zip(free, free_inner))
    parts.cond = cond
    results = parts.build()

    # A state's trace starts with its initial values: the user sees the steps' values.
    user_outputs = [_after_initial(results[state_of_output[i]], parts.states[state_of_output[i]])
                    if i in state_of_output else results[len(parts.states) + nit_of_output[i]]
                    for i in range(len(outputs))]
    scan_updates: OrderedDict = OrderedDict()
    first_shared = len(parts.states) - len(shared_states)
    for k, (sv, _) in enumerate(shared_states):
        scan_updates[sv] = results[first_shared + k][-1]
    if return_list:
        return user_outputs, scan_updates
    if not user_outputs:
        return None, scan_updates
    return (user_outputs[0] if len(user_outputs) == 1 else user_outputs), scan_updates


def _after_initial(trace: Variable, state: State) -> Variable:
    return trace[-min(state.taps):]


# -- the arguments ----------------------------------------------------------------------------


def _as_list(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _check_truncate(t: Any) -> int:
    try:
        t = int(t)
    except (TypeError, ValueError):
        raise TypeError(f"scan: truncate_gradient must be an int (-1 for no truncation); got "
                        f"{t!r}") from None
    if t == 0 or t < -1:
        raise ValueError(f"scan: truncate_gradient must be -1 (no truncation) or a positive "
                         f"number of steps; got {t}")
    return t


def _sequence_spec(s: Any, j: int) -> dict:
    if isinstance(s, Mapping):
        if "input" not in s:
            raise ValueError(f"scan: sequence {j} is a dict without 'input'")
        x, taps = s["input"], s.get("taps", [0])
        taps = [0] if taps is None else list(taps) if isinstance(taps, (list, tuple)) else [taps]
    else:
        x, taps = s, [0]
    try:
        x = as_tensor_variable(x)
    except TypeError as err:
        raise TypeError(f"scan: sequence {j} is not a tensor: {err}") from None
    if x.ndim < 1:
        raise TypeError(f"scan: sequence {j}, {x.describe()}, is a scalar; a sequence is looped "
                        f"over along its first dimension, so it needs at least one")
    if not taps or not all(isinstance(k, (int,)) or hasattr(k, "__index__") for k in taps):
        raise ValueError(f"scan: the taps of sequence {j} must be a non-empty list of ints; "
                         f"got {taps!r}")
    return {"input": x, "taps": [int(k) for k in taps]}


def _output_spec(o: Any, i: int) -> dict | None:
    if o is None:
        return None
    if isinstance(o, Mapping):
        if o.get("initial") is None:
            return None
        init, taps = o["initial"], o.get("taps", [-1])
        taps = [-1] if taps is None else list(taps) if isinstance(taps, (list, tuple)) else [taps]
    else:
        init, taps = o, [-1]
    try:
        init = as_tensor_variable(init)
    except TypeError as err:
        raise TypeError(f"scan: the initial value of output {i} is not a tensor: {err}") from None
    taps = [int(k) for k in taps]
    if not taps or any(k >= 0 for k in taps) or len(set(taps)) != len(taps):
        raise ValueError(f"scan: the taps of output {i} must be distinct negative ints (an output "
                         f"can only read its past values); got {taps}")
    if taps != [-1]:
        lag = -min(taps)
        if init.ndim < 1:
            raise TypeError(f"scan: output {i} has taps {taps}, so its initial value "
                            f"{init.describe()} must hold {lag} past values along its first "
                            f"dimension; it is a scalar")
        known = init.type.shape[0]
        if known is not None and known < lag:
            raise ValueError(f"scan: output {i} has taps {taps}, so its initial value "
                             f"{init.describe()} needs at least {lag} entries; it has {known}")
    return {"initial": init, "taps": taps}


def _entry_type(x: Variable) -> TensorType:
    return TensorType(x.dtype, x.type.shape[1:])


def _state_type(spec: dict | None) -> TensorType | None:
    if spec is None:
        return None
    init = spec["initial"]
    return init.type if spec["taps"] == [-1] else _entry_type(init)


def _outer_init(spec: dict) -> Variable:
    init, taps = spec["initial"], spec["taps"]
    if taps == [-1]:
        return shape_padleft(init)
    lag = -min(taps)
    return init if init.type.shape[0] == lag else init[:lag]


def _tap_name(x: Any, k: int, t: str) -> str | None:
    base = getattr(x, "name", None)
    if base is None:
        return None
    return f"{base}[{t}]" if k == 0 else f"{base}[{t}{k:+d}]"


# -- calling the step --------------------------------------------------------------------------


def _trace_step(fn: Callable, seq_inner: list, out_specs: list, state_types: list,
                non_seqs: list) -> dict:
    """Call fn on fresh placeholders for the states (and the given sequence ones)."""
    state_inputs = []
    for spec, t in zip(out_specs, state_types):
        if spec is None:
            continue
        state_inputs.append([t(_tap_name(spec["initial"], k, "t")) for k in spec["taps"]])
    args = list(seq_inner) + [v for ins in state_inputs for v in ins] + list(non_seqs)
    outputs, updates, cond = _read_step_result(fn(*args))
    if out_specs and len(outputs) != len(out_specs):
        raise ValueError(f"scan: outputs_info has {len(out_specs)} entries but the step returns "
                         f"{len(outputs)} outputs; give one entry per output (None for outputs "
                         f"that are not fed back)")
    for k, (spec, out, t) in enumerate(zip(out_specs or [None] * len(outputs), outputs,
                                           state_types or [None] * len(outputs))):
        if spec is None:
            continue
        if out.dtype != t.dtype:
            raise TypeError(f"scan: output {k} is fed back, so the step must return it with the "
                            f"dtype of its initial value {spec['initial'].describe()} ({t.dtype}); "
                            f"it returns {out.describe()} ({out.dtype}). Cast one of them "
                            f"(T.cast(x, {t.dtype!r}))")
        if out.ndim != t.ndim:
            raise TypeError(f"scan: output {k} is fed back, so the step must return it with "
                            f"{t.ndim} dims like its initial value {spec['initial'].describe()}; "
                            f"it returns {out.describe()} with {out.ndim} dims")
    return {"outputs": outputs, "updates": updates, "cond": cond, "state_inputs": state_inputs,
            "placeholders": list(seq_inner) + [v for ins in state_inputs for v in ins]}


def _read_step_result(result: Any) -> tuple[list[Variable], OrderedDict, Variable | None]:
    """Theano's forms: outputs; updates; until; or a pair / triple of them."""
    def is_updates(x):
        if isinstance(x, Mapping):
            return True
        return isinstance(x, (list, tuple)) and len(x) > 0 and all(
            isinstance(p, (list, tuple)) and len(p) == 2 and not isinstance(p[0], (list, tuple))
            and _is_shared(p[0]) for p in x)

    def is_outputs(x):
        return x is None or isinstance(x, Variable) or _is_value(x) or (
            isinstance(x, (list, tuple)) and all(isinstance(v, Variable) or _is_value(v)
                                                 for v in x))

    outputs: Any = []
    updates: Any = {}
    cond = None
    if isinstance(result, until):
        cond = result.condition
    elif is_outputs(result):
        outputs = result
    elif is_updates(result):
        updates = result
    elif isinstance(result, (list, tuple)) and len(result) in (2, 3):
        items = list(result)
        if isinstance(items[-1], until):
            cond = items.pop().condition
        for item in items:
            if is_updates(item) and not updates:
                updates = item
            elif is_outputs(item) and not outputs:
                outputs = item
            else:
                raise ValueError(_STEP_FORMS)
    else:
        raise ValueError(_STEP_FORMS)
    outputs = [] if outputs is None else [outputs] if not isinstance(outputs, (list, tuple)) \
        else list(outputs)
    try:
        outputs = [as_tensor_variable(v) for v in outputs]
    except TypeError as err:
        raise TypeError(f"scan: the step returned something that is not a tensor: {err}") from None
    pairs = list(updates.items()) if isinstance(updates, Mapping) else list(updates)
    checked: OrderedDict = OrderedDict()
    for target, value in pairs:
        if not _is_shared(target):
            what = target.describe() if isinstance(target, Variable) else repr(target)
            raise TypeError(f"scan: the step returned an update for {what}, which is not a "
                            f"shared variable")
        checked[target] = as_tensor_variable(value)
    return outputs, checked, cond


_STEP_FORMS = ("scan: the step function must return its outputs (a variable or a list), "
               "optionally with a dict of updates and/or until(condition): outputs, "
               "(outputs, updates), (outputs, until(c)) or (outputs, updates, until(c))")


def _is_shared(x: Any) -> bool:
    return isinstance(x, _shared_class())


def _is_value(x: Any) -> bool:
    import numpy as np
    return isinstance(x, (int, float, bool, np.ndarray, np.number))


def _widen(out_specs: list, state_types: list, outputs: list) -> list:
    """The state types, widened where the step returns a less specific static shape."""
    widened = []
    for spec, t, out in zip(out_specs or [None] * len(outputs), state_types or [None] * len(outputs),
                            outputs):
        if spec is None or t.accepts_variable_type(out.type):
            widened.append(t)
            continue
        widened.append(TensorType(t.dtype, tuple(a if a == b else None
                                                 for a, b in zip(t.shape, out.type.shape))))
    return widened if out_specs else state_types


def _free_values(outputs: list[Variable], placeholders: list[Variable]) -> list[Variable]:
    """The values computed outside the loop that the step uses: inputs of the step's
    nodes (and outputs) that do not depend on any placeholder and are not constants."""
    dep = depends_on(outputs, placeholders)
    free: dict[Variable, None] = {}
    for node in io_toposort(placeholders, outputs):
        if not any(v in dep for v in node.inputs):
            continue
        for v in node.inputs:
            if v not in dep and not isinstance(v, Constant):
                free.setdefault(v)
    for v in outputs:
        if v not in dep and not isinstance(v, Constant):
            free.setdefault(v)
    return list(free)

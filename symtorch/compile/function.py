"""function(): from symbolic inputs and outputs to a callable on torch.

Clone the user's graph, apply givens, collect shared variables and updates,
rewrite with the mode's rewrites, lower to one torch program, and wrap it in
a Function whose call converts the arguments, runs the program once and
returns the results. Imports graph/, tensor/ and link/; nothing imports it
but the package root (and `Variable.eval`, lazily).
"""

from __future__ import annotations

import copy as copy_module
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..config import config
from ..graph.basic import Constant, Variable
from ..graph.fg import FunctionGraph
from ..graph.traversal import ancestors, check_replacement, clone_replace
from ..link.torch import build_program
from ..link.torch.backends import runner
from ..link.torch.cudagraphs import CapturedStep
from ..tensor.basic import as_tensor_variable
from ..tensor.type import TensorType
from .arguments import make_converter, resolve_device, to_tensor
from .debugmode import checked_forward
from .mode import Mode, get_mode
from .profiling import ProfileStats, profiled_forward
from .sharedvalue import SharedVariable, tensor_to_numpy


class UnusedInputError(ValueError):
    """An input of the function is not needed by any output or update."""


@dataclass
class In:
    """A function input with options: a name for keyword calls, a default `value`,
    an `update` (the input then keeps its value between calls, like a shared
    variable private to this function), and conversion flags."""

    variable: Variable
    name: str | None = None
    value: Any = None
    update: Any = None
    mutable: bool = False
    borrow: bool = False
    strict: bool = False
    allow_downcast: bool | None = None
    implicit: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.variable, Variable):
            raise TypeError(f"In() takes a symbolic variable; got {type(self.variable).__name__}")
        if self.name is None:
            self.name = self.variable.name


@dataclass
class Out:
    """A function output; with `borrow=True` the next call may reuse its storage."""

    variable: Variable
    borrow: bool = True


def function(inputs: Sequence[Variable | In], outputs: Any = None, mode: Any = None,
             updates: Any = None, givens: Any = None, no_default_updates: Any = False,
             accept_inplace: bool = False, name: str | None = None,
             rebuild_strict: bool = True, allow_input_downcast: bool | None = None,
             profile: Any = None, on_unused_input: str | None = None, device: Any = None,
             output_type: str | None = None, trust_input: bool = False) -> Function:
    """Compile a function computing `outputs` from `inputs` (see API.md, "Compiling")."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"function(): inputs must be a list of variables; got "
                        f"{type(inputs).__name__}")
    spec = FunctionSpec.build(inputs, outputs, updates, givens, no_default_updates,
                              allow_input_downcast, on_unused_input or "raise")
    return Function(spec, get_mode(mode), name=name, device=resolve_device(device),
                    output_type=output_type, trust_input=trust_input,
                    profile=bool(profile) or config.profile)


# -- the user's request, normalized ------------------------------------------------------


@dataclass
class FunctionSpec:
    """What the user asked for, checked and normalized, before any compilation."""

    inputs: list[In]
    outputs: list[Variable]
    borrowed: list[bool]
    single_output: bool
    updates: list[tuple[Variable, Variable]]   # (shared variable or In variable, new value)
    shared: list[SharedVariable]
    allow_input_downcast: bool | None

    @classmethod
    def build(cls, inputs, outputs, updates, givens, no_default_updates, allow_input_downcast,
              on_unused_input) -> FunctionSpec:
        ins = [x if isinstance(x, In) else In(_input_variable(x, i)) for i, x in enumerate(inputs)]
        _check_distinct_inputs(ins)

        single = outputs is not None and not isinstance(outputs, (list, tuple))
        outs_raw = [] if outputs is None else [outputs] if single else list(outputs)
        out_vars, borrowed = [], []
        for i, o in enumerate(outs_raw):
            var = o.variable if isinstance(o, Out) else o
            try:
                var = as_tensor_variable(var)
            except TypeError as err:
                raise TypeError(f"function(): output {i} is not a tensor expression: {err}") from None
            out_vars.append(var)
            borrowed.append(isinstance(o, Out) and o.borrow)

        update_pairs = _normalize_updates(updates)
        for inp in ins:
            if inp.update is not None:
                update_pairs.append((inp.variable, as_tensor_variable(inp.update)))

        if givens:
            pairs = list(givens.items() if isinstance(givens, Mapping) else givens)
            replace = {}
            for old, new in pairs:
                if not isinstance(old, Variable):
                    raise TypeError(f"givens: keys must be symbolic variables; got {old!r}")
                new = as_tensor_variable(new) if not isinstance(new, Variable) else new
                if old.type != new.type and isinstance(old.type, TensorType) and \
                        isinstance(new.type, TensorType) and old.dtype != new.dtype:
                    raise TypeError(f"givens: {old.describe()} has dtype {old.dtype}; its "
                                    f"replacement {new.describe()} has dtype {new.dtype}")
                check_replacement(old, new) if old.type.ndim == new.type.ndim else None
                if old.type.ndim != new.type.ndim:
                    raise TypeError(f"givens: {old.describe()} has {old.type.ndim} dims; its "
                                    f"replacement {new.describe()} has {new.type.ndim}")
                replace[old] = new
            everything = clone_replace(out_vars + [v for _, v in update_pairs], replace)
            out_vars = everything[:len(out_vars)]
            update_pairs = [(k, v) for (k, _), v in zip(update_pairs, everything[len(out_vars):])]

        input_vars = {inp.variable for inp in ins}
        graph_vars = ancestors(out_vars + [v for _, v in update_pairs], blockers=input_vars)
        shared = _collect_shared(graph_vars + [k for k, _ in update_pairs], input_vars)

        # Default updates of the shared variables the function touches.
        skip = set(no_default_updates) if isinstance(no_default_updates, (list, tuple)) else None
        if no_default_updates is not True:
            explicit = {k for k, _ in update_pairs}
            for sv in list(shared):
                if sv.default_update is not None and sv not in explicit and \
                        (skip is None or sv not in skip):
                    update_pairs.append((sv, as_tensor_variable(sv.default_update)))
                    more = ancestors([update_pairs[-1][1]], blockers=input_vars)
                    for extra in _collect_shared(more, input_vars):
                        if extra not in shared:
                            shared.append(extra)

        _check_updates(update_pairs, input_vars)
        _check_missing_and_unused(ins, out_vars, update_pairs, on_unused_input)
        return cls(ins, out_vars, borrowed, single, update_pairs, shared, allow_input_downcast)


def _input_variable(x: Any, i: int) -> Variable:
    if not isinstance(x, Variable):
        raise TypeError(f"function(): input {i} must be a symbolic variable or In(); got "
                        f"{type(x).__name__} {x!r:.40}")
    if isinstance(x, SharedVariable):
        raise TypeError(f"function(): input {i}, shared variable {x.describe()}, cannot be an "
                        f"explicit input: its value is held by the variable itself")
    if isinstance(x, Constant):
        raise TypeError(f"function(): input {i} is a constant ({x}); inputs must be variables")
    return x


def _check_distinct_inputs(ins: list[In]) -> None:
    seen: set[Variable] = set()
    for inp in ins:
        if inp.variable in seen:
            raise ValueError(f"function(): {inp.variable.describe()} is given twice as an input")
        seen.add(inp.variable)


def _normalize_updates(updates: Any) -> list[tuple[Variable, Variable]]:
    if updates is None:
        return []
    if isinstance(updates, Mapping):
        items = list(updates.items())
    else:
        try:
            items = [tuple(u) for u in updates]
        except TypeError:
            raise TypeError("updates must be a dict or a list of (shared variable, expression) "
                            "pairs") from None
    pairs = []
    for item in items:
        if len(item) != 2:
            raise TypeError(f"updates must be (shared variable, expression) pairs; got {item!r:.80}")
        target, value = item
        if not isinstance(target, SharedVariable):
            what = target.describe() if isinstance(target, Variable) else repr(target)
            raise TypeError(f"updates: {what} is not a shared variable; only shared variables "
                            f"(made with symtorch.shared) can be updated")
        try:
            value = as_tensor_variable(value)
        except TypeError as err:
            raise TypeError(f"updates: the new value of {target.describe()} is not a tensor "
                            f"expression: {err}") from None
        pairs.append((target, value))
    return pairs


def _check_updates(pairs: list[tuple[Variable, Variable]], inputs: set[Variable]) -> None:
    seen: set[Variable] = set()
    for target, value in pairs:
        if target in seen:
            raise ValueError(f"updates: {target.describe()} is updated twice")
        seen.add(target)
        t, v = target.type, value.type
        if v.dtype != t.dtype:
            raise TypeError(
                f"updates: {target.describe()} is {t.describe_value()}, but its new value "
                f"{value.describe()} is {v.describe_value()}; cast it with "
                f"T.cast(expr, {t.dtype!r}) or make the expression {t.dtype}")
        if v.ndim != t.ndim:
            raise TypeError(f"updates: {target.describe()} has {t.ndim} dims, but its new value "
                            f"{value.describe()} has {v.ndim}")
        for dim, (a, b) in enumerate(zip(t.shape, v.shape)):
            if a is not None and b is not None and a != b:
                raise TypeError(f"updates: {target.describe()} has length {a} in dimension {dim}, "
                                f"but its new value has length {b}")


def _collect_shared(variables: Sequence[Variable], exclude: set[Variable]) -> list[SharedVariable]:
    found: dict[SharedVariable, None] = {}
    for v in variables:
        if isinstance(v, SharedVariable) and v not in exclude:
            found.setdefault(v)
    return list(found)


def _check_missing_and_unused(ins: list[In], outputs: list[Variable],
                              updates: list[tuple[Variable, Variable]], policy: str) -> None:
    if policy not in ("raise", "warn", "ignore"):
        raise ValueError(f"on_unused_input must be 'raise', 'warn' or 'ignore'; got {policy!r}")
    input_vars = {inp.variable for inp in ins}
    needed = ancestors(outputs + [v for _, v in updates], blockers=input_vars)
    for v in needed:
        if v.owner is None and v not in input_vars and not isinstance(v, (Constant, SharedVariable)):
            from ..graph.fg import MissingInputError
            raise MissingInputError(
                f"function(): {v.describe()} ({v.type}) is needed to compute the outputs but is "
                f"not among the inputs; add it to the inputs or replace it through givens")
    used = set(needed) | {k for k, _ in updates}
    for i, inp in enumerate(ins):
        if inp.variable not in used:
            msg = (f"function(): input {i}, {inp.variable.describe()}, is not used to compute any "
                   f"output or update (pass on_unused_input='warn' or 'ignore' to allow this)")
            if policy == "raise":
                raise UnusedInputError(msg)
            if policy == "warn":
                warnings.warn(msg, UserWarning, stacklevel=4)


# -- the compiled function -------------------------------------------------------------------


class FunctionMaker:
    """What `function()` built: `fgraph` (the rewritten graph) and the lowered program."""

    def __init__(self, spec: FunctionSpec, mode: Mode, device: torch.device):
        self.spec, self.mode, self.device = spec, mode, device
        self.inputs = spec.inputs
        n_user = len(spec.inputs)
        graph_inputs = [inp.variable for inp in spec.inputs] + list(spec.shared)
        graph_outputs = list(spec.outputs) + [v for _, v in spec.updates]
        self.fgraph = FunctionGraph(graph_inputs, graph_outputs)
        self.n_outputs = len(spec.outputs)
        rewrite_graph(self.fgraph, mode)
        position = {v: i for i, v in enumerate(graph_inputs)}
        self.update_positions = [(position[target], self.fgraph.outputs[self.n_outputs + k])
                                 for k, (target, _) in enumerate(spec.updates)]
        self.input_names = [inp.name or f"in{i}" for i, inp in enumerate(spec.inputs)] + \
                           [sv.name or f"shared{i}" for i, sv in enumerate(spec.shared)]
        self.program = self.lower(capture=mode.linker == "debug")
        self.n_user_inputs = n_user

    def lower(self, **options: Any):
        """Lower the rewritten graph: the user's outputs are the program's results,
        the update values feed the writes into the shared tensors."""
        return build_program(_OutputsOnly(self.fgraph, self.n_outputs), self.device,
                             self.update_positions, self.spec.borrowed, self.input_names,
                             **options)


class _OutputsOnly:
    """A view of a FunctionGraph whose outputs are the first `n` of the graph's."""

    def __init__(self, fgraph: FunctionGraph, n: int):
        self.inputs = fgraph.inputs
        self.outputs = fgraph.outputs[:n]
        self._fgraph = fgraph

    def toposort(self):
        return self._fgraph.toposort()


def rewrite_graph(fgraph: FunctionGraph, mode: Mode) -> None:
    """Run the mode's rewrites on `fgraph` (the rewrite engine is issue 4; none run yet)."""
    try:
        from ..rewriting import rewrite_for_mode  # type: ignore[attr-defined]
    except ImportError:
        return
    rewrite_for_mode(fgraph, mode)


class Function:
    """A compiled function. Call it with values for its inputs (positionally or by
    name); it returns one result or a list, as NumPy arrays or torch tensors."""

    def __init__(self, spec: FunctionSpec, mode: Mode, name: str | None, device: torch.device,
                 output_type: str | None, trust_input: bool, profile: bool,
                 storage: dict[Variable, torch.Tensor] | None = None):
        self.name = name
        self.maker = FunctionMaker(spec, mode, device)
        self.output_type = output_type or config.output_type
        if self.output_type not in ("numpy", "torch"):
            raise ValueError(f"output_type must be 'numpy' or 'torch'; got {output_type!r}")
        self.trust_input = trust_input
        self.profile: ProfileStats | None = ProfileStats(name) if profile else None
        self.device = device
        self._spec = spec
        for sv in spec.shared:
            if sv.container.device != device:
                raise ValueError(
                    f"shared variable {sv.describe()} lives on {sv.container.device}, but the "
                    f"function runs on {device}; make it with shared(..., device={str(device)!r}) "
                    f"or compile with device={str(sv.container.device)!r}")
        program = self.maker.program
        if mode.linker == "debug":
            self._forward = checked_forward(program, self.maker.fgraph.inputs)
        elif self.profile is not None:
            self._forward = profiled_forward(program.module, self.profile)
        else:
            # Inputs whose lengths may differ between calls (a shared variable's type
            # leaves them unknown too, since set_value may change them).
            dynamic = [i for i, v in enumerate(self.maker.fgraph.inputs) if None in v.type.shape]
            # Borrowed outputs that a compiled program computes go into persistent
            # buffers (an output that is an input or a constant is passed through).
            outputs = self.maker.fgraph.outputs
            buffered = [i for i, b in enumerate(spec.borrowed) if b and outputs[i].owner is not None]
            captured = mode.cuda_graphs and device.type == "cuda"
            on_final = None if captured else self._use_runner
            if program.writes_read_each_other:
                self._forward = program.module.forward  # see Program.writes_read_each_other
            elif buffered and mode.linker != "torch":
                self._forward = runner(self.maker.lower(out_buffers=buffered).module, mode.linker,
                                       dynamic, plain=program.module, buffered=buffered,
                                       on_final=on_final)
            else:
                self._forward = runner(program.module, mode.linker, dynamic, on_final=on_final)
            if captured:  # shared tensors and inputs with storage stay where they are
                fixed = [i for i, inp in enumerate(spec.inputs) if inp.value is not None]
                fixed += range(len(spec.inputs), len(spec.inputs) + len(spec.shared))
                self._forward = CapturedStep(self._forward, fixed, spec.borrowed)
        self._n_inputs = len(spec.inputs)
        self._names = {inp.name: i for i, inp in enumerate(spec.inputs) if inp.name}
        self._converters = [
            make_converter(inp.variable.type, device, self._describe_input(i, inp),
                           spec.allow_input_downcast if inp.allow_downcast is None
                           else inp.allow_downcast, inp.strict)
            for i, inp in enumerate(spec.inputs)]
        # Inputs with a default value or an update keep a tensor of their own.
        self._storage: dict[int, torch.Tensor] = {}
        updated = {target for target, _ in spec.updates}
        for i, inp in enumerate(spec.inputs):
            if inp.value is not None or inp.variable in updated:
                if inp.value is None:
                    raise ValueError(f"In({inp.variable.describe()}) has an update but no value")
                src = (storage or {}).get(inp.variable)
                self._storage[i] = src if src is not None else to_tensor(
                    inp.value, inp.variable.type, device, self._describe_input(i, inp), True)
        self._shared_values = tuple(sv.container for sv in spec.shared)
        self._to_numpy = self.output_type == "numpy"
        self._single = spec.single_output
        # NumPy results are zero-copy views of fresh CPU tensors where the dtype allows.
        self._fast_numpy = device.type == "cpu" and not any(
            v.type.dtype == "bfloat16" for v in spec.outputs)

    def _use_runner(self, forward: Callable) -> None:
        self._forward = forward

    def _describe_input(self, i: int, inp: In) -> str:
        label = f"input {i}" + (f" {inp.name!r}" if inp.name else "")
        return f"{label} of {self.name or 'the function'}"

    # -- calling -------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The hot path of every call: kept to a few attribute reads (see benchmarks/overhead.py).
        if kwargs or len(args) != self._n_inputs or self._storage:
            args = self._bind(args, kwargs)
        if not self.trust_input:
            if self._n_inputs == 1:
                args = (self._converters[0](args[0]),)
            else:
                args = [convert(a) for convert, a in zip(self._converters, args)]
        results = self._forward(*args, *self._shared_values)
        if self._to_numpy:
            results = self._as_numpy(results)
        return results[0] if self._single else list(results)

    def _bind(self, args: tuple, kwargs: dict) -> list:
        n = self._n_inputs
        if len(args) > n:
            raise TypeError(f"{self.name or 'function'} takes {n} argument(s); got {len(args)}")
        slots: list[Any] = list(args) + [_MISSING] * (n - len(args))
        for key, value in kwargs.items():
            if key not in self._names:
                raise TypeError(f"{self.name or 'function'} got an unknown keyword argument {key!r}"
                                f"; inputs are named {sorted(self._names) or 'nothing'}")
            i = self._names[key]
            if slots[i] is not _MISSING:
                raise TypeError(f"{self.name or 'function'} got input {key!r} twice")
            slots[i] = value
        for i, value in enumerate(slots):
            if value is _MISSING:
                if i not in self._storage:
                    inp = self._spec.inputs[i]
                    raise TypeError(f"{self.name or 'function'}: missing argument for input {i}"
                                    f" ({inp.variable.describe()})")
                slots[i] = self._storage[i]
            elif i in self._storage:
                # An explicit value for an input with storage: it becomes the stored value.
                new = self._converters[i](value)
                with torch.no_grad():
                    if new.shape == self._storage[i].shape:
                        self._storage[i].copy_(new)
                    else:
                        self._storage[i].set_(new.clone())
                slots[i] = self._storage[i]
        return slots

    def _as_numpy(self, results: tuple) -> list:
        if self._fast_numpy:
            return [r.numpy() for r in results]
        return [tensor_to_numpy(r, copy=False) for r in results]

    # -- Theano's conveniences ---------------------------------------------------------------

    @property
    def input_storage(self) -> list:
        return [self._storage.get(i) for i in range(self._n_inputs)]

    @property
    def code(self) -> str:
        """The generated torch program, as Python source."""
        return self.maker.program.code

    # -- export ------------------------------------------------------------------------------

    def to_module(self):
        """A torch.nn.Module running this function; its parameters and buffers are the
        shared tensors themselves, and its forward applies the updates."""
        from .export import to_module
        return to_module(self)

    def to_torchscript(self, *example_args: Any):
        """A TorchScript module (saveable with torch.jit.save, runnable without symtorch)."""
        from .export import to_torchscript
        return to_torchscript(self, *example_args)

    def to_exported_program(self, *example_args: Any):
        """A torch.export.ExportedProgram of this function."""
        from .export import to_exported_program
        return to_exported_program(self, *example_args)

    def copy(self, share_memory: bool = False, swap: Mapping | None = None,
             delete_updates: bool = False, name: str | None = None) -> Function:
        """A new Function for the same graph. Without `share_memory` its shared
        variables are fresh copies; `swap` maps shared variables to others to use
        instead; `delete_updates` drops the updates."""
        spec = copy_module.copy(self._spec)
        mapping: dict[Variable, Variable] = {}
        if not share_memory:
            for sv in spec.shared:
                fresh = copy_module.copy(sv)
                fresh.container = sv.container.clone()
                mapping[sv] = fresh
        for old, new in (swap or {}).items():
            if not isinstance(old, SharedVariable) or not isinstance(new, SharedVariable):
                raise TypeError("copy(swap=...) maps shared variables to shared variables")
            if old.type != new.type:
                raise TypeError(f"copy(swap=...): {old.describe()} is {old.type}; "
                                f"{new.describe()} is {new.type}")
            mapping[old] = new
        if mapping:
            replaced = clone_replace(spec.outputs + [v for _, v in spec.updates], mapping)
            spec.outputs = replaced[:len(spec.outputs)]
            spec.updates = [(mapping.get(k, k), v)
                            for (k, _), v in zip(spec.updates, replaced[len(spec.outputs):])]
            spec.shared = [mapping.get(sv, sv) for sv in spec.shared]
        if delete_updates:
            spec.updates = []
        storage = {inp.variable: t for inp, t in
                   ((self._spec.inputs[i], t) for i, t in self._storage.items())} if share_memory else None
        return Function(spec, self.maker.mode, name or self.name, self.device, self.output_type,
                        self.trust_input, self.profile is not None, storage)

    def __getstate__(self) -> dict:
        return {"spec": self._spec, "mode": self.maker.mode, "name": self.name,
                "device": str(self.device), "output_type": self.output_type,
                "trust_input": self.trust_input, "profile": self.profile is not None}

    def __setstate__(self, state: dict) -> None:
        device = torch.device(state["device"])
        if device.type == "cuda" and not torch.cuda.is_available():
            device = torch.device("cpu")
        self.__init__(state["spec"], state["mode"], state["name"], device, state["output_type"],
                      state["trust_input"], state["profile"])

    def __repr__(self) -> str:
        return f"<symtorch.Function {self.name or ''} ({self.maker.mode})>"


_MISSING = object()


def eval_variable(var: Variable, inputs_to_values: Mapping, **kwargs: Any) -> Any:
    """`var.eval({x: value, ...})`: compile once per set of inputs, cached on `var`."""
    keys = tuple(inputs_to_values)
    for k in keys:
        if not isinstance(k, Variable):
            raise TypeError(f"eval: keys must be symbolic variables; got {k!r}")
    cache = var.tag.setdefault("eval_cache", {})
    key = (keys, kwargs.get("mode"), config.device)
    if key not in cache:
        cache[key] = function(list(keys), var, on_unused_input="ignore", **kwargs)
    return cache[key](*[inputs_to_values[k] for k in keys])

"""Lowering a FunctionGraph to one torch program: an FX GraphModule.

The fourth box of DESIGN.md's flow. Each Op class has one torch rule,
registered with `@lower(OpClass)` in the module of link/torch/ that mirrors
the op's module. `build_program` walks the graph once, calling each node's
rule on FX proxies, so the rules read as ordinary torch code and the result
is a flat torch program: one Python call per function call, no per-node
Python work when it runs.

Values are of two kinds. *Tensor* values are torch tensors. *Host* values are
Python ints, floats and tuples of them: the shapes and the integer
arithmetic on shapes, which torch wants as Python numbers (reshape, arange,
zeros) and which must not become data-dependent tensors inside a compiled
program. An op's `host` predicate says when its output is a host value;
`LoweringContext.tensor` turns a host value into a tensor where one is needed.

Imports graph/ and tensor/ (for types); nothing here imports compile/.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.fx

from ...graph.basic import Apply, Op, Variable
from ...graph.fg import FunctionGraph
from ...tensor.type import TensorType

# A rule: (ctx, node, *input values) -> output value, or a tuple of them for several outputs.
Rule = Callable[..., Any]
# A host predicate: (node, which inputs are host) -> whether the outputs are host values.
HostPredicate = Callable[[Apply, Sequence[bool]], bool]
# An in-place rule: (ctx, node, target, *other input values) -> True if it wrote the node's
# result into `target` (the value of node.inputs[0]) in place, False if it cannot.
InplaceRule = Callable[..., bool]


@dataclass
class Lowering:
    rule: Rule
    host: HostPredicate | None = None
    inplace: InplaceRule | None = None


LOWERINGS: dict[type, Lowering] = {}


def lower(*op_classes: type, host: HostPredicate | None = None, inplace: InplaceRule | None = None):
    """Register the decorated function as the torch rule of `op_classes`."""
    def register(rule: Rule) -> Rule:
        for cls in op_classes:
            LOWERINGS[cls] = Lowering(rule, host, inplace)
        return rule

    return register


def lowering_of(op: Op) -> Lowering:
    for cls in type(op).__mro__:
        if cls in LOWERINGS:
            return LOWERINGS[cls]
    raise NotImplementedError(f"no torch lowering for {op} (class {type(op).__name__})")


# -- helpers that run inside the program (called by name from the generated code) ------


def host_to_tensor(value: Any, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """A host value (int, float, tuple of them) as a tensor."""
    return torch.as_tensor(value, dtype=dtype, device=device)


def as_int_tuple(shape: Any) -> tuple:
    """A shape given as a tensor (data-dependent) or a tuple of host ints."""
    if isinstance(shape, torch.Tensor):
        return tuple(int(s) for s in shape.reshape(-1).tolist())
    return tuple(int(s) if isinstance(s, torch.Tensor) else s for s in shape)


def as_int(value: Any) -> int:
    return int(value.item()) if isinstance(value, torch.Tensor) else int(value)


def check_update_shapes(pairs: tuple) -> None:
    """Before any shared value is written: every update must keep its variable's shape."""
    for name, new, old in pairs:
        if new.shape != old.shape:
            raise ValueError(
                f"the update of shared variable {name!r} has shape {tuple(new.shape)}, but "
                f"{name!r} holds shape {tuple(old.shape)}; updates are written in place and must "
                f"keep the shape (use set_value to give it another shape)")


# -- the context handed to every rule -----------------------------------------------------


@dataclass
class LoweringContext:
    """What a rule may ask for while the program is being built."""

    graph: torch.fx.Graph
    device: torch.device
    constants: dict[str, torch.Tensor] = field(default_factory=dict)
    host: set[Variable] = field(default_factory=set)
    _tracer: Any = None

    def __post_init__(self) -> None:
        self._tracer = torch.fx.proxy.GraphAppendingTracer(self.graph)

    def proxy(self, node: torch.fx.Node) -> torch.fx.Proxy:
        return torch.fx.Proxy(node, self._tracer)

    def call(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """Record a call of a plain Python function (not traced through)."""
        args, kwargs = torch.fx.node.map_aggregate((args, kwargs), _unwrap)
        return self.proxy(self.graph.call_function(fn, tuple(args), dict(kwargs)))

    def constant_tensor(self, value: np.ndarray | torch.Tensor, type_: TensorType,
                        hint: str = "const") -> torch.fx.Proxy:
        """A tensor constant of the program, on the device (an attribute of the module)."""
        tensor = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value)
        tensor = tensor.to(device=self.device, dtype=type_.torch_dtype).reshape(
            np.shape(value))
        name = f"_{sanitize(hint)}_{len(self.constants)}"
        self.constants[name] = tensor
        return self.proxy(self.graph.get_attr(name))

    def tensor(self, value: Any, var: Variable) -> Any:
        """`value` (the lowered `var`) as a tensor: host values are converted."""
        if var in self.host or not isinstance(value, torch.fx.Proxy):
            shape = var.type.shape
            if not _holds_proxy(value):  # a number, or numbers, known now
                return self.constant_tensor(np.full(shape, value), var.type, "c")
            tensor = self.call(host_to_tensor, value, var.type.torch_dtype, self.device)
            if var.type.ndim and all(s == 1 for s in shape):  # a broadcast scalar
                tensor = tensor.reshape(shape)
            return tensor
        return value


def _holds_proxy(value: Any) -> bool:
    return isinstance(value, torch.fx.Proxy) or (
        isinstance(value, (tuple, list)) and any(_holds_proxy(v) for v in value))


def _unwrap(a: Any) -> Any:
    return a.node if isinstance(a, torch.fx.Proxy) else a


def sanitize(name: str) -> str:
    """A Python identifier made from a user's name (names are data, never code)."""
    ident = re.sub(r"\W", "_", name or "v")
    if not ident or ident[0].isdigit() or keyword.iskeyword(ident):
        ident = "v_" + ident
    return ident[:40]


# -- building the program -------------------------------------------------------------------


@dataclass
class Program:
    """A lowered function: the GraphModule and how its inputs and outputs line up."""

    module: torch.fx.GraphModule
    n_outputs: int
    constants: dict[str, torch.Tensor]
    captured: list[Variable] = field(default_factory=list)
    # An update's new value is (a view of) another variable the program writes: a swap.
    # Inductor's copy elimination can reorder such writes, so compiled backends run
    # these programs as plain torch.
    writes_read_each_other: bool = False

    @property
    def code(self) -> str:
        return self.module.code


def build_program(fgraph: FunctionGraph, device: torch.device,
                  updates: Sequence[tuple[int, Variable]] = (),
                  borrowed: Sequence[bool] = (),
                  input_names: Sequence[str] = (), capture: bool = False,
                  updates_as_outputs: bool = False, out_buffers: Sequence[int] = ()) -> Program:
    """Lower `fgraph` into one FX GraphModule.

    The module takes one tensor per `fgraph.inputs` entry, computes every output,
    then, for each `(input position, new value)` in `updates`, writes the new
    value into that input tensor in place, and returns the outputs. All values
    are computed before the first write, so outputs and updates see the old
    values. Results that could alias an input are copied unless `borrowed`.

    With `capture`, the program also returns the value of every node's outputs
    (after the function's outputs, in `Program.captured` order), for DebugMode.
    With `updates_as_outputs`, the new values are returned after the outputs
    instead of written (for exported modules, which write them themselves).
    Each output listed in `out_buffers` gets one more input, a tensor of its shape
    that the program writes the result into and returns (so a compiled program
    fills persistent storage instead of allocating every call).
    """
    graph = torch.fx.Graph()
    ctx = LoweringContext(graph, device)
    values: dict[Variable, Any] = {}
    used_names: set[str] = set()
    for i, var in enumerate(fgraph.inputs):
        base = sanitize(input_names[i] if i < len(input_names) else (var.name or f"in{i}"))
        name, k = base, 1
        while name in used_names:
            name, k = f"{base}_{k}", k + 1
        used_names.add(name)
        values[var] = ctx.proxy(graph.placeholder(name))

    buffers = {i: ctx.proxy(graph.placeholder(f"out{i}_buffer")) for i in out_buffers}

    order = fgraph.toposort()
    for node in order:
        for var in node.inputs:
            if var not in values:  # constants
                values[var] = _lower_constant(ctx, var)
        lowering = lowering_of(node.op)
        if lowering.host is not None and lowering.host(node, [v in ctx.host for v in node.inputs]):
            ctx.host.update(node.outputs)
        last = next(reversed(graph.nodes), None)
        result = lowering.rule(ctx, node, *[values[v] for v in node.inputs])
        for fx_node in reversed(graph.nodes):  # tag what this rule emitted, for profiles
            if fx_node is last:
                break
            fx_node.meta["symtorch_apply"] = node
        if len(node.outputs) == 1:
            result = (result,)
        for out, value in zip(node.outputs, result):
            values[out] = value
    for var in fgraph.outputs:
        if var not in values:
            values[var] = _lower_constant(ctx, var)

    aliases = _input_aliases(fgraph, order)
    updated_inputs = {fgraph.inputs[pos] for pos, _ in updates}

    def result_tensor(var: Variable, borrow: bool) -> Any:
        value = ctx.tensor(values[var], var)
        origins = aliases.get(var, set())
        if origins and (not borrow or origins & updated_inputs):
            value = value.clone()
        return value

    outputs = []
    seen: set[Variable] = set()
    for i, var in enumerate(fgraph.outputs):
        borrow = borrowed[i] if i < len(borrowed) else False
        out = result_tensor(var, borrow)
        if i in buffers:
            out = buffers[i].copy_(out)
        if var in seen:
            out = out.clone()  # one result object per output: the user may change either
        seen.add(var)
        outputs.append(out)

    captured: list[Variable] = []
    if capture:
        for node in order:
            for out in node.outputs:
                outputs.append(ctx.tensor(values[out], out).clone())
                captured.append(out)

    n_results = len(outputs) - len(captured)
    if updates_as_outputs:
        outputs.extend(ctx.tensor(values[var], var) for _, var in updates)
        updates = []
    if len(updates) == 1 and _update_in_place(ctx, fgraph, order, values, *updates[0]):
        updates = []
    writes_read_each_other = False
    if updates:
        new_values = []
        for _, var in updates:
            value = ctx.tensor(values[var], var)
            if aliases.get(var, set()) & updated_inputs:
                value = value.clone()  # it reads a variable that is about to be written
                writes_read_each_other = True
            new_values.append(value)
        checks = tuple((fgraph.inputs[pos].name or f"input {pos}", new, values[fgraph.inputs[pos]])
                       for (pos, var), new in zip(updates, new_values)
                       if not _same_static_shape(var, fgraph.inputs[pos]))
        if checks:
            ctx.call(check_update_shapes, checks)
        for (pos, _), new in zip(updates, new_values):
            values[fgraph.inputs[pos]].copy_(new)

    graph.output(tuple(_unwrap(o) for o in outputs))
    _remove_unused(graph)
    graph.lint()
    module = torch.fx.GraphModule(ctx.constants, graph, class_name="SymtorchProgram")
    return Program(module, n_results, ctx.constants, captured, writes_read_each_other)


def _remove_unused(graph: torch.fx.Graph) -> None:
    """Drop computations nobody uses (an update done in place leaves its out-of-place
    form behind); in-place methods (`add_`, `copy_`) and checks are kept."""
    for node in reversed(list(graph.nodes)):
        if node.op not in ("call_function", "call_method", "get_attr") or node.users:
            continue
        if node.op == "call_method" and node.target.endswith("_"):
            continue
        if node.op == "call_function" and (node.target is check_update_shapes or node.is_impure()):
            continue
        graph.erase_node(node)


def _update_in_place(ctx: LoweringContext, fgraph: Any, order: Sequence[Apply],
                     values: dict[Variable, Any], position: int, new: Variable) -> bool:
    """A lone update `s <- op(s, ...)` becomes one in-place torch op (`s.add_(x)`),
    when the op has an in-place rule and nothing else reads the new value. With a
    single update, torch's own checks before writing keep the call atomic."""
    target, node = fgraph.inputs[position], new.owner
    if node is None or not node.inputs or new in fgraph.outputs:
        return False
    if any(new in other.inputs for other in order):
        return False
    inplace = lowering_of(node.op).inplace
    if inplace is None:
        return False
    if node.inputs[0] is not target:
        # s <- 2 * s: a commutative op may take the target first (rewrites put constants first).
        commutative = getattr(getattr(node.op, "scalar_op", None), "commutative", False)
        if not (commutative and len(node.inputs) == 2 and node.inputs[1] is target):
            return False
        node = node.op.make_node(node.inputs[1], node.inputs[0])
    return inplace(ctx, node, values[target], *[values[v] for v in node.inputs[1:]])


def _lower_constant(ctx: LoweringContext, var: Variable) -> Any:
    data = var.data
    # A scalar, or a scalar broadcast to length-1 dimensions, is a Python number in the
    # program: torch broadcasts it, and `ctx.tensor` builds the tensor where one is needed.
    if isinstance(var.type, TensorType) and data.size == 1 and all(s == 1 for s in data.shape) \
            and var.type.dtype not in ("complex64", "complex128", "float16", "bfloat16"):
        ctx.host.add(var)
        return data.item()
    return ctx.constant_tensor(data, var.type, str(var.name or "c"))


def _same_static_shape(a: Variable, b: Variable) -> bool:
    sa, sb = a.type.shape, b.type.shape
    return all(x is not None for x in sa) and sa == sb


def _input_aliases(fgraph: FunctionGraph, order: Sequence[Apply]) -> dict[Variable, set[Variable]]:
    """For each variable, the inputs whose memory it may share (through `view_map`)."""
    aliases: dict[Variable, set[Variable]] = {v: {v} for v in fgraph.inputs}
    for node in order:
        for out_idx, in_idx in getattr(node.op, "view_map", {}).items():
            src = aliases.get(node.inputs[in_idx])
            if src:
                aliases.setdefault(node.outputs[out_idx], set()).update(src)
    return aliases

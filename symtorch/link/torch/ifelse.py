"""Torch rules for ops that hold inner graphs (mirrors symtorch/ifelse.py): IfElse, and
BatchedGraph, the batched Lop of `gradient.jacobian`.

Each inner graph becomes an inner program (`build_program`), called from the outer
program through one helper (`ctx.call`): IfElse's helper runs one branch behind a
Python `if` (`torch.cond` while torch.compile or torch.export trace it); BatchedGraph's
runs its program under `torch.vmap`. A helper's name carries a digest of its inner
programs, so outer programs that differ only inside them never share a compiled form.
Inductor cannot trace a data-dependent condition: the backend's dry run meets it and
keeps that program as plain torch (a condition computed from shapes compiles).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Sequence

import torch
import torch.fx

from ...gradient import BatchedGraph
from ...graph.basic import Apply, Variable
from ...graph.fg import FunctionGraph
from ...ifelse import IfElse, InnerGraph
from .lowering import LoweringContext, build_program, lower, sanitize


def inner_program(inner: InnerGraph, outputs: Sequence[Variable], device: torch.device
                  ) -> torch.fx.GraphModule:
    """The torch program computing `outputs` from the inner graph's inputs (a tuple)."""
    fgraph = FunctionGraph(inner.inputs, list(outputs), clone=False)
    names = [v.name or f"in{i}" for i, v in enumerate(inner.inputs)]
    return build_program(fgraph, device, input_names=names).module


def _digest(modules: Sequence[torch.fx.GraphModule]) -> str:
    """What makes inner programs the same: their code and their constants' values."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(module.code.encode())
        for name in sorted(n.target for n in module.graph.nodes if n.op == "get_attr"):
            tensor = getattr(module, name).detach().cpu().contiguous().reshape(-1)
            digest.update(f"{name}{tensor.dtype}{tuple(tensor.shape)}".encode())
            digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def _named(fn: Callable, kind: str, name: str | None, *modules: torch.fx.GraphModule) -> Callable:
    digest = _digest(modules)
    fn.__name__ = fn.__qualname__ = f"{kind}_{sanitize(name) + '_' if name else ''}{digest[:12]}"
    return fn


def _results(node: Apply, result) -> object:
    if len(node.outputs) == 1:
        return result[0]
    return tuple(result[i] for i in range(len(node.outputs)))


# -- IfElse ---------------------------------------------------------------------------------


def branches(then_program: Callable, else_program: Callable, name: str | None) -> Callable:
    """The helper running one branch. While torch.compile or torch.export trace it, a
    tensor condition becomes `torch.cond` (both branches in the traced program, one run);
    torch.jit.trace would bake the branch of its example in, so it is refused."""
    def run_ifelse(condition, *args):
        if isinstance(condition, torch.Tensor):
            if torch.compiler.is_compiling():
                return torch.cond(condition != 0, then_program, else_program, args)
            if torch.jit.is_tracing():
                raise RuntimeError(
                    "an ifelse whose condition is a tensor cannot be traced by torch.jit.trace "
                    "(the branch of the example would be baked in); use to_exported_program")
        return then_program(*args) if bool(condition) else else_program(*args)

    return _named(run_ifelse, "ifelse", name, then_program, else_program)


@lower(IfElse)
def _ifelse(ctx: LoweringContext, node: Apply, condition, *args):
    op = node.op
    tensors = [ctx.tensor(a, v) for a, v in zip(args, node.inputs[1:])]
    run = branches(inner_program(op.inner, op.then_outputs, ctx.device),
                   inner_program(op.inner, op.else_outputs, ctx.device), op.name)
    return _results(node, ctx.call(run, condition, *tensors))


# -- the batched Lop of jacobian ------------------------------------------------------------


def vmapped(program: torch.fx.GraphModule, in_dims: tuple, name: str | None) -> Callable:
    """`program` applied to every row of the batched arguments at once (torch.vmap).

    vmap cannot write a batched value into an unbatched tensor in place (the inner
    program of a gradient may: `out = zeros.clone(); out[i] += row`). When plain vmap
    fails, the program is mapped again functionalized (writes become out-of-place
    scatters, which vmap batches), and that form is kept if it works.
    """
    plain = torch.vmap(program, in_dims=in_dims)
    functional = torch.vmap(torch.func.functionalize(program), in_dims=in_dims)
    first = in_dims.index(0)
    chosen = [plain]

    def run_functional(*args):
        with warnings.catch_warnings():  # vmap's note that it loops for aten::copy_
            warnings.filterwarnings("ignore", "There is a performance drop")
            return functional(*args)

    def mapped(*args):
        try:
            return chosen[0](*args)
        except RuntimeError:
            if chosen[0] is not plain:
                raise
            result = run_functional(*args)  # a real error raises here too
            chosen[0] = run_functional
            return result

    def run_batched(*args):
        if args[first].shape[0] == 0:  # vmap needs a row: map one, keep none
            probe = [a.new_zeros((1, *a.shape[1:])) if d == 0 else a
                     for a, d in zip(args, in_dims)]
            return tuple(r[:0] for r in mapped(*probe))
        return mapped(*args)

    return _named(run_batched, "batched", name, program)


@lower(BatchedGraph)
def _batched_graph(ctx: LoweringContext, node: Apply, *args):
    op = node.op
    tensors = [ctx.tensor(a, v) for a, v in zip(args, node.inputs)]
    in_dims = tuple(0 if b else None for b in op.batched)
    run = vmapped(inner_program(op.inner, op.inner.outputs, ctx.device), in_dims, op.name)
    return _results(node, ctx.call(run, *tensors))

"""Torch rule for Scan (mirrors scan/op.py): the step lowered once, a loop that calls it.

The inner graph becomes its own FX program (`build_program`), built once when the
outer program is. The outer program calls a `ScanLoop` (one call node) that
preallocates each kept trace and runs a loop generated for the node's layout: per
step, the step program gets views of the sequences' entries and of the traces at the
taps (nothing is copied to read them), then each result is copied into its place in
the trace. A state whose trace is not kept is carried as the last few values. A while
loop stops after the step whose condition holds; its traces are cut to the steps run.
The generated loop's source is built from the layout alone (counts and tap offsets),
never from user text. Inside a program compiled by Inductor the loop is opaque, so
the program containing it runs as plain torch.
"""

from __future__ import annotations

from typing import Any

import torch

from ...graph.basic import Apply, Constant
from ...scan.op import Scan, check_lengths
from .lowering import LoweringContext, _lower_constant, build_program, lower, lowering_of


class ScanLoop:
    """Runs one Scan node: `loop(n_steps, *sequences, *initial states, *non_sequences)`."""

    def __init__(self, op: Scan, step: torch.fx.GraphModule, device: torch.device):
        self.op = op
        self.device = device
        self.step = step
        self.n_seqs = op.n_seqs
        self.n_states = len(op.state_taps)
        self.lags = op.state_lags()
        self.traces = op.traces
        self.types = op.inner_output_types()
        self.body = _generated_loop(op)
        self.__name__ = "scan_loop"  # FX names the call after it

    def __repr__(self) -> str:
        return f"ScanLoop({self.op})"

    def __call__(self, n_steps: Any, *args: torch.Tensor) -> tuple:
        _refuse_fake(args)
        n = int(n_steps.item()) if isinstance(n_steps, torch.Tensor) else int(n_steps)
        ns, nst, reverse = self.n_seqs, self.n_states, self.op.reverse
        seqs, inits, non_seqs = args[:ns], args[ns:ns + nst], args[ns + nst:]
        check_lengths(self.op, n, [s.shape[0] for s in seqs], [v.shape[0] for v in inits])
        seq_rows = [(s if s.shape[0] == n else s.narrow(0, 0, n)).unbind(0) for s in seqs]
        # A kept trace is a buffer in time order holding the initial values too (first,
        # or last and reversed when the loop runs in reverse); the others keep a list of
        # their last `lag` values.
        buffers, carried = [], []
        for i, init in enumerate(inits):
            lag = self.lags[i]
            if self.traces[i]:
                buf = init.new_empty((n + lag, *init.shape[1:]))
                if reverse:
                    buf[n:].copy_(init.flip(0))
                else:
                    buf[:lag].copy_(init)
                buffers.append(buf)
                carried.append(buf.unbind(0))
            else:
                buffers.append(None)
                carried.append(list(init.unbind(0)))
        n_out = len(self.traces)
        nit_buffers: list[Any] = [None] * (n_out - nst)
        last: list[Any] = [None] * n_out
        shapes = tuple(v.shape[1:] for v in inits)

        def allocate(m: int, value: torch.Tensor) -> tuple:
            nit_buffers[m - nst] = value.new_empty((n, *value.shape))
            return nit_buffers[m - nst].unbind(0)

        steps_run = self.body(self.step.forward, n, *seq_rows, *carried, *non_seqs, shapes,
                              last, allocate, _bad_shape) if n else 0

        results = []
        for i in range(nst):
            if buffers[i] is not None:
                lag = self.lags[i]
                results.append(buffers[i] if reverse else buffers[i][:lag + steps_run])
            else:
                results.append(carried[i][-1])
        for m in range(nst, n_out):
            if not self.traces[m]:
                if last[m] is None:
                    raise IndexError(f"{self.op}: output {m} has no last value: the loop ran 0 "
                                     f"steps")
                results.append(last[m])
            elif nit_buffers[m - nst] is None:
                shape = tuple(s or 0 for s in self.types[m].shape)
                results.append(torch.empty((0, *shape), dtype=self.types[m].torch_dtype,
                                           device=self.device))
            else:
                results.append(nit_buffers[m - nst][:steps_run])
        return _fresh(results, args)


def _bad_shape(op: Scan, k: int, expected: tuple, got: torch.Tensor, t: int) -> None:
    what = "state" if k < len(op.state_taps) else "output"
    raise ValueError(f"{op}: {what} {k} has shape {tuple(expected)}, but the step returned shape "
                     f"{tuple(got.shape)} at step {t}; a loop's values keep their shape")


def _generated_loop(op: Scan):
    """A Python function running the loop for this layout, with every index offset a
    literal: `body(step, n, *seq entries, *state rows or last values, *non_sequences,
    state shapes, last, allocate, bad_shape) -> steps run`."""
    n_states, lags, traces = len(op.state_taps), op.state_lags(), op.traces
    n_out = len(traces)
    seqs = [f"s{j}" for j in range(op.n_seqs)]
    states = [f"c{i}" for i in range(n_states)]
    params = [f"p{j}" for j in range(op.n_non_seqs)]
    head = ["step", "n", *seqs, *states, *params, "shapes", "last", "allocate", "bad_shape"]
    lines = [f"def body({', '.join(head)}):"]

    def step_lines(t: str, it: str, first: bool) -> list[str]:
        args = [f"s{j}[{t}]" for j in range(op.n_seqs)]
        for i, taps in enumerate(op.state_taps):
            for k in taps:
                if not traces[i]:
                    args.append(f"c{i}[{lags[i] + k}]")
                elif op.reverse:
                    args.append(f"c{i}[{t} + {-k}]")
                else:
                    args.append(f"c{i}[{t} + {lags[i] + k}]")
        out = [f"o = step({', '.join(args + params)})"]
        for i in range(n_states):
            out.append(f"v = o[{i}]")
            out.append(f"if v.shape != shapes[{i}]: bad_shape(op, {i}, shapes[{i}], v, {t})")
            if traces[i]:
                where = t if op.reverse else f"{t} + {lags[i]}"
                out.append(f"c{i}[{where}].copy_(v)")
            elif lags[i] == 1:
                out.append(f"c{i}[0] = v")
            else:
                out.extend([f"c{i}.append(v)", f"del c{i}[0]"])
        for m in range(n_states, n_out):
            if traces[m]:
                if first:
                    out.append(f"r{m} = allocate({m}, o[{m}])")
                else:
                    out.append(f"if o[{m}].shape != r{m}[0].shape: "
                               f"bad_shape(op, {m}, r{m}[0].shape, o[{m}], {t})")
                out.append(f"r{m}[{t}].copy_(o[{m}])")
            else:
                out.append(f"last[{m}] = o[{m}]")
        if op.as_while:
            out.append(f"if o[{n_out}]: return {it} + 1")
        return out

    first_t = "n - 1" if op.reverse else "0"
    lines += ["    " + line for line in step_lines(first_t, "0", True)]
    lines.append("    for it in range(1, n):")
    t = "n - 1 - it" if op.reverse else "it"
    if op.reverse:
        lines.append(f"        t = {t}")
        t = "t"
    lines += ["        " + line for line in step_lines(t, "it", False)]
    lines.append("    return n")
    namespace: dict[str, Any] = {"op": op}
    exec(compile("\n".join(lines), f"<scan loop of {type(op).__name__}>", "exec"), namespace)  # noqa: S102
    return namespace["body"]


def _fresh(results: list, args: tuple) -> tuple:
    """Results never share memory with the loop's inputs (a last value may be an initial
    value or a non-sequence the step passed through)."""
    storages = {a.untyped_storage().data_ptr() for a in args if isinstance(a, torch.Tensor)}
    return tuple(r.clone() if r.untyped_storage().data_ptr() in storages else r
                 for r in results)


def _refuse_fake(args: tuple) -> None:
    """Inductor traces programs on fake tensors first; a loop is not traced through (it
    would be unrolled), so the program stays plain torch."""
    from torch._subclasses.fake_tensor import DataDependentOutputException, FakeTensor

    if any(isinstance(a, FakeTensor) for a in args):
        raise DataDependentOutputException(torch.ops.aten._local_scalar_dense.default)


# A loop of a known number of steps whose step is small is written out in the program,
# one copy of the step per step (no loop, no traces to fill; Inductor sees all of it).
# Measured on a tanh RNN's loss and gradient (batch 4, 8 inputs, 16 units, float32, 2 CPU
# cores): written out vs looped, plain torch 409 vs 558 us (4 steps), 1.5 vs 2.1 ms (16);
# Inductor 65 vs 328 us (4 steps), 0.10 vs 0.55 ms (8), 0.62 vs 0.76 ms (16), its compile
# time growing with the steps (6-15 s).
UNROLL_MAX_STEPS = 16
UNROLL_MAX_NODES = 400


def _unrolled_steps(node: Apply) -> int | None:
    """The number of steps when the loop is written out in the program, else None."""
    op, n = node.op, node.inputs[0]
    if op.as_while or not isinstance(n, Constant):
        return None
    steps = int(n.data)
    size = len(op.inner.fgraph.apply_nodes)
    if 0 < steps <= UNROLL_MAX_STEPS and steps * max(size, 1) <= UNROLL_MAX_NODES:
        return steps
    return None


def _lower_unrolled(ctx: LoweringContext, node: Apply, steps: int, args: tuple) -> Any:
    """The loop written out: the step's rules applied once per step to the entries."""
    op = node.op
    inner = op.inner
    n_states = len(op.state_taps)
    outer = node.inputs[1:]
    seqs = [ctx.tensor(a, v) for a, v in zip(args[:op.n_seqs], outer[:op.n_seqs])]
    inits = [ctx.tensor(a, v) for a, v in zip(args[op.n_seqs:op.n_seqs + n_states],
                                             outer[op.n_seqs:op.n_seqs + n_states])]
    non_seqs = list(args[op.n_seqs + n_states:])
    ns_vars = inner.inputs[len(inner.inputs) - op.n_non_seqs:]
    for v_out, v_in in zip(outer[op.n_seqs + n_states:], ns_vars):
        if v_out in ctx.host:
            ctx.host.add(v_in)
    lags = op.state_lags()
    history = [[init[m] for m in range(lag)] for init, lag in zip(inits, lags)]
    nit_values: list[list] = [[] for _ in range(op.n_nit)]
    order = inner.fgraph.toposort()
    for it in range(steps):
        t = steps - 1 - it if op.reverse else it
        values: dict = {}
        pos = 0
        for s in seqs:
            values[inner.inputs[pos]] = s[t]
            pos += 1
        for i, taps in enumerate(op.state_taps):
            for k in taps:
                values[inner.inputs[pos]] = history[i][len(history[i]) + k]
                pos += 1
        for v, a in zip(ns_vars, non_seqs):
            values[v] = a
        outs = _lower_nodes(ctx, order, values, inner.outputs)
        for i in range(n_states):
            history[i].append(ctx.tensor(outs[i], inner.outputs[i]))
        for m in range(op.n_nit):
            nit_values[m].append(ctx.tensor(outs[n_states + m], inner.outputs[n_states + m]))
    results = []
    # (history and nit_values are in iteration order; a trace is in time order)
    for i in range(n_states):
        if op.traces[i]:
            entries = history[i][::-1] if op.reverse else history[i]
            results.append(ctx.call(_gather(op, i, True), entries))
        else:
            results.append(ctx.call(_gather(op, i, False), [history[i][0], history[i][-1]]))
    for m in range(op.n_nit):
        k = n_states + m
        vals = nit_values[m][::-1] if op.reverse and op.traces[k] else nit_values[m]
        results.append(ctx.call(_gather(op, k, op.traces[k]), vals))
    return tuple(results) if len(results) > 1 else results[0]


def _gather(op: Scan, k: int, trace: bool):
    """The program's helper for output k: its values stacked (trace) or its last value,
    checked to keep one shape."""
    def scan_output(values: list) -> torch.Tensor:
        for t, v in enumerate(values):
            if v.shape != values[0].shape:
                _bad_shape(op, k, values[0].shape, v, t)
        return torch.stack(values) if trace else values[-1]

    return scan_output


def _lower_nodes(ctx: LoweringContext, order: list, values: dict, outputs: list) -> list:
    """Apply each node's rule in `order` to `values` (the step's inputs), as build_program
    does; returns the values of `outputs`."""
    for node in order:
        for var in node.inputs:
            if var not in values:
                values[var] = _lower_constant(ctx, var)
        lowering = lowering_of(node.op)
        if lowering.host is not None and lowering.host(node, [v in ctx.host for v in node.inputs]):
            ctx.host.update(node.outputs)
        result = lowering.rule(ctx, node, *[values[v] for v in node.inputs])
        if len(node.outputs) == 1:
            result = (result,)
        for out, value in zip(node.outputs, result):
            values[out] = value
    return [values[v] if v in values else _lower_constant(ctx, v) for v in outputs]


@lower(Scan)
def _scan(ctx: LoweringContext, node: Apply, n_steps, *args):
    op = node.op
    steps = _unrolled_steps(node)
    if steps is not None:
        return _lower_unrolled(ctx, node, steps, args)
    step = build_program(op.inner.fgraph, ctx.device, borrowed=[True] * len(op.inner.outputs))
    loop = ScanLoop(op, step.module, ctx.device)
    tensors = [ctx.tensor(a, v) for a, v in zip(args, node.inputs[1:])]
    result = ctx.call(loop, n_steps, *tensors)
    outs = tuple(result[i] for i in range(len(node.outputs)))
    return outs if len(outs) > 1 else outs[0]

"""The Scan op: a loop whose step is an inner graph, as one node of the outer graph.

Inputs: the number of steps, the sequences (read one entry per step), the initial
values of the recurrent states (an array of `-min(taps)` entries each), and the
non-sequences (the same at every step). Inner graph inputs: one entry of each
sequence, each state at each of its taps, the non-sequences. Inner outputs: each
state's next value, the outputs not fed back, and the stop condition of a while loop.
Outputs: per state and per other output, the trace over the steps (or, where a rewrite
found only the last one used, the last value); a state's trace starts with its initial
values, as Theano's does (`scan()` hands the user the part after them). The gradient and R_op (grad.py) are
Scans too. The torch rule is link/torch/scan.py; `perform` is the NumPy reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph.basic import Apply, Constant, Op, Variable
from ..graph.traversal import ancestors, clone_replace
from ..tensor.basic import as_tensor_variable
from ..tensor.shape import Shape, Shape_i, as_length, make_vector, static_value
from ..tensor.type import TensorType
from .utils import InnerGraph


class Scan(Op):
    """A loop over `n_steps` steps of the inner graph `inner` (see the module docstring).

    `state_taps[i]` lists the (negative) taps at which state i is read; `traces[k]` says
    whether output k keeps its whole trace (else only its last value); `as_while`: the
    last inner output is a condition that stops the loop after the step where it holds;
    `reverse`: the steps run from the last index down to 0 (sequences are read and
    traces written at the step's index); `truncate_gradient`: backpropagation through
    time covers only that many of the last steps (-1: all).
    """

    __props__ = ("inner", "n_seqs", "state_taps", "n_nit", "n_non_seqs", "traces", "as_while",
                 "reverse", "truncate_gradient")

    def __init__(self, inner: InnerGraph, n_seqs: int, state_taps: Sequence[Sequence[int]],
                 n_nit: int, n_non_seqs: int, traces: Sequence[bool] | None = None,
                 as_while: bool = False, reverse: bool = False, truncate_gradient: int = -1,
                 name: str | None = None):
        self.inner = inner
        self.n_seqs, self.n_nit, self.n_non_seqs = int(n_seqs), int(n_nit), int(n_non_seqs)
        self.state_taps = tuple(tuple(int(k) for k in taps) for taps in state_taps)
        n_out = len(self.state_taps) + self.n_nit
        self.traces = tuple(bool(t) for t in traces) if traces is not None else (True,) * n_out
        self.as_while, self.reverse = bool(as_while), bool(reverse)
        self.truncate_gradient = int(truncate_gradient)
        self.name = name
        n_in = self.n_seqs + sum(len(t) for t in self.state_taps) + self.n_non_seqs
        if len(inner.inputs) != n_in or len(inner.outputs) != n_out + self.as_while \
                or len(self.traces) != n_out:
            raise ValueError(f"Scan: the step has {len(inner.inputs)} inputs and "
                             f"{len(inner.outputs)} outputs; the layout needs {n_in} and "
                             f"{n_out + self.as_while}")
        for taps in self.state_taps:
            if not taps or any(k >= 0 for k in taps) or len(set(taps)) != len(taps):
                raise ValueError(f"Scan: state taps must be distinct negative ints; got {taps}")
        if self.as_while and self.reverse:
            raise ValueError("Scan: a while loop cannot run in reverse")
        for i, var in enumerate(self.state_inputs()):
            out = inner.outputs[i]
            for v in var:
                if not v.type.accepts_variable_type(out.type):
                    raise TypeError(f"Scan: state {i} is read as {v.type} but the step "
                                    f"returns {out.type}")

    # -- layout -------------------------------------------------------------------------

    def state_lags(self) -> list[int]:
        return [-min(taps) for taps in self.state_taps]

    def state_inputs(self) -> list[list[Variable]]:
        """The inner inputs of each state, one per tap."""
        pos, out = self.n_seqs, []
        for taps in self.state_taps:
            out.append(self.inner.inputs[pos:pos + len(taps)])
            pos += len(taps)
        return out

    def inner_output_types(self) -> list[TensorType]:
        """The type of one step's value of each output (states, then the others)."""
        n_states = len(self.state_taps)
        types = [ins[0].type for ins in self.state_inputs()]
        return types + [v.type for v in self.inner.outputs[n_states:n_states + self.n_nit]]

    def __str__(self) -> str:
        kind = "while" if self.as_while else "for"
        return f"Scan{{{self.name or 'scan_fn'}, {kind}{', reverse' if self.reverse else ''}}}"

    __repr__ = __str__

    # -- type inference -------------------------------------------------------------------

    def make_node(self, n_steps: Any, *outer: Any) -> Apply:
        n_steps = as_length(n_steps, "scan: n_steps")
        n_states = len(self.state_taps)
        expected = self.n_seqs + n_states + self.n_non_seqs
        if len(outer) != expected:
            raise TypeError(f"{self} takes {expected} inputs after n_steps; got {len(outer)}")
        outer = [as_tensor_variable(v) for v in outer]
        inner = self.inner.inputs
        for j in range(self.n_seqs):
            _check_entry_type(outer[j], inner[j], "sequence")
        for i, (taps, ins) in enumerate(zip(self.state_taps, self.state_inputs())):
            init = outer[self.n_seqs + i]
            _check_entry_type(init, ins[0], "initial state")
            lag = -min(taps)
            if init.type.shape[0] is not None and init.type.shape[0] != lag:
                raise ValueError(f"{self}: the initial values of state {i}, {init.describe()}, "
                                 f"must hold {lag} entries (one per step before the first); "
                                 f"it has {init.type.shape[0]}")
        first = self.n_seqs + n_states
        inner_first = len(inner) - self.n_non_seqs
        for j in range(self.n_non_seqs):
            v, iv = outer[first + j], inner[inner_first + j]
            if not (iv.type == v.type or iv.type.accepts_variable_type(v.type)):
                raise TypeError(f"{self}: non-sequence {j}, {v.describe()}, is {v.type}; the "
                                f"step takes {iv.type}")
        length = None if self.as_while else static_value(n_steps)
        lags = self.state_lags() + [0] * self.n_nit
        outputs = [TensorType(t.dtype, (None if length is None else length + lag, *t.shape))
                   .make_variable() if keep else t.make_variable()
                   for t, keep, lag in zip(self.inner_output_types(), self.traces, lags)]
        return Apply(self, [n_steps, *outer], outputs)

    # -- shapes -----------------------------------------------------------------------------

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        from ..tensor.shape import arith

        n = None if self.as_while else node.inputs[0]
        n_states = len(self.state_taps)
        outer_of = self._outer_shapes(input_shapes)
        shapes = []
        for k, keep in enumerate(self.traces):
            length = n
            if k < n_states:
                entry = tuple(input_shapes[1 + self.n_seqs + k][1:])
                length = None if n is None else arith("add", n, self.state_lags()[k])
            else:
                entry = self._nit_shape(self.inner.outputs[k], outer_of)
            shapes.append((length, *entry) if keep else entry)
        return shapes

    def _outer_shapes(self, input_shapes: list[tuple]) -> dict[Variable, tuple]:
        """For each inner input, its lengths in terms of the outer inputs' shapes."""
        out: dict[Variable, tuple] = {}
        inner = self.inner.inputs
        for j in range(self.n_seqs):
            out[inner[j]] = tuple(input_shapes[1 + j][1:])
        for i, ins in enumerate(self.state_inputs()):
            for v in ins:
                out[v] = tuple(input_shapes[1 + self.n_seqs + i][1:])
        first = 1 + self.n_seqs + len(self.state_taps)
        for j in range(self.n_non_seqs):
            out[inner[len(inner) - self.n_non_seqs + j]] = tuple(input_shapes[first + j])
        return out

    def _nit_shape(self, var: Variable, outer_of: dict[Variable, tuple]) -> tuple:
        """The shape of an inner output, rewritten in outer terms where it depends on the
        inner inputs only through their shapes; None entries where it does not."""
        from ..tensor.shape import inferred_shape

        if var in outer_of:
            return outer_of[var]
        if isinstance(var, Constant) or None not in var.type.shape:
            return tuple(var.type.shape) if not isinstance(var, Constant) else np.shape(var.data)
        try:
            shape = inferred_shape(var)
        except (NotImplementedError, ValueError, TypeError):
            return (None,) * var.ndim
        replace: dict[Variable, Variable] = {}
        for v in ancestors(list(shape), blockers=list(outer_of)):
            node = v.owner
            if node is None or node.inputs[0] not in outer_of:
                continue
            lengths = outer_of[node.inputs[0]]
            if isinstance(node.op, Shape_i):
                replace[v] = as_length(lengths[node.op.i], "scan shape")
            elif isinstance(node.op, Shape):
                replace[v] = make_vector(*[as_length(n, "scan shape") for n in lengths],
                                         dtype="int64")
        inner_inputs = set(outer_of)
        result = []
        for n in shape:
            if any(a in inner_inputs for a in ancestors([n], blockers=list(replace))):
                result.append(None)
            else:
                result.append(clone_replace(n, replace) if replace else n)
        return tuple(result)

    # -- the NumPy reference --------------------------------------------------------------

    def perform(self, node: Apply, inputs: list[Any]) -> list[np.ndarray]:
        n_steps, *outer = inputs
        n = int(n_steps)
        n_states = len(self.state_taps)
        seqs = [np.asarray(s) for s in outer[:self.n_seqs]]
        inits = [np.asarray(v) for v in outer[self.n_seqs:self.n_seqs + n_states]]
        non_seqs = list(outer[self.n_seqs + n_states:])
        check_lengths(self, n, [s.shape[0] for s in seqs], [v.shape[0] for v in inits])
        step = _StepEvaluator(self.inner)
        history = [list(v) for v in inits]  # iteration order, initial values first
        results: list[list[np.ndarray]] = [[] for _ in self.traces]
        lags = self.state_lags()
        steps = range(n - 1, -1, -1) if self.reverse else range(n)
        for it, t in enumerate(steps):
            args = [s[t] for s in seqs]
            for i, taps in enumerate(self.state_taps):
                args.extend(history[i][lags[i] + it + k] for k in taps)
            outs = step(args + non_seqs)
            for i in range(n_states):
                history[i].append(np.asarray(outs[i]))
            for k in range(len(self.traces)):
                results[k].append(np.asarray(outs[k]))
            if self.as_while and bool(outs[-1]):
                break
        outputs = []
        for k, (t, keep) in enumerate(zip(self.inner_output_types(), self.traces)):
            values = results[k]
            if keep and k < n_states:  # a state's trace starts with its initial values
                values = list(inits[k]) + values
            if self.reverse:
                values = values[::-1]
            if keep:
                entry = (inits[k].shape[1:] if k < n_states else
                         tuple(s or 0 for s in t.shape)) if not values else values[0].shape
                out = np.stack(values) if values else np.zeros((0, *entry), t.numpy_dtype)
            elif results[k]:
                out = results[k][-1]
            elif k < n_states:
                out = inits[k][-1]
            else:
                raise IndexError(f"{self}: output {k} has no last value: the loop ran 0 steps")
            outputs.append(np.asarray(out, dtype=t.numpy_dtype))
        return outputs

    # -- derivatives ------------------------------------------------------------------------

    def L_op(self, inputs, outputs, output_grads):
        from .grad import scan_grad
        return scan_grad(self, inputs, outputs, output_grads)

    def R_op(self, inputs, eval_points):
        from .grad import scan_rop
        return scan_rop(self, inputs, eval_points)


def _check_entry_type(outer: Variable, inner: Variable, what: str) -> None:
    """`outer` holds entries (along its first axis) the step reads as `inner`."""
    if outer.ndim != inner.ndim + 1 or outer.dtype != inner.dtype:
        raise TypeError(f"Scan: the {what} {outer.describe()} is {outer.type.describe_value()}; "
                        f"the step reads its entries as {inner.type.describe_value()}, so it "
                        f"must be a {inner.dtype} array of {inner.ndim + 1} dims")
    entry = TensorType(outer.dtype, outer.type.shape[1:])
    if not (inner.type == entry or inner.type.accepts_variable_type(entry)):
        raise TypeError(f"Scan: the entries of the {what} {outer.describe()} have shape "
                        f"{entry.shape}; the step reads them as {inner.type}")


def check_lengths(op: Scan, n: int, seq_lengths: Sequence[int], init_lengths: Sequence[int]) -> None:
    """Run-time checks shared by the reference and the torch runner."""
    if n < 0:
        raise ValueError(f"{op}: the number of steps is {n}; it must be 0 or more")
    for j, length in enumerate(seq_lengths):
        if length < n:
            raise ValueError(f"{op}: sequence {j} has {length} entries, fewer than the {n} steps "
                             f"asked for")
    for i, (length, lag) in enumerate(zip(init_lengths, op.state_lags())):
        if length != lag:
            raise ValueError(f"{op}: the initial values of state {i} hold {length} entries; its "
                             f"taps need {lag}")


class _StepEvaluator:
    """Runs the inner graph with each op's NumPy `perform`."""

    def __init__(self, inner: InnerGraph):
        self.inputs = inner.inputs
        self.outputs = inner.outputs
        self.order = inner.fgraph.toposort()

    def __call__(self, args: list[Any]) -> list[Any]:
        values: dict[Variable, Any] = dict(zip(self.inputs, args))
        for node in self.order:
            ins = [v.data if isinstance(v, Constant) else values[v] for v in node.inputs]
            for out, value in zip(node.outputs, node.op.perform(node, ins)):
                values[out] = np.asarray(value)
        return [v.data if isinstance(v, Constant) else values[v] for v in self.outputs]

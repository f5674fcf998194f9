"""What the Scan op is made of: `until`, the inner graph (compared by structure), and
`ScanParts`, a node taken apart into its sequences, states, outputs and constants.

Part of the scan package (beside the op library: it builds graphs). `ScanParts` is how
the gradient, R_op and the rewrites change a loop: take a node apart, edit the lists,
build a new node. Imports graph/ and tensor/ only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..graph.basic import Constant, Variable
from ..graph.fg import FunctionGraph
from ..graph.traversal import io_toposort
from ..tensor.basic import as_tensor_variable
from ..tensor.math import cast


class until:  # noqa: N801  (Theano's name)
    """Returned by a scan step beside its outputs: stop after this step when `condition`
    (a scalar) is true. `fn` returns `outputs, until(cond)` or `outputs, updates, until(cond)`."""

    def __init__(self, condition: Any):
        cond = as_tensor_variable(condition)
        if cond.ndim != 0:
            raise TypeError(f"until: the condition {cond.describe()} must be a scalar; it has "
                            f"{cond.ndim} dimensions")
        self.condition = cond if cond.dtype == "bool" else cast(cond, "bool")


class InnerGraph:
    """The step of a loop: a private FunctionGraph from the step's inputs to its outputs.

    Two inner graphs are equal when they have the same structure (the same ops on the same
    types, in the same places), so two Scan ops built from equal steps are equal and merge.
    """

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]):
        self.fgraph = FunctionGraph(list(inputs), list(outputs), clone=True)
        self.key = structural_key(self.fgraph)
        self._hash = hash(self.key)

    @property
    def inputs(self) -> list[Variable]:
        return self.fgraph.inputs

    @property
    def outputs(self) -> list[Variable]:
        return self.fgraph.outputs

    def clone(self) -> tuple[list[Variable], list[Variable]]:
        """Fresh copies of the inputs and outputs (a graph of new variables)."""
        fg = FunctionGraph(self.inputs, self.outputs, clone=True)
        return fg.inputs, fg.outputs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InnerGraph) and (self is other or (
            self._hash == other._hash and self.key == other.key))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return f"<step of {len(self.fgraph.apply_nodes)} nodes>"

    __repr__ = __str__

    def __getstate__(self) -> dict:
        return {"inputs": self.inputs, "outputs": self.outputs}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["inputs"], state["outputs"])


def structural_key(fgraph: FunctionGraph) -> tuple:
    """A hashable description of a graph that ignores variable identity and names."""
    ids: dict[Variable, tuple] = {}
    parts: list[Any] = [tuple(v.type for v in fgraph.inputs)]
    for i, v in enumerate(fgraph.inputs):
        ids[v] = ("in", i)

    def ref(v: Variable) -> Any:
        if v in ids:
            return ids[v]
        if isinstance(v, Constant):
            data = np.asarray(v.data)
            return ("const", v.type, data.dtype.str, data.shape, data.tobytes())
        raise ValueError(f"{v.describe()} is not an input of the step")

    for k, node in enumerate(fgraph.toposort()):
        parts.append((node.op, tuple(ref(v) for v in node.inputs),
                      tuple(o.type for o in node.outputs)))
        for j, out in enumerate(node.outputs):
            ids[out] = ("node", k, j)
    parts.append(tuple(ref(v) for v in fgraph.outputs))
    return tuple(parts)


def is_zero(v: Any) -> bool:
    """True when `v` is known, while the graph is built, to be all zeros (the gradient
    engine's fill-in for outputs that have no gradient)."""
    from ..tensor.basic import NotScalarConstantError, get_scalar_constant_value
    from ..tensor.construction import Alloc
    from ..tensor.elemwise import DimShuffle
    from ..tensor.subtensor import Subtensor

    if v is None:
        return True
    while v.owner is not None and isinstance(v.owner.op, (DimShuffle, Subtensor)):
        v = v.owner.inputs[0]  # a view of zeros is zeros
    if isinstance(v, Constant):
        return not np.any(v.data)
    owner = v.owner
    if owner is not None and isinstance(owner.op, Alloc):
        try:
            return get_scalar_constant_value(owner.inputs[0]) == 0
        except NotScalarConstantError:
            return False
    return False


def depends_on(outputs: Sequence[Variable], inputs: Sequence[Variable]) -> set[Variable]:
    """The variables between `inputs` and `outputs` that depend on some of `inputs`."""
    dep = set(inputs)
    for node in io_toposort(list(inputs), list(outputs)):
        if any(v in dep for v in node.inputs):
            dep.update(node.outputs)
    return dep


# -- a Scan node taken apart ----------------------------------------------------------------


@dataclass
class State:
    """A recurrent output: the inner variables reading it at each tap, its outer initial
    values (an array of `-min(taps)` entries), its next value inside the step, whether
    the whole trace is kept (else only the last value), and its outer output."""

    taps: tuple[int, ...]
    inner_in: list[Variable]
    init: Variable
    inner_out: Variable
    trace: bool = True
    outer_out: Variable | None = None


@dataclass
class NitSot:
    """An output not fed back: its value inside the step, whether its trace is kept."""

    inner_out: Variable
    trace: bool = True
    outer_out: Variable | None = None


@dataclass
class ScanParts:
    """The pieces of a Scan node, in the op's order. Edit them, then `build()`."""

    n_steps: Variable
    seqs: list[tuple[Variable, Variable]] = field(default_factory=list)  # (outer, inner)
    states: list[State] = field(default_factory=list)
    nit_sots: list[NitSot] = field(default_factory=list)
    non_seqs: list[tuple[Variable, Variable]] = field(default_factory=list)  # (outer, inner)
    cond: Variable | None = None
    reverse: bool = False
    truncate_gradient: int = -1
    name: str | None = None

    @classmethod
    def of(cls, node: Any, fresh: bool = False) -> ScanParts:
        """The parts of a Scan node; with `fresh`, the inner variables are new copies."""
        op = node.op
        inputs, outputs = op.inner.clone() if fresh else (op.inner.inputs, op.inner.outputs)
        n, *outer = node.inputs
        parts = cls(n, reverse=op.reverse, truncate_gradient=op.truncate_gradient, name=op.name)
        pos = 0
        for j in range(op.n_seqs):
            parts.seqs.append((outer[j], inputs[pos]))
            pos += 1
        for i, taps in enumerate(op.state_taps):
            inner_in = list(inputs[pos:pos + len(taps)])
            pos += len(taps)
            parts.states.append(State(taps, inner_in, outer[op.n_seqs + i], outputs[i],
                                      op.traces[i], node.outputs[i]))
        n_states = len(op.state_taps)
        for m in range(op.n_nit):
            parts.nit_sots.append(NitSot(outputs[n_states + m], op.traces[n_states + m],
                                         node.outputs[n_states + m]))
        first = op.n_seqs + n_states
        for j in range(op.n_non_seqs):
            parts.non_seqs.append((outer[first + j], inputs[pos + j]))
        if op.as_while:
            parts.cond = outputs[-1]
        return parts

    def build(self) -> list[Variable]:
        """A new Scan node from the parts: its outputs (states, then outputs not fed back)."""
        from .op import Scan

        inner_inputs = [i for _, i in self.seqs] + [v for s in self.states for v in s.inner_in] \
            + [i for _, i in self.non_seqs]
        inner_outputs = [s.inner_out for s in self.states] + [m.inner_out for m in self.nit_sots]
        if self.cond is not None:
            inner_outputs.append(self.cond)
        op = Scan(InnerGraph(inner_inputs, inner_outputs), n_seqs=len(self.seqs),
                  state_taps=tuple(s.taps for s in self.states), n_nit=len(self.nit_sots),
                  n_non_seqs=len(self.non_seqs),
                  traces=tuple(s.trace for s in self.states) + tuple(m.trace for m in self.nit_sots),
                  as_while=self.cond is not None, reverse=self.reverse,
                  truncate_gradient=self.truncate_gradient, name=self.name)
        outs = op(self.n_steps, *[o for o, _ in self.seqs], *[s.init for s in self.states],
                  *[o for o, _ in self.non_seqs])
        return outs if isinstance(outs, list) else [outs]

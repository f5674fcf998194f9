"""The lazy conditional: `ifelse(condition, then_branch, else_branch)`, and inner graphs.

`IfElse` holds both branches as an *inner graph* (the nodes from the branches' free
variables to their outputs), so a compiled function computes only the branch taken:
its torch rule (link/torch/ifelse.py) runs each branch as an inner program behind a
Python `if`. `InnerGraph` is the small piece both IfElse and the batched Lop of
`gradient.jacobian` are built on. Sits beside the op library; imports graph/ and
tensor/, and gradient.py for the derivatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import config
from .gradient import Rop, disconnected_type, grad
from .graph.basic import Apply, Constant, Op, Variable
from .graph.traversal import clone_replace, graph_inputs, io_toposort
from .tensor import math as tm
from .tensor.basic import as_tensor_variable, constant
from .tensor.construction import zeros_like
from .tensor.shape import as_length, dim_length, static_value
from .tensor.type import TensorType, discrete_dtypes

__all__ = ["IfElse", "InnerGraph", "ifelse", "substitute"]


# -- inner graphs ---------------------------------------------------------------------------


@dataclass(eq=False)  # compared by identity: an op holding it is equal only to itself
class InnerGraph:
    """A graph owned by an op: `outputs` computed from `inputs`, fresh variables that
    stand for the outer variables the op's node takes. Constants stay inside."""

    inputs: list[Variable]
    outputs: list[Variable]

    @classmethod
    def capture(cls, outputs: Sequence[Variable], frontier: Sequence[Variable],
                ) -> InnerGraph:
        """The nodes between `frontier` (outer variables, each given a fresh inner input)
        and `outputs`; every variable they need must be in `frontier` or a constant."""
        fresh = {v: v.type.make_variable(v.name) for v in frontier}
        return cls(list(fresh.values()), substitute(outputs, fresh))

    def outer(self, variables: Sequence[Variable], outer_inputs: Sequence[Variable]
              ) -> list[Variable]:
        """`variables` (graphs over the inner inputs) rebuilt over `outer_inputs`."""
        return substitute(variables, dict(zip(self.inputs, outer_inputs)))

    def evaluate(self, outputs: Sequence[Variable], values: Sequence[Any]) -> list[np.ndarray]:
        """`outputs` computed with each op's NumPy `perform` (the reference)."""
        memo: dict[Variable, Any] = dict(zip(self.inputs, values))
        for node in io_toposort(self.inputs, outputs):
            args = [memo[v] if v in memo else v.data for v in node.inputs]
            for out, value in zip(node.outputs, node.op.perform(node, args)):
                memo[out] = np.asarray(value)
        return [memo[o] if o in memo else o.data for o in outputs]

    def shapes(self, outputs: Sequence[Variable], input_shapes: Sequence[Any]) -> list:
        """The shapes of `outputs` from the ops' `infer_shape`, given the inputs' shapes:
        tuples of Python ints and int64 scalar graphs, which may read the inner
        variables (rebuild them over the outer ones with `outer`)."""
        memo: dict[Variable, Any] = dict(zip(self.inputs, input_shapes))

        def shape_of(v: Variable) -> Any:
            if v not in memo and isinstance(v.type, TensorType):
                memo[v] = tuple(v.data.shape) if isinstance(v, Constant) else \
                    tuple(dim_length(v, d) for d in range(v.ndim))
            return memo.get(v)

        for node in io_toposort(self.inputs, outputs):
            try:
                found = node.op.infer_shape(node, [shape_of(v) for v in node.inputs])
            except NotImplementedError:
                found = [None] * len(node.outputs)
            for out, shp in zip(node.outputs, found):
                if isinstance(out.type, TensorType):
                    shp = shp if shp is not None else (None,) * out.ndim
                    memo[out] = tuple(k if k is not None else s if s is not None
                                      else dim_length(out, d)
                                      for d, (k, s) in enumerate(zip(out.type.shape, shp)))
        return [shape_of(o) for o in outputs]


def substitute(variables: Sequence[Variable], replace: dict[Variable, Variable]
               ) -> list[Variable]:
    """`variables` rebuilt with the `replace` substitutions (clone_replace, which also
    takes roots and constants here: they are kept, or replaced, as they are)."""
    owned = [v for v in variables if v.owner is not None]
    rebuilt = dict(zip(owned, clone_replace(owned, replace))) if owned and replace else {}
    return [rebuilt.get(v, replace.get(v, v)) for v in variables]


def free_variables(outputs: Sequence[Variable], available: Sequence[Variable] = ()
                   ) -> list[Variable]:
    """The variables (not constants) the graphs of `outputs` start from: their roots,
    or the `available` variables where the walk meets them first."""
    return [v for v in graph_inputs(list(outputs), available) if not isinstance(v, Constant)]


# -- the op ---------------------------------------------------------------------------------


class IfElse(Op):
    """IfElse(inner, n_outs)(condition, *free): the first `n_outs` outputs of `inner`
    if `condition` is true, else the last `n_outs`; only that half is computed.

    `free` are the outer variables the branches start from, one per inner input.
    The outputs' static lengths are known where both branches agree on them.
    """

    __props__ = ("inner", "n_outs", "name")

    def __init__(self, inner: InnerGraph, n_outs: int, out_types: Sequence[TensorType],
                 name: str | None = None):
        self.inner, self.n_outs, self.name = inner, int(n_outs), name
        self.out_types = tuple(out_types)

    @property
    def then_outputs(self) -> list[Variable]:
        return self.inner.outputs[:self.n_outs]

    @property
    def else_outputs(self) -> list[Variable]:
        return self.inner.outputs[self.n_outs:]

    def __str__(self) -> str:
        return f"IfElse{{{self.name}}}" if self.name else "IfElse"

    def with_inner(self, inner: InnerGraph) -> IfElse:
        """The same op over another inner graph computing the same (a rewritten one)."""
        return IfElse(inner, self.n_outs, self.out_types, self.name)

    def make_node(self, condition: Any, *free: Any) -> Apply:
        condition = _condition(condition)
        if len(free) != len(self.inner.inputs):
            raise TypeError(f"{self} takes the condition and {len(self.inner.inputs)} "
                            f"variables; got {len(free)}")
        free = [as_tensor_variable(v) for v in free]
        for v, inner in zip(free, self.inner.inputs):
            if v.dtype != inner.dtype or v.ndim != inner.ndim:
                raise TypeError(f"{self}: {v.describe()} is {v.type.describe_value()}; the "
                                f"branch expects {inner.type.describe_value()}")
        return Apply(self, [condition, *free], [t.make_variable() for t in self.out_types])

    def perform(self, node: Apply, inputs: list) -> list:
        condition, *values = inputs
        taken = self.then_outputs if bool(condition) else self.else_outputs
        return [np.asarray(v, dtype=t.numpy_dtype)
                for v, t in zip(self.inner.evaluate(taken, values), self.out_types)]

    def infer_shape(self, node: Apply, input_shapes: list) -> list:
        """A length the branches agree on is that length; where they differ (or are not
        known to agree) it is chosen by an ifelse on the same condition, so the untaken
        branch's shape is not computed either."""
        condition, free = node.inputs[0], node.inputs[1:]
        found = self.inner.shapes(self.inner.outputs, input_shapes[1:])
        plan, symbolic = [], []  # plan: per output, per dim: an int or indices into symbolic
        for out, then_shape, else_shape in zip(node.outputs, found[:self.n_outs],
                                               found[self.n_outs:]):
            dims = []
            for static, t, e in zip(out.type.shape, then_shape, else_shape):
                known = static if static is not None else static_value(t)
                if known is not None and (static is not None or known == static_value(e)):
                    dims.append(known)
                elif t is e:
                    dims.append((len(symbolic),))
                    symbolic.append(as_length(t, "ifelse shape"))
                else:
                    dims.append((len(symbolic), len(symbolic) + 1))
                    symbolic += [as_length(t, "ifelse shape"), as_length(e, "ifelse shape")]
            plan.append(dims)
        outer = self.inner.outer(symbolic, free)
        pairs = [d for dims in plan for d in dims if isinstance(d, tuple) and len(d) == 2]
        chosen = dict(zip(pairs, ifelse(condition, [outer[t] for t, _ in pairs],
                                        [outer[e] for _, e in pairs], name="shape")
                          )) if pairs else {}
        return [tuple(d if not isinstance(d, tuple) else outer[d[0]] if len(d) == 1
                      else chosen[d] for d in dims) for dims in plan]

    def L_op(self, inputs, outputs, output_grads):
        """d free = ifelse(c, Lop(then, free, g), Lop(else, free, g)): each branch's
        vector-Jacobian product, chosen lazily like the forward value (a branch that
        does not reach a variable contributes zeros). The condition is disconnected."""
        condition, free = inputs[0], inputs[1:]
        branch_grads = [_branch_lop(self.inner.outer(outs, free), free, output_grads)
                        for outs in (self.then_outputs, self.else_outputs)]
        result: list[Any] = [disconnected_type()]
        wanted, thens, elses = [], [], []
        for j, (x, gt, ge) in enumerate(zip(free, *branch_grads)):
            if gt is None and ge is None:
                result.append(None)
                continue
            if x.dtype in discrete_dtypes:  # used by a branch: a zero gradient, as elsewhere
                result.append(zeros_like(x, dtype=config.floatX))
                continue
            for g in (gt, ge):
                if g is not None and not isinstance(g.type, TensorType):  # undefined
                    result.append(g)
                    break
            else:
                wanted.append(j)
                thens.append(_or_zeros(gt, x))
                elses.append(_or_zeros(ge, x))
                result.append(None)
        if wanted:
            chosen = ifelse(condition, thens, elses, name=_derived(self.name, "grad"),
                            available=[*free, *output_grads])
            for j, g in zip(wanted, chosen):
                result[1 + j] = g
        return result

    def R_op(self, inputs, eval_points):
        """ifelse(c, Rop(then, free, v), Rop(else, free, v)), lazily."""
        condition, free = inputs[0], inputs[1:]
        pairs = [(x, v) for x, v in zip(free, eval_points[1:])
                 if v is not None and x.dtype not in discrete_dtypes]
        wanted = [i for i, t in enumerate(self.out_types) if t.dtype not in discrete_dtypes]
        if not pairs or not wanted:
            return [None] * self.n_outs
        xs, vs = [p[0] for p in pairs], [p[1] for p in pairs]
        tangents = []
        for outs in (self.then_outputs, self.else_outputs):
            branch = self.inner.outer(outs, free)
            jvps = Rop([branch[i] for i in wanted], xs, vs, disconnected_outputs="ignore")
            tangents.append([_as_dtype(j, self.out_types[i].dtype) for i, j in zip(wanted, jvps)])
        chosen = ifelse(condition, tangents[0], tangents[1], name=_derived(self.name, "rop"),
                        available=[*free, *vs])
        result: list[Any] = [None] * self.n_outs
        for i, t in zip(wanted, chosen):
            result[i] = t
        return result


def _derived(name: str | None, what: str) -> str:
    return f"{name}_{what}" if name else what


def _branch_lop(outputs: list[Variable], free: list[Variable], output_grads: list[Variable]
                ) -> list[Variable | None]:
    known: dict[Variable, Variable] = {}
    for out, g in zip(outputs, output_grads):
        if out.dtype in discrete_dtypes or g is None:
            continue
        g = _as_dtype(g, out.dtype)
        known[out] = known[out] + g if out in known else g
    if not known:
        return [None] * len(free)
    return grad(None, free, known_grads=known, disconnected_inputs="ignore",
                return_disconnected="none", null_gradients="return", add_names=False)


def _or_zeros(g: Variable | None, x: Variable) -> Variable:
    dtype = x.dtype if x.dtype not in discrete_dtypes else g.dtype
    return zeros_like(x, dtype=dtype) if g is None else _as_dtype(g, dtype)


def _as_dtype(v: Variable, dtype: str) -> Variable:
    return v if v.dtype == dtype else tm.cast(v, dtype)


# -- the user's function --------------------------------------------------------------------


def _condition(condition: Any) -> Variable:
    try:
        c = as_tensor_variable(condition)
    except TypeError as err:
        raise TypeError(f"ifelse: the condition must be a scalar tensor expression: {err}") from None
    if c.ndim != 0:
        raise TypeError(f"ifelse: the condition {c.describe()} is {c.type.describe_value()}; it "
                        f"must be a scalar (use T.switch for an elementwise choice)")
    if c.dtype.startswith("complex"):
        raise TypeError(f"ifelse: the condition {c.describe()} is complex; it must be a bool, "
                        f"integer or real scalar")
    return c


def _branch_pair(i: int, a: Any, b: Any) -> tuple[Variable, Variable]:
    """The i-th outputs of the branches, as tensors of one dtype and ndim. A Python or
    NumPy value takes the other branch's dtype (Theano's filter_variable)."""
    a_sym, b_sym = isinstance(a, Variable), isinstance(b, Variable)
    try:
        if a_sym and not b_sym:
            a = as_tensor_variable(a)
            b = constant(b, dtype=a.dtype)
        elif b_sym and not a_sym:
            b = as_tensor_variable(b)
            a = constant(a, dtype=b.dtype)
        else:
            a, b = as_tensor_variable(a), as_tensor_variable(b)
    except TypeError as err:
        raise TypeError(f"ifelse: output {i} of a branch is not a tensor expression: {err}") \
            from None
    if a.dtype != b.dtype or a.ndim != b.ndim:
        raise TypeError(
            f"ifelse: output {i}: the then branch {a.describe()} is {a.type.describe_value()} "
            f"but the else branch {b.describe()} is {b.type.describe_value()}; both branches "
            f"must have the same dtype and number of dimensions (cast one with T.cast)")
    return a, b


def ifelse(condition: Any, then_branch: Any, else_branch: Any, name: str | None = None,
           available: Sequence[Variable] = ()) -> Any:
    """`then_branch` if the scalar `condition` is true (nonzero), else `else_branch`;
    only the branch taken is computed (`T.switch` is the elementwise, eager choice).

    The branches are a variable each, or lists of the same length whose entries pair
    up: same dtype and ndim. Where the static lengths differ (a broadcastable
    difference), the result's length is left unknown. Returns a variable, or a list
    for lists. `available` (for derivatives) lists outer variables the branches may
    read as they are, instead of recomputing them inside.
    """
    condition = _condition(condition)
    single = not isinstance(then_branch, (list, tuple))
    if single != (not isinstance(else_branch, (list, tuple))):
        raise TypeError("ifelse: give both branches as single variables or both as lists; got "
                        f"a {type(then_branch).__name__} and a {type(else_branch).__name__}")
    thens = [then_branch] if single else list(then_branch)
    elses = [else_branch] if single else list(else_branch)
    if len(thens) != len(elses):
        raise ValueError(f"ifelse: the then branch has {len(thens)} outputs and the else branch "
                         f"{len(elses)}; they must pair up")
    if not thens:
        raise ValueError("ifelse: the branches are empty")
    pairs = [_branch_pair(i, a, b) for i, (a, b) in enumerate(zip(thens, elses))]
    thens, elses = [p[0] for p in pairs], [p[1] for p in pairs]
    out_types = [TensorType(a.dtype, tuple(s if s == t else None
                                           for s, t in zip(a.type.shape, b.type.shape)))
                 for a, b in pairs]
    frontier = free_variables(thens + elses, available)
    inner = InnerGraph.capture(thens + elses, frontier)
    outs = IfElse(inner, len(thens), out_types, name)(condition, *frontier)
    outs = outs if isinstance(outs, list) else [outs]
    return outs[0] if single else outs

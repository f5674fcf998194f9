"""Symbolic differentiation: grad, Lop, Rop, jacobian, hessian, verify_grad.

Reverse mode (`grad`, `Lop`) walks the graph from the cost back to the
variables, asking each op for its vector-Jacobian product (`Op.L_op`) as a
graph; forward mode (`Rop`) walks forward asking for Jacobian-vector
products (`Op.R_op`). Both return ordinary graphs, so they can be
differentiated again. Sits beside the op library (it builds tensor graphs);
compile/ is imported only by `verify_grad`, lazily.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .config import config
from .graph.basic import Apply, Constant, Op, Type, Variable
from .graph.traversal import clone_replace, io_toposort

__all__ = [
    "DisconnectedInputError", "DisconnectedType", "GradientError", "Lop", "NullType",
    "NullTypeGradError", "Rop", "consider_constant", "disconnected_grad", "disconnected_type",
    "grad", "grad_clip", "grad_not_implemented", "grad_scale", "grad_undefined", "hessian",
    "jacobian", "verify_grad", "zero_grad",
]


# -- special gradient values --------------------------------------------------------------


class DisconnectedInputError(ValueError):
    """The cost does not depend on a variable the gradient was asked for."""


class NullTypeGradError(TypeError):
    """A gradient that is undefined (or not implemented) was needed."""


class GradientError(ValueError):
    """verify_grad: the symbolic gradient disagrees with finite differences."""

    def __init__(self, arg: int, abs_err: float, rel_err: float, where: tuple, abs_tol: float,
                 rel_tol: float):
        self.arg, self.abs_err, self.rel_err, self.where = arg, abs_err, rel_err, where
        self.abs_tol, self.rel_tol = abs_tol, rel_tol
        super().__init__(
            f"gradient of input {arg} disagrees with finite differences: largest absolute error "
            f"{abs_err:.3g} (tolerance {abs_tol:.3g}) and relative error {rel_err:.3g} "
            f"(tolerance {rel_tol:.3g}), at index {where}")


class DisconnectedType(Type):
    """The type of a gradient that does not exist because there is no dependence."""

    def filter(self, value, strict=False, allow_downcast=None):
        raise TypeError("a disconnected gradient has no value")

    def __eq__(self, other):
        return type(other) is DisconnectedType

    def __hash__(self):
        return hash(DisconnectedType)

    def __str__(self):
        return "DisconnectedType"


class NullType(Type):
    """The type of an undefined gradient; `why_null` says why."""

    def __init__(self, why_null: str = "(no explanation given)"):
        self.why_null = why_null

    def filter(self, value, strict=False, allow_downcast=None):
        raise TypeError(f"an undefined gradient has no value: {self.why_null}")

    def __eq__(self, other):
        return type(other) is NullType and other.why_null == self.why_null

    def __hash__(self):
        return hash((NullType, self.why_null))

    def __str__(self):
        return "NullType"


def disconnected_type() -> Variable:
    return DisconnectedType()()


def grad_undefined(op: Any, x_pos: int, x: Variable, comment: str = "") -> Variable:
    """The gradient of `op` with respect to its input `x_pos` is mathematically undefined."""
    return NullType(f"the gradient of {op} with respect to input {x_pos} ({x}) is undefined. "
                    f"{comment}".strip())()


def grad_not_implemented(op: Any, x_pos: int, x: Variable, comment: str = "") -> Variable:
    return NullType(f"the gradient of {op} with respect to input {x_pos} ({x}) is not "
                    f"implemented. {comment}".strip())()


def _is_special(v: Any) -> bool:
    return v is None or isinstance(getattr(v, "type", None), (DisconnectedType, NullType))


# -- reverse mode ---------------------------------------------------------------------------


def _T():
    from . import tensor
    return tensor


def grad(cost: Variable | None, wrt: Variable | Sequence[Variable], consider_constant=None,
         disconnected_inputs: str = "raise", add_names: bool = True, known_grads=None,
         return_disconnected: str = "zero", null_gradients: str = "raise") -> Any:
    """d cost / d wrt, as graphs (one per variable in `wrt`, same nesting).

    `cost` must be a scalar; with `known_grads` ({variable: its gradient}) it may
    be None. `consider_constant` variables are not differentiated through.
    `disconnected_inputs`: 'raise', 'warn' or 'ignore' for variables the cost does
    not depend on, which then get 'zero' (zeros_like), 'none' or 'disconnected'.
    """
    T = _T()
    if disconnected_inputs not in ("raise", "warn", "ignore"):
        raise ValueError(f"disconnected_inputs must be 'raise', 'warn' or 'ignore'; got "
                         f"{disconnected_inputs!r}")
    if return_disconnected not in ("zero", "none", "disconnected", "None", "Disconnected"):
        raise ValueError(f"return_disconnected must be 'zero', 'none' or 'disconnected'; got "
                         f"{return_disconnected!r}")
    single = isinstance(wrt, Variable)
    wrt_list = [wrt] if single else list(wrt)
    for w in wrt_list:
        if not isinstance(w, Variable):
            raise TypeError(f"grad: wrt must be symbolic variables; got {type(w).__name__}")

    seeds: dict[Variable, Variable] = {}
    if cost is not None:
        cost = T.as_tensor_variable(cost)
        if cost.ndim != 0:
            raise TypeError(f"grad: the cost {cost.describe()} must be a scalar (0 dims); it has "
                            f"{cost.ndim}. Sum it, or use Lop/jacobian for non-scalar outputs")
        if cost.dtype in _DISCRETE:
            raise TypeError(f"grad: the cost {cost.describe()} is {cost.dtype}; it must be a "
                            f"floating-point expression")
        seeds[cost] = T.ones_like(cost)
    for var, g in (known_grads or {}).items():
        g = T.as_tensor_variable(g)
        if g.ndim != var.ndim:
            raise TypeError(f"grad: the known gradient of {var.describe()} has {g.ndim} dims; "
                            f"the variable has {var.ndim}")
        seeds[var] = seeds[var] + g if var in seeds else g
    if not seeds:
        raise TypeError("grad: give a cost, or known_grads")

    constants = set(consider_constant or ())
    grads = _backpropagate(seeds, wrt_list, constants)

    results = []
    for w in wrt_list:
        g = grads.get(w)
        if g is None:
            message = (f"grad: the cost does not depend on {w.describe()}; pass "
                       f"disconnected_inputs='ignore' or 'warn' to allow this")
            if disconnected_inputs == "raise":
                raise DisconnectedInputError(message)
            if disconnected_inputs == "warn":
                warnings.warn(message, stacklevel=2)
            kind = return_disconnected.lower()
            results.append(T.zeros_like(w, dtype=_grad_dtype(w)) if kind == "zero"
                           else None if kind == "none" else disconnected_type())
            continue
        if isinstance(g.type, NullType):
            if null_gradients == "raise":
                raise NullTypeGradError(f"grad: the gradient of the cost with respect to "
                                        f"{w.describe()} is not defined: {g.type.why_null}")
            results.append(g)
            continue
        if add_names and g.name is None and w.name is not None and cost is not None:
            g.name = f"(d{cost.name or 'cost'}/d{w.name})"
        results.append(g)
    return results[0] if single else results


_DISCRETE = ("bool", "int8", "int16", "int32", "int64", "uint8")


def _grad_dtype(v: Variable) -> str:
    """Gradients of integer variables are zero, as floats."""
    return config.floatX if v.dtype in _DISCRETE else v.dtype


def _backpropagate(seeds: Mapping[Variable, Variable], wrt: Sequence[Variable],
                   constants: set[Variable]) -> dict[Variable, Variable]:
    """Accumulate the gradient of every variable on a path from `wrt` to the seeds."""
    T = _T()
    # Variables that depend on some wrt (so a gradient flowing to them can be useful).
    wanted = set(wrt)
    order = io_toposort(list(wrt) + list(constants), list(seeds))
    # Nodes above the wrt variables do not matter; the toposort above stops at them.
    depends = set(wrt)
    for node in order:
        if any(v in depends for v in node.inputs):
            depends.update(node.outputs)
    grads: dict[Variable, Variable] = dict(seeds)
    for node in reversed(order):
        out_grads = [grads.get(o) for o in node.outputs]
        if all(g is None for g in out_grads):
            continue
        if not any(v in depends and v not in constants for v in node.inputs):
            continue
        out_grads = [g if g is not None else T.zeros_like(o, dtype=_grad_dtype(o))
                     for g, o in zip(out_grads, node.outputs)]
        if any(isinstance(g.type, NullType) for g in out_grads):
            null = next(g for g in out_grads if isinstance(g.type, NullType))
            in_grads = [null] * len(node.inputs)
        else:
            in_grads = node.op.L_op(list(node.inputs), list(node.outputs), out_grads)
        if len(in_grads) != len(node.inputs):
            raise ValueError(f"{node.op}.L_op returned {len(in_grads)} gradients for "
                             f"{len(node.inputs)} inputs")
        for var, g in zip(node.inputs, in_grads):
            if var not in depends or var in constants or g is None \
                    or isinstance(getattr(g, "type", None), DisconnectedType):
                continue
            if isinstance(getattr(g, "type", None), NullType):
                grads[var] = g
                continue
            g = _fit_gradient(g, var, node)
            if var in grads and not isinstance(grads[var].type, NullType):
                grads[var] = grads[var] + g
            else:
                grads.setdefault(var, g)
    return {w: grads[w] for w in wanted if w in grads}


def _fit_gradient(g: Variable, var: Variable, node: Apply) -> Variable:
    T = _T()
    g = T.as_tensor_variable(g)
    if g.ndim != var.ndim:
        raise TypeError(f"{node.op}.L_op gave a gradient with {g.ndim} dims for input "
                        f"{var.describe()} with {var.ndim} dims")
    target = _grad_dtype(var)
    if g.dtype != target:
        g = T.cast(g, target)
    return g


def Lop(f: Variable | Sequence[Variable], wrt: Variable | Sequence[Variable],
        eval_points: Variable | Sequence[Variable], consider_constant=None,
        disconnected_inputs: str = "raise") -> Any:
    """Vector-Jacobian product: eval_points · d f / d wrt (eval_points shaped like f)."""
    fs = [f] if isinstance(f, Variable) else list(f)
    vs = [eval_points] if isinstance(eval_points, Variable) or not isinstance(
        eval_points, (list, tuple)) else list(eval_points)
    if len(fs) != len(vs):
        raise ValueError(f"Lop: {len(fs)} outputs but {len(vs)} eval_points")
    known = {}
    T = _T()
    for out, v in zip(fs, vs):
        v = T.as_tensor_variable(v)
        if v.ndim != out.ndim:
            raise TypeError(f"Lop: the eval point for {out.describe()} has {v.ndim} dims; the "
                            f"output has {out.ndim}")
        known[out] = v
    return grad(None, wrt, consider_constant=consider_constant, known_grads=known,
                disconnected_inputs=disconnected_inputs, add_names=False)


def Rop(f: Variable | Sequence[Variable], wrt: Variable | Sequence[Variable],
        eval_points: Variable | Sequence[Variable], disconnected_outputs: str = "raise",
        use_op_rop_implementation: bool = True) -> Any:
    """Jacobian-vector product: d f / d wrt · eval_points (eval_points shaped like wrt).

    A true forward-mode graph built from each op's `R_op`; when some op on the
    way has none, the whole product falls back to the double-Lop identity
    Rop(f, x, v) = d/du [Lop(f, x, u) · v].
    """
    T = _T()
    single = isinstance(f, Variable)
    fs = [f] if single else list(f)
    xs = [wrt] if isinstance(wrt, Variable) else list(wrt)
    vs = [eval_points] if isinstance(eval_points, Variable) or not isinstance(
        eval_points, (list, tuple)) else list(eval_points)
    if len(xs) != len(vs):
        raise ValueError(f"Rop: {len(xs)} variables but {len(vs)} eval_points")
    vs = [T.as_tensor_variable(v) for v in vs]
    for x, v in zip(xs, vs):
        if v.ndim != x.ndim:
            raise TypeError(f"Rop: the eval point for {x.describe()} has {v.ndim} dims; the "
                            f"variable has {x.ndim}")
    # Each eval point must have its variable's shape: checked when the function runs.
    vs = [v if _same_known_shape(x, v) else ShapeOf(x.name or "wrt")(x, v)
          for x, v in zip(xs, vs)]
    if use_op_rop_implementation:
        try:
            results = _forward_mode(fs, xs, vs)
        except NotImplementedError:
            results = None
    else:
        results = None
    if results is None:
        results = _rop_by_double_lop(fs, xs, vs)
    out = []
    for fvar, r in zip(fs, results):
        if r is None:
            if disconnected_outputs == "raise":
                raise DisconnectedInputError(f"Rop: {fvar.describe()} does not depend on wrt")
            r = T.zeros_like(fvar)
        out.append(r)
    return out[0] if single else out


def _same_known_shape(x: Variable, v: Variable) -> bool:
    return x.ndim == 0 or (None not in x.type.shape and x.type.shape == v.type.shape)


def _forward_mode(fs, xs, vs) -> list[Variable | None]:
    tangents: dict[Variable, Variable] = {}
    T = _T()
    for x, v in zip(xs, vs):
        tangents[x] = T.cast(v, x.dtype) if v.dtype != x.dtype and x.dtype not in _DISCRETE else v
    for node in io_toposort(xs, fs):
        points = [tangents.get(v) for v in node.inputs]
        if all(p is None for p in points):
            continue
        results = node.op.R_op(list(node.inputs), points)
        for out, r in zip(node.outputs, results):
            if r is not None and not _is_special(r):
                tangents[out] = r
    return [tangents.get(fvar) for fvar in fs]


def _rop_by_double_lop(fs, xs, vs) -> list[Variable]:
    T = _T()
    us = [fvar.type() for fvar in fs]
    lops = Lop(fs, xs, us, disconnected_inputs="ignore")
    lops = [lops] if isinstance(lops, Variable) else lops
    total = sum((T.sum(lo * v) for lo, v in zip(lops, vs)), T.constant(0.0))
    jvps = grad(total, us, disconnected_inputs="ignore", add_names=False)
    # The result is linear in u, so it depends on u only through u's shape, which is
    # f's: put f there, so the graph needs no value for the dummy u.
    return clone_replace(jvps, dict(zip(us, fs)))


def jacobian(expression: Variable, wrt: Variable | Sequence[Variable], consider_constant=None,
             disconnected_inputs: str = "raise", vectorize: bool = False) -> Any:
    """d expression / d wrt, shaped expression.shape + wrt.shape (a list for a list of wrt).

    Row k of the Jacobian is Lop(expression, wrt, e_k). With `vectorize=True` all rows
    are computed at once, with no loop: the Lop graph, cut where it stops depending
    on the cotangent, becomes the inner graph of a `BatchedGraph` op applied to the
    rows of the identity (lowered with `torch.vmap`, as `torch.func.jacrev` does), so
    what the rows share is computed once. Without it the rows are a `scan` loop
    (Theano's form). Both are graphs: they can be differentiated again.
    """
    T = _T()
    f = T.as_tensor_variable(expression)
    single = isinstance(wrt, Variable)
    ws = [wrt] if single else list(wrt)
    if f.dtype in _DISCRETE:
        raise TypeError(f"jacobian: the expression {f.describe()} is {f.dtype}; it must be a "
                        f"floating-point expression")
    if f.ndim == 0:
        out = grad(f, ws, consider_constant=consider_constant,
                   disconnected_inputs=disconnected_inputs)
    elif vectorize:
        out = _jacobian_vectorized(f, ws, consider_constant, disconnected_inputs)
    else:
        out = _jacobian_by_scan(f, ws, consider_constant, disconnected_inputs)
    return out[0] if single else out


def hessian(cost: Variable, wrt: Variable | Sequence[Variable], consider_constant=None,
            disconnected_inputs: str = "raise", vectorize: bool = False) -> Any:
    """The second derivatives of a scalar cost: jacobian(grad(cost, w), w) for each w,
    shaped w.shape + w.shape (a list for a list of wrt). Where the gradient does not
    depend on w (a cost linear in w) the Hessian is zeros."""
    T = _T()
    cost = T.as_tensor_variable(cost)
    if cost.ndim != 0:
        raise TypeError(f"hessian: the cost {cost.describe()} must be a scalar (0 dims); it has "
                        f"{cost.ndim}")
    single = isinstance(wrt, Variable)
    ws = [wrt] if single else list(wrt)
    out = [jacobian(grad(cost, w, consider_constant=consider_constant,
                         disconnected_inputs=disconnected_inputs), w,
                    consider_constant=consider_constant, disconnected_inputs="ignore",
                    vectorize=vectorize) for w in ws]
    return out[0] if single else out


def _jacobian_vectorized(f: Variable, ws: list[Variable], consider_constant,
                         disconnected_inputs: str) -> list[Variable]:
    from .tensor.shape import lengths_of, prod_lengths
    T = _T()
    u = f.type.make_variable("cotangent")
    try:
        rows = grad(None, ws, consider_constant=consider_constant, known_grads={f: u},
                    disconnected_inputs=disconnected_inputs, add_names=False)
    except DisconnectedInputError as err:
        raise DisconnectedInputError(f"jacobian: {f.describe()} does not depend on one of wrt "
                                     f"({err}); pass disconnected_inputs='ignore' or 'warn' "
                                     f"to get zeros") from None
    lengths = lengths_of(f)
    n = prod_lengths(lengths)
    identity = T.reshape(T.eye(n, dtype=f.dtype), [n, *lengths])
    rows = _batched(rows, {u: identity}, {}, name="jacobian")
    return [T.reshape(r, [*lengths, *lengths_of(w)]) for r, w in zip(rows, ws)]


def _jacobian_by_scan(f: Variable, ws: list[Variable], consider_constant,
                      disconnected_inputs: str) -> list[Variable]:
    from .tensor.shape import lengths_of
    T = _T()
    try:
        from .scan import scan
    except ModuleNotFoundError as err:
        if not (err.name or "").startswith(__package__ + ".scan"):
            raise
        raise NotImplementedError(
            "jacobian(..., vectorize=False) computes the rows one by one with symtorch.scan, "
            "which is not available; pass vectorize=True to compute all rows at once") from None
    flat = T.flatten(f)

    def row(i, y, *xs):
        return [grad(y[i], x, consider_constant=consider_constant,
                     disconnected_inputs=disconnected_inputs) for x in xs]

    rows, _ = scan(row, sequences=T.arange(flat.shape[0]), non_sequences=[flat, *ws],
                   return_list=True)
    return [T.reshape(r, [*lengths_of(f), *lengths_of(w)]) for r, w in zip(rows, ws)]


def _batched(outputs: Sequence[Variable], rows: Mapping[Variable, Variable],
            outer: Mapping[Variable, Variable], name: str | None = None) -> list[Variable]:
    """`outputs` for every row at once: each result has a leading dimension, the rows.

    `outputs` are graphs over per-row placeholders, the keys of `rows` (each stands for
    one row of its value), and other variables; `outer` maps variables of these graphs
    that stand for others (an enclosing op's inner inputs) to those. The nodes that
    depend on a placeholder form the inner graph of one BatchedGraph op; what they read
    from the rest is computed once, outside (integer shape arithmetic is recomputed
    inside instead, so that the inner program keeps its lengths as host values).
    Outputs that depend on no placeholder are computed once and repeated.
    """
    from .ifelse import InnerGraph, substitute
    from .tensor.shape import dim_length, lengths_of
    T = _T()
    placeholders = list(rows)
    order = io_toposort([], outputs)
    depends = set(placeholders)
    for node in order:
        if any(v in depends for v in node.inputs):
            depends.update(node.outputs)
    inside = {node for node in order if node.outputs[0] in depends}
    pending = list(inside)
    while pending:
        for v in pending.pop().inputs:
            if v.owner is not None and v.owner not in inside and _shape_arithmetic(v):
                inside.add(v.owner)
                pending.append(v.owner)
    frontier = dict.fromkeys(placeholders)
    for node in order:
        if node in inside:
            frontier.update((v, None) for v in node.inputs if not isinstance(v, Constant)
                            and (v.owner is None or v.owner not in inside))
    frontier = list(frontier)
    mapped = [o for o in outputs if o in depends]
    unbatched = [v for v in frontier if v not in rows]
    values = dict(zip(unbatched, substitute(unbatched, dict(outer))))
    results: dict[Variable, Variable] = {}
    if mapped:
        inner = InnerGraph.capture(mapped, frontier)
        op = BatchedGraph(inner, tuple(v in rows for v in frontier), name)
        computed = op(*[rows[v] if v in rows else values[v] for v in frontier])
        results = dict(zip(mapped, computed if isinstance(computed, list) else [computed]))
    n = dim_length(rows[placeholders[0]], 0)
    repeated = [o for o in outputs if o not in depends]
    for o, value in zip(repeated, substitute(repeated, dict(outer))):
        results[o] = T.alloc(value, n, *lengths_of(value))
    return [results[o] for o in outputs]


def _shape_arithmetic(v: Variable) -> bool:
    """An integer scalar or short vector computed from shapes (cheap, host-side)."""
    from .tensor.elemwise import DimShuffle, Elemwise
    from .tensor.shape import MakeVector, Shape, Shape_i
    from .tensor.subtensor import Subtensor
    return getattr(v.type, "dtype", None) in ("int64", "int32") and v.type.ndim <= 1 and \
        isinstance(v.owner.op, (Shape, Shape_i, MakeVector, Elemwise, DimShuffle, Subtensor))


class BatchedGraph(Op):
    """BatchedGraph(inner, batched)(*values): the inner graph applied to every row of the
    values marked `batched` (their first dimension) at once, with the other values the
    same for all rows; each output gains a leading dimension, the rows. Lowered with
    torch.vmap. Its derivatives are BatchedGraphs of the inner graph's derivatives."""

    __props__ = ("inner", "batched", "name")

    def __init__(self, inner: Any, batched: Sequence[bool], name: str | None = None):
        self.inner, self.batched, self.name = inner, tuple(bool(b) for b in batched), name
        if not any(self.batched):
            raise ValueError("BatchedGraph needs at least one batched input")

    def __str__(self) -> str:
        return f"BatchedGraph{{{self.name}}}" if self.name else "BatchedGraph"

    def with_inner(self, inner: Any) -> BatchedGraph:
        """The same op over another inner graph computing the same (a rewritten one)."""
        return BatchedGraph(inner, self.batched, self.name)

    def make_node(self, *values: Any) -> Apply:
        from .tensor.type import TensorType
        T = _T()
        if len(values) != len(self.inner.inputs):
            raise TypeError(f"{self} takes {len(self.inner.inputs)} inputs; got {len(values)}")
        values = [T.as_tensor_variable(v) for v in values]
        rows = None
        for v, inner, b in zip(values, self.inner.inputs, self.batched):
            if v.dtype != inner.dtype or v.ndim != inner.ndim + b:
                want = TensorType(inner.dtype, (None,) * (inner.ndim + b)).describe_value()
                raise TypeError(f"{self}: {v.describe()} is {v.type.describe_value()}; expected "
                                f"{want}{' (rows first)' if b else ''}")
            if b and rows is None:
                rows = v.type.shape[0]
        return Apply(self, values, [TensorType(o.dtype, (rows, *o.type.shape)).make_variable()
                                    for o in self.inner.outputs])

    def perform(self, node: Apply, inputs: list) -> list:
        n = next(len(v) for v, b in zip(inputs, self.batched) if b)
        outs = self.inner.outputs
        if n == 0:
            probe = [np.zeros(np.shape(v)[1:], v.dtype) if b else v
                     for v, b in zip(inputs, self.batched)]
            return [np.zeros((0, *np.shape(r)), o.type.numpy_dtype)
                    for r, o in zip(self.inner.evaluate(outs, probe), outs)]
        per_row = [self.inner.evaluate(outs, [v[k] if b else v for v, b in zip(inputs, self.batched)])
                   for k in range(n)]
        return [np.stack([r[i] for r in per_row]).astype(o.type.numpy_dtype)
                for i, o in enumerate(outs)]

    def infer_shape(self, node: Apply, input_shapes: list) -> list:
        from .graph.traversal import ancestors
        from .ifelse import substitute
        per_row = [tuple(s)[1:] if b else s for s, b in zip(input_shapes, self.batched)]
        found = self.inner.shapes(self.inner.outputs, per_row)
        symbolic = [s for shp in found for s in shp if isinstance(s, Variable)]
        rowwise = {i for i, b in zip(self.inner.inputs, self.batched) if b}
        if any(v in rowwise for v in ancestors(symbolic)):
            raise NotImplementedError(f"{self}: a length depends on the rows' values")
        outer = dict((i, v) for i, v, b in zip(self.inner.inputs, node.inputs, self.batched)
                     if not b)
        translated = iter(substitute(symbolic, outer))
        n = next(s[0] for s, b in zip(input_shapes, self.batched) if b)
        return [(n, *(next(translated) if isinstance(s, Variable) else s for s in shp))
                for shp in found]

    def L_op(self, inputs, outputs, output_grads):
        """For every row, the inner graph's vector-Jacobian product with that row's output
        gradient: itself a BatchedGraph, summed over the rows for the unbatched inputs."""
        T = _T()
        inner = self.inner
        known: dict[Variable, Variable] = {}
        placeholders = []
        for o, g in zip(inner.outputs, output_grads):
            p = o.type.make_variable("row_grad")
            placeholders.append((p, g))
            if o.dtype not in _DISCRETE:
                known[o] = known[o] + p if o in known else p
        if not known:
            return [None] * len(inputs)
        vjps = grad(None, inner.inputs, known_grads=known, disconnected_inputs="ignore",
                    return_disconnected="none", null_gradients="return", add_names=False)
        rows = {i: x for i, x, b in zip(inner.inputs, inputs, self.batched) if b}
        rows.update(placeholders)
        outer = {i: x for i, x, b in zip(inner.inputs, inputs, self.batched) if not b}
        wanted = [j for j, g in enumerate(vjps) if g is not None and not _is_special(g)]
        results: list[Any] = [g if g is not None and _is_special(g) else None for g in vjps]
        computed = _batched([vjps[j] for j in wanted], rows, outer, name=self.name)
        for j, r in zip(wanted, computed):
            results[j] = r if self.batched[j] else T.sum(r, axis=0)
        return results

    def R_op(self, inputs, eval_points):
        """For every row, the inner graph's Jacobian-vector product: a BatchedGraph."""
        inner = self.inner
        pairs = [(j, i.type.make_variable("row_tangent")) for j, (i, v) in
                 enumerate(zip(inner.inputs, eval_points))
                 if v is not None and i.dtype not in _DISCRETE]
        wanted = [k for k, o in enumerate(inner.outputs) if o.dtype not in _DISCRETE]
        if not pairs or not wanted:
            return [None] * len(inner.outputs)
        jvps = Rop([inner.outputs[k] for k in wanted], [inner.inputs[j] for j, _ in pairs],
                   [t for _, t in pairs], disconnected_outputs="ignore")
        rows = {i: x for i, x, b in zip(inner.inputs, inputs, self.batched) if b}
        outer = {i: x for i, x, b in zip(inner.inputs, inputs, self.batched) if not b}
        for j, t in pairs:
            (rows if self.batched[j] else outer)[t] = eval_points[j]
        computed = _batched(jvps, rows, outer, name=self.name)
        results: list[Any] = [None] * len(inner.outputs)
        for k, r in zip(wanted, computed):
            results[k] = r if r.dtype == inner.outputs[k].dtype else \
                _T().cast(r, inner.outputs[k].dtype)
        return results


class ShapeOf(Op):
    """`ShapeOf(name)(x, v)` is v, after checking at run time that v has x's shape
    (Rop's eval points must be shaped like the variables they go with)."""

    __props__ = ("name",)
    view_map = {0: 1}

    def __init__(self, name: str):
        self.name = name

    def make_node(self, x, v):
        T = _T()
        x, v = T.as_tensor_variable(x), T.as_tensor_variable(v)
        return Apply(self, [x, v], [v.type()])

    def perform(self, node, inputs):
        x, v = inputs
        if np.shape(x) != np.shape(v):
            raise ValueError(f"the eval point for {self.name!r} has shape {np.shape(v)}; "
                             f"{self.name!r} has shape {np.shape(x)}")
        return [v]

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, grads):
        return [disconnected_type(), grads[0]]

    def R_op(self, inputs, eval_points):
        return [eval_points[1]]


# -- gradient-modifying identities ------------------------------------------------------------


class GradModifier(Op):
    """Identity in the forward pass; changes the gradient flowing back through it."""

    __props__ = ("kind", "a", "b")
    view_map = {0: 0}

    def __init__(self, kind: str, a: float = 0.0, b: float = 0.0):
        self.kind, self.a, self.b = kind, float(a), float(b)

    def make_node(self, x):
        x = _T().as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs):
        return [inputs[0]]

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, grads):
        T, (g,) = _T(), grads
        if self.kind == "zero":
            return [T.zeros_like(g)]
        if self.kind == "disconnected":
            return [disconnected_type()]
        if self.kind == "clip":
            return [T.clip(g, self.a, self.b)]
        if self.kind == "scale":
            return [g * self.a]
        raise ValueError(f"unknown gradient modifier {self.kind!r}")

    def R_op(self, inputs, eval_points):
        if self.kind in ("zero", "disconnected"):
            return [_T().zeros_like(inputs[0])]
        return [eval_points[0]]


def zero_grad(x: Variable) -> Variable:
    """x in the forward pass; its gradient is zero."""
    return GradModifier("zero")(x)


def disconnected_grad(x: Variable) -> Variable:
    """x in the forward pass; the gradient does not flow through it (disconnected)."""
    return GradModifier("disconnected")(x)


consider_constant = disconnected_grad


def grad_clip(x: Variable, lower_bound: float, upper_bound: float) -> Variable:
    """x in the forward pass; the gradient through it is clipped to [lower, upper]."""
    if lower_bound > upper_bound:
        raise ValueError(f"grad_clip: lower bound {lower_bound} exceeds upper bound {upper_bound}")
    return GradModifier("clip", lower_bound, upper_bound)(x)


def grad_scale(x: Variable, multiplier: float) -> Variable:
    """x in the forward pass; the gradient through it is multiplied by `multiplier`."""
    return GradModifier("scale", multiplier)(x)


# -- numerical verification ------------------------------------------------------------------


def numeric_grad(f: Callable[..., float], values: list[np.ndarray], eps: float) -> list[np.ndarray]:
    """Central finite differences of the scalar function `f` at `values`."""
    grads = []
    for v in values:
        g = np.zeros(v.shape, dtype=np.float64)
        flat = v.reshape(-1)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = f(*values)
            flat[j] = orig - eps
            minus = f(*values)
            flat[j] = orig
            g.reshape(-1)[j] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


_EPS = {"float64": 1e-7, "float32": 3e-3, "float16": 1e-1, "bfloat16": 1e-1}
_TOL = {"float64": (1e-4, 1e-4), "float32": (1e-2, 1e-2), "float16": (1e-1, 1e-1),
        "bfloat16": (1e-1, 1e-1)}


def verify_grad(fun: Callable[..., Variable], pt: Sequence[Any], n_tests: int = 2, rng=None,
                eps: float | None = None, out_type: str | None = None, abs_tol: float | None = None,
                rel_tol: float | None = None, mode: Any = None, cast_to_output_type: bool = False,
                no_debug_ref: bool = True) -> None:
    """Check the symbolic gradient of `fun` at `pt` against finite differences.

    `fun` takes symbolic inputs shaped like the arrays in `pt` and returns a
    tensor; its output is projected on a random direction to get a scalar cost.
    Raises GradientError with the largest errors and where they occur.
    """
    from .compile import function
    from .tensor.type import TensorType
    T = _T()
    rng = rng if rng is not None else np.random.default_rng(42)
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(int(rng.randint(0, 2 ** 31)) if hasattr(rng, "randint") else None)
    values = [np.array(p, copy=True) for p in pt]
    for v in values:
        if v.dtype.kind not in "fc":
            raise TypeError(f"verify_grad: points must be floating-point arrays; got {v.dtype}")
    inputs = [TensorType(str(v.dtype), (None,) * v.ndim)(f"input{i}") for i, v in enumerate(values)]
    output = T.as_tensor_variable(fun(*inputs))
    dtype = output.dtype
    eps = eps if eps is not None else _EPS.get(dtype, 1e-7)
    default_abs, default_rel = _TOL.get(dtype, (1e-4, 1e-4))
    abs_tol = default_abs if abs_tol is None else abs_tol
    rel_tol = default_rel if rel_tol is None else rel_tol
    for _ in range(n_tests):
        probe = function(inputs, output, mode=mode, on_unused_input="ignore")
        shape = np.shape(probe(*values))
        projection = rng.random(shape).astype(dtype) + 0.5
        proj = T.constant(projection, dtype=dtype)
        cost = T.sum(output * proj)
        cost_fn = function(inputs, cost, mode=mode, on_unused_input="ignore")
        symbolic = grad(cost, inputs, disconnected_inputs="ignore")
        grad_fn = function(inputs, symbolic, mode=mode, on_unused_input="ignore")
        analytic = [np.asarray(g, dtype=np.float64) for g in grad_fn(*values)]
        numeric = numeric_grad(lambda *vs, f=cost_fn: float(f(*vs)), values, eps)
        for i, (a, n) in enumerate(zip(analytic, numeric)):
            abs_err = np.abs(a - n)
            rel_err = abs_err / np.maximum(np.abs(a) + np.abs(n), 1e-8)
            bad = (abs_err > abs_tol) & (rel_err > rel_tol)
            if bad.any():
                where = tuple(int(k) for k in np.unravel_index(np.argmax(np.where(bad, abs_err, -1)),
                                                               a.shape)) if a.ndim else ()
                raise GradientError(i, float(abs_err.max()), float(rel_err.max()), where,
                                    abs_tol, rel_tol)


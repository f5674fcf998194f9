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
from .graph.basic import Apply, Op, Type, Variable
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
    """d expression / d wrt for a non-scalar expression: shape expression.shape + wrt.shape.

    Row by row this needs `scan`; the vectorized form evaluates all rows at once.
    Neither is available yet in this version: a clear error says so.
    """
    raise NotImplementedError(
        "jacobian needs scan (row by row) or the vectorized batched Lop; neither is built yet. "
        "For a scalar cost use grad; for Jacobian-vector products use Rop / Lop")


def hessian(cost: Variable, wrt: Variable | Sequence[Variable], consider_constant=None,
            disconnected_inputs: str = "raise", vectorize: bool = False) -> Any:
    """The matrix of second derivatives of a scalar cost (see jacobian)."""
    single = isinstance(wrt, Variable)
    ws = [wrt] if single else list(wrt)
    out = [jacobian(grad(cost, w, consider_constant=consider_constant,
                         disconnected_inputs=disconnected_inputs), w,
                    vectorize=vectorize) for w in ws]
    return out[0] if single else out


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


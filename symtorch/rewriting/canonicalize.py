"""Canonicalization: arithmetic brought to one normal form, identities removed.

The canonical form these rewrites produce (the rewrites of later phases may rely on it):
- `+` and `*` chains hold at most one constant, folded, first: `(x * 2) * 3` is `6 * x`,
  `x + 1` is `1 + x`; `x * 1`, `x + 0`, `x ** 1`, `x / 1`, `x - 0` are `x`; `x * -1` is `-x`.
- Subtraction stays `a - b`, but `x - c` is `(-c) + x` (a constant joins the `+` chain),
  and `x + (-y)`, `(-y) + x` are `x - y`, `x - (-y)` is `x + y`; `-(-x)` is `x`, and
  `-(c * x)` is `(-c) * x`. Division stays `a / b`, but `x / c` is `(1/c) * x` where c is
  a power of two (exact); `x ** 2` and `x * x` are `sqr(x)`; `x ** 0` is ones.
- Casts to a variable's own dtype, and exact round trips, are gone.

Each rewrite is exact (bit for bit) but where its docstring says otherwise: folding
constants reassociates (`(x * a) * b` rounds once, as `x * (a*b)`: Theano's choice), and
`x + 0 -> x` keeps -0.0 where the sum gave +0.0. A rewrite is tagged with its own name
and with the name of the Theano rewrite that did its work (`local_mul_canonizer`, ...), so
a Theano script's `mode.excluding(...)` keeps working. The shape-side canonicalizations
(alloc, DimShuffle, reshape, Shape_i) are in shape_rewrites.py. Part of rewriting/.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.fg import FunctionGraph
from ..tensor import math as tm
from ..tensor.basic import constant
from ..tensor.elemwise import DimShuffle, Elemwise, elemwise_op
from ..tensor.scalar import dtype_kind
from ..tensor.type import numpy_dtype
from ..tensor.variable import TensorConstant, TensorVariable
from .basic import node_rewriter
from .db import register
from .merge import merge

# Merging inside the phase lets a rewrite see the duplicates other rewrites made as one
# variable (x * x once both sides have become the same x).
register("canonicalize", "fast_run", name="merge_canonicalize")(merge)


# -- helpers shared with shape_rewrites.py --------------------------------------------------


def scalar_name(var: Variable | Apply | None) -> str | None:
    """The scalar-table row of the Elemwise that computes `var` (or of the node), else None."""
    node = var.owner if isinstance(var, Variable) else var
    if node is not None and isinstance(node.op, Elemwise):
        return node.op.scalar_op.name
    return None


def uniform_value(var: Variable) -> complex | float | int | bool | None:
    """The one value every element of `var` is known to hold while the graph is built: a
    constant whose elements are all equal, or a broadcast (DimShuffle) or cast of one,
    converted as the cast converts it."""
    data = constant_array(var)
    if data is None:
        name = scalar_name(var)
        if name is None or not name.startswith("Cast{"):
            return None
        inner = uniform_value(var.owner.inputs[0])
        if inner is None:
            return None
        with np.errstate(all="ignore"):
            return np.asarray(var.owner.op.scalar_op.numpy(np.asarray(inner))).item()
    if data.size and (data == data.flat[0]).all():
        return data.flat[0].item()
    return None


def broadcasts_nothing(var: TensorVariable) -> bool:
    """True when every dimension of `var` is known to have length 1: as an operand of an
    elementwise op, it never sets the length of the result."""
    return all(s == 1 for s in var.type.shape)


def small_constant(var: Variable) -> complex | float | int | bool | None:
    """The value of a constant operand that broadcasts nothing (x * 1, x ** 2), else None."""
    return uniform_value(var) if broadcasts_nothing(var) else None


def strong(var: TensorVariable) -> TensorVariable:
    """`var` as an operand that keeps its dtype: a weak Python-number constant made strong,
    so a rebuilt Elemwise infers the dtype the original node had."""
    if isinstance(var, TensorConstant) and var.weak:
        return constant(var.data, dtype=var.dtype)
    return var


def as_dtype(var: TensorVariable, dtype: str) -> TensorVariable:
    return var if var.dtype == dtype else tm.cast(var, dtype)


def fit(new: TensorVariable, old: TensorVariable) -> TensorVariable | None:
    """`new` made to stand where `old` stands: cast to old's dtype and padded on the left
    with broadcastable dimensions; None when its static shape still does not fit (a
    rewrite then leaves the node alone rather than guess a shape)."""
    new = as_dtype(new, old.dtype)
    if new.ndim < old.ndim:
        pad = old.ndim - new.ndim
        new = DimShuffle(new.ndim, ("x",) * pad + tuple(range(new.ndim)))(new)
    if new.ndim != old.ndim or not old.type.accepts_variable_type(new.type):
        return None
    return new


def single_client(fgraph: FunctionGraph, var: Variable) -> bool:
    return len(fgraph.clients.get(var, ())) == 1


def constant_array(var: Variable) -> np.ndarray | None:
    """The value of a constant, or of a DimShuffle of one (how Elemwise lines up a
    lower-rank constant), else None."""
    if isinstance(var, TensorConstant):
        return var.data
    node = var.owner
    if node is not None and isinstance(node.op, DimShuffle) and \
            isinstance(node.inputs[0], TensorConstant):
        return node.op.perform(node, [node.inputs[0].data])[0]
    return None


# -- + and * chains: one folded constant, first ------------------------------------------------

_IDENTITY = {"add": 0, "mul": 1}
_FOLD = {"add": np.add, "mul": np.multiply}


def _chain_leaves(fgraph: FunctionGraph, node: Apply, name: str) -> list[TensorVariable]:
    """The operands of the chain of `name` nodes that ends at `node`, left to right: the
    chain goes through operands computed by `name` in the same dtype for no one else."""
    dtype = node.outputs[0].dtype
    leaves, stack = [], list(reversed(node.inputs))
    while stack:
        v = stack.pop()
        if scalar_name(v) == name and v.dtype == dtype and single_client(fgraph, v):
            stack.extend(reversed(v.owner.inputs))
        else:
            leaves.append(v)
    return leaves


@register("canonicalize", "fast_run", "local_mul_canonizer", "local_add_canonizer")
@node_rewriter([elemwise_op("add"), elemwise_op("mul")])
def fold_constants_in_chains(fgraph: FunctionGraph, node: Apply):
    """(x * 2) * 3 -> 6 * x, 2 * (x * 3) -> 6 * x, x * 2 -> 2 * x, and the same for +.

    The constants of a chain of + (or *) are folded into one, computed in the chain's
    dtype, placed first; an identity (x + 0, x * 1) disappears and x * -1 is -x; with a
    constant to fold into, the minus of an operand -y goes into it ((-y) * 3 -> -3 * y).
    Reassociates: exact for integers (wrap-around arithmetic is associative) and when
    all but one constant are powers of two; otherwise the product rounds once where the
    chain rounded at each step. x + 0 -> x gives -0.0 for x = -0.0 (the sum gave +0.0).
    """
    name = node.op.scalar_op.name
    out = node.outputs[0]
    dtype = out.dtype
    leaves = _chain_leaves(fgraph, node, name)
    values = [constant_array(v) for v in leaves]
    consts = [v for v, c in zip(leaves, values) if c is not None]
    terms = [v for v, c in zip(leaves, values) if c is None]
    if not consts or not terms:
        return None
    flip = False
    if name == "mul" and dtype != "bool":
        unwrapped = []
        for t in terms:
            if scalar_name(t) == "neg" and t.dtype == dtype:
                flip, t = not flip, t.owner.inputs[0]
            unwrapped.append(t)
        terms = unwrapped
    with np.errstate(all="ignore"):
        value = functools.reduce(_FOLD[name], [np.asarray(c).astype(numpy_dtype(dtype))
                                               for c in values if c is not None])
        if flip:
            value = np.negative(value)
    value = np.asarray(value, dtype=numpy_dtype(dtype))
    scalar = value.size == 1 and all(s == 1 for s in value.shape)
    identity = scalar and value.item() == _IDENTITY[name]
    minus_one = scalar and name == "mul" and dtype != "bool" and value.item() == -1
    if (len(consts) == 1 and not flip and node.inputs[0] is consts[0] and not identity
            and not minus_one):
        return None  # already canonical
    op = elemwise_op(name)
    rest = as_dtype(terms[0], dtype)
    for t in terms[1:]:
        rest = op(rest, as_dtype(t, dtype))
    if identity:
        new = rest
    elif minus_one:
        new = tm.neg(rest)
    else:
        new = op(constant(value, dtype=dtype), rest)
    new = fit(new, out)
    return None if new is None else [new]


@register("canonicalize", "fast_run", "local_mul_to_sqr")
@node_rewriter([elemwise_op("mul")])
def mul_self_to_sqr(fgraph: FunctionGraph, node: Apply):
    """x * x -> sqr(x): the same product (sqr is x * x), reading x once. Not for booleans
    (sqr of a bool is int8)."""
    a, b = node.inputs
    out = node.outputs[0]
    if a is not b or out.dtype == "bool":
        return None
    new = fit(tm.sqr(as_dtype(a, out.dtype)), out)
    return None if new is None else [new]


# -- minus and subtraction ---------------------------------------------------------------------


@register("canonicalize", "fast_run")
@node_rewriter([elemwise_op("neg")])
def neg_of_neg_or_scaled(fgraph: FunctionGraph, node: Apply):
    """-(-x) -> x (exact, integers included: -(-MIN) wraps back to MIN); -(c * x) ->
    (-c) * x when c * x feeds nothing else (exact: a sign flip)."""
    (x,) = node.inputs
    out = node.outputs[0]
    if scalar_name(x) == "neg":
        return [x.owner.inputs[0]]
    if scalar_name(x) == "mul" and isinstance(x.owner.inputs[0], TensorConstant) \
            and single_client(fgraph, x) and x.dtype == out.dtype:
        c, rest = x.owner.inputs
        with np.errstate(all="ignore"):
            negated = constant(np.negative(c.data), dtype=c.dtype)
        new = fit(tm.mul(negated, strong(rest)), out)
        return None if new is None else [new]
    return None


@register("canonicalize", "fast_run")
@node_rewriter([elemwise_op("sub")])
def sub_canonical(fgraph: FunctionGraph, node: Apply):
    """x - 0 -> x (exact); 0 - x -> -x (but for the sign of a zero result); x - c ->
    (-c) + x, so the constant joins + chains (exact: x - c is x + (-c), in wrap-around
    integers too); x - (-y) -> x + y (exact)."""
    a, b = node.inputs
    out = node.outputs[0]
    if small_constant(b) == 0:
        new = fit(a, out)
    elif small_constant(a) == 0:
        new = fit(tm.neg(as_dtype(b, out.dtype)), out)
    elif constant_array(b) is not None:
        value = np.asarray(constant_array(b)).astype(numpy_dtype(out.dtype))
        with np.errstate(all="ignore"):
            negated = constant(np.negative(value), dtype=out.dtype)
        new = fit(tm.add(negated, as_dtype(a, out.dtype)), out)
    elif scalar_name(b) == "neg":
        new = fit(tm.add(strong(a), b.owner.inputs[0]), out)
    else:
        return None
    return None if new is None else [new]


@register("canonicalize", "fast_run")
@node_rewriter([elemwise_op("add")])
def add_neg_to_sub(fgraph: FunctionGraph, node: Apply):
    """x + (-y) -> x - y and (-y) + x -> x - y (exact: IEEE subtraction is adding the
    negation)."""
    a, b = node.inputs
    out = node.outputs[0]
    if scalar_name(b) == "neg":
        x, y = a, b.owner.inputs[0]
    elif scalar_name(a) == "neg":
        x, y = b, a.owner.inputs[0]
    else:
        return None
    new = fit(tm.sub(strong(x), y), out)
    return None if new is None else [new]


# -- division and powers -----------------------------------------------------------------------


def _exact_reciprocal(k: float, dtype: str) -> float | None:
    """1/k when k is a power of two whose reciprocal `dtype` holds exactly, else None."""
    if not isinstance(k, (int, float)) or isinstance(k, bool) or k == 0 or not math.isfinite(k):
        return None
    mantissa, _ = math.frexp(k)
    if abs(mantissa) != 0.5:
        return None
    with np.errstate(all="ignore"):
        inv = np.asarray(1.0 / k, dtype=numpy_dtype(dtype))
        if inv == 0 or not np.isfinite(inv) or float(inv) * k != 1.0:
            return None
    return float(inv)


@register("canonicalize", "fast_run")
@node_rewriter([elemwise_op("true_div")])
def div_by_constant(fgraph: FunctionGraph, node: Apply):
    """x / 1 -> x, x / -1 -> -x, x / c -> (1/c) * x where c is a power of two: exact, as
    scaling by a power of two is (so only those; x / 3 stays a division)."""
    a, b = node.inputs
    out = node.outputs[0]
    k = small_constant(b)
    if k is None or dtype_kind(out.dtype) != "float":
        return None
    a = as_dtype(a, out.dtype)
    if k == 1:
        new = fit(a, out)
    elif k == -1:
        new = fit(tm.neg(a), out)
    else:
        inv = _exact_reciprocal(k, out.dtype)
        if inv is None:
            return None
        new = fit(tm.mul(constant(inv, dtype=out.dtype), a), out)
    return None if new is None else [new]


@register("canonicalize", "fast_run", "local_pow_canonicalize")
@node_rewriter([elemwise_op("pow")])
def pow_by_small_integer(fgraph: FunctionGraph, node: Apply):
    """x ** 0 -> ones, x ** 1 -> x, x ** 2 -> sqr(x): exact (pow computes these exactly;
    0 ** 0 and nan ** 0 are 1 in both)."""
    from ..tensor.construction import alloc
    from ..tensor.shape import dim_length
    x, e = node.inputs
    out = node.outputs[0]
    k = small_constant(e)
    if k is None or isinstance(k, bool) or k not in (0, 1, 2):
        return None
    x = as_dtype(x, out.dtype)
    if k == 1:
        new = x
    elif k == 2:
        new = tm.sqr(x)
    else:
        lengths = [s if s is not None else dim_length(x, d) for d, s in enumerate(out.type.shape)]
        new = alloc(constant(1, dtype=out.dtype), *lengths)
    new = fit(new, out)
    return None if new is None else [new]


# -- exp and log ---------------------------------------------------------------------------------

# Functions whose result is never negative (it may be NaN).
_NOT_NEGATIVE = frozenset({"exp", "exp2", "sqr", "abs", "sqrt", "sigmoid", "softplus", "cosh"})


def _never_negative(var: TensorVariable) -> bool:
    if var.dtype == "bool" or var.dtype == "uint8":
        return True
    if isinstance(var, TensorConstant):
        return dtype_kind(var.dtype) != "complex" and bool((var.data >= 0).all())
    return scalar_name(var) in _NOT_NEGATIVE


@register("canonicalize", "fast_run")
@node_rewriter([elemwise_op("log")])
def log_of_exp(fgraph: FunctionGraph, node: Apply):
    """log(exp(x)) -> x for real x: the identity itself; where exp overflows (x > 709 in
    float64) or underflows the result is now x instead of inf or -inf. Not for complex
    x (the imaginary part would wrap)."""
    (x,) = node.inputs
    out = node.outputs[0]
    if scalar_name(x) != "exp" or dtype_kind(out.dtype) != "float":
        return None
    inner = x.owner.inputs[0]
    if dtype_kind(inner.dtype) == "complex":
        return None
    new = fit(inner, out)
    return None if new is None else [new]


@register("canonicalize", "fast_run", "local_exp_log")
@node_rewriter([elemwise_op("exp")])
def exp_of_log(fgraph: FunctionGraph, node: Apply):
    """exp(log(x)) -> x where x >= 0 (NaN stays NaN): when x is known not to be negative
    (exp, sqr, abs, sqrt, sigmoid, softplus, cosh of something, a non-negative constant,
    an unsigned or bool array) simply x, otherwise switch(x >= 0, x, nan) -- log of a
    negative number is NaN. Real x only. As Aesara (Theano left exp(log(x)) alone, not
    knowing the sign); -0.0 comes back as -0.0 where exp(log(-0.0)) is +0.0."""
    (x,) = node.inputs
    out = node.outputs[0]
    if scalar_name(x) != "log" or dtype_kind(out.dtype) != "float":
        return None
    inner = x.owner.inputs[0]
    if dtype_kind(inner.dtype) == "complex":
        return None
    value = as_dtype(inner, out.dtype)
    if not _never_negative(inner):
        value = tm.switch(tm.ge(value, 0), value, np.nan)
    new = fit(value, out)
    return None if new is None else [new]


# -- casts ---------------------------------------------------------------------------------------

_MANTISSA_BITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}
_FLOAT_RANGE = {"float16": 0, "bfloat16": 1, "float32": 1, "float64": 2}  # exponent-range rank


def holds_exactly(src: str, dst: str) -> bool:
    """Whether every value of dtype `src` converts to `dst` and back unchanged."""
    if src == dst or src == "bool":
        return True
    ks, kd = dtype_kind(src), dtype_kind(dst)
    if kd == "bool" or (ks, kd) in (("float", "int"), ("complex", "int"), ("complex", "float")):
        return False
    real_dst = {"complex64": "float32", "complex128": "float64"}.get(dst, dst)
    if ks == "complex":
        return holds_exactly({"complex64": "float32", "complex128": "float64"}[src], real_dst)
    if ks == "int":
        info = np.iinfo(numpy_dtype(src))
        if kd == "int":
            target = np.iinfo(numpy_dtype(dst))
            return target.min <= info.min and info.max <= target.max
        return info.bits - (info.min < 0) <= _MANTISSA_BITS[real_dst]
    return (_MANTISSA_BITS[src] <= _MANTISSA_BITS[real_dst]
            and _FLOAT_RANGE[src] <= _FLOAT_RANGE[real_dst])


def _cast_target(var: Variable) -> str | None:
    name = scalar_name(var)
    return var.dtype if name is not None and name.startswith("Cast{") else None


@register("canonicalize", "fast_run", "fast_compile", "local_cast_cast")
@node_rewriter([Elemwise])
def useless_cast(fgraph: FunctionGraph, node: Apply):
    """cast(x, its own dtype) -> x; cast(cast(x, d1), d2) -> cast(x, d2) when d1 holds every
    value of x's dtype exactly (then it changes nothing), and -> x when d2 is x's dtype
    (an exact round trip, as float32 -> float64 -> float32)."""
    out = node.outputs[0]
    if _cast_target(out) is None:
        return None
    (x,) = node.inputs
    if x.dtype == out.dtype:
        return [x]
    if _cast_target(x) is not None:
        source = x.owner.inputs[0]
        if holds_exactly(source.dtype, x.dtype):
            return [as_dtype(source, out.dtype)]
    return None


__all__: Sequence[str] = [
    "add_neg_to_sub", "as_dtype", "broadcasts_nothing", "div_by_constant", "exp_of_log", "fit",
    "fold_constants_in_chains", "holds_exactly", "log_of_exp", "mul_self_to_sqr",
    "neg_of_neg_or_scaled", "pow_by_small_integer", "scalar_name", "single_client",
    "small_constant", "strong", "sub_canonical", "uniform_value", "useless_cast",
]

"""Stabilizing rewrites (the 'stabilize' phase, after canonicalize; FAST_RUN): expressions
that overflow, underflow or round away become equal ones that do not: log(1 + x) ->
log1p(x), log(softmax) -> log_softmax, cross-entropies of a softmax (and their gradients)
or of a sigmoid -> forms on log_softmax and softplus. Each matches graphs with or without
canonicalization and keeps the replaced type (`like`). Imports graph/ and tensor/ only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph.basic import Variable
from ..graph.fg import FunctionGraph
from ..tensor import math as tm
from ..tensor.basic import NotScalarConstantError, get_scalar_constant_value
from ..tensor.construction import arange
from ..tensor.elemwise import DimShuffle, Elemwise, elemwise_op
from ..tensor.nnet import (
    CrossentropyCategorical1Hot,
    CrossentropyCategorical1HotGrad,
    LogSoftmax,
    Softmax,
    sigmoid_binary_crossentropy,
)
from ..tensor.reduction import Reduce, SumTo, logsumexp
from ..tensor.reduction import sum as tsum
from ..tensor.shape import Shape_i, arith, dim_length, shape_padleft, specify_shape
from ..tensor.subtensor import getitem
from ..tensor.type import float_dtypes
from .basic import node_rewriter
from .db import register

REAL_FLOATS = tuple(d for d in float_dtypes if not d.startswith("complex"))


# -- reading graphs -------------------------------------------------------------------------


def op_name(var: Variable) -> str | None:
    """The scalar-table row of the Elemwise that computes `var` ('log', 'add', ...), or None."""
    node = var.owner
    if node is not None and isinstance(node.op, Elemwise):
        return node.op.scalar_op.name
    return None


def operand(var: Variable, i: int = 0) -> Variable:
    return var.owner.inputs[i]


def scalar_constant(var: Variable) -> Any:
    """The value of a scalar constant (broadcast or cast), or None; also None when a cast
    changed the value (a -1 cast to uint8 is 255, not -1)."""
    try:
        value = get_scalar_constant_value(var)
    except NotScalarConstantError:
        return None
    with np.errstate(all="ignore"):
        kept = np.asarray(value).astype(var.type.numpy_dtype) == value
    return value if kept else None


def negated(var: Variable) -> Variable | None:
    """y for var = -y or (-1) * y (either order), else None."""
    name = op_name(var)
    if name == "neg":
        return operand(var)
    if name == "mul":
        a, b = var.owner.inputs
        if scalar_constant(a) == -1:
            return b
        if scalar_constant(b) == -1:
            return a
    return None


def one_plus(var: Variable) -> Variable | None:
    """x for var = 1 + x or x + 1, else None."""
    if op_name(var) == "add":
        a, b = var.owner.inputs
        if scalar_constant(a) == 1:
            return b
        if scalar_constant(b) == 1:
            return a
    return None


def one_minus(var: Variable) -> Variable | None:
    """x for var = 1 - x, 1 + (-x) or (-x) + 1, else None."""
    if op_name(var) == "sub" and scalar_constant(operand(var, 0)) == 1:
        return operand(var, 1)
    x = one_plus(var)
    return None if x is None else negated(x)


def like(new: Variable, old: Variable) -> Variable | None:
    """`new` made fit to replace `old`: cast to its dtype, padded on the left to its rank,
    its static lengths asserted (SpecifyShape) where only `old`'s type knows them. None
    when `new` is known shorter somewhere (it would need broadcasting)."""
    new = tm.cast(new, old.dtype)
    if new.ndim < old.ndim:
        new = shape_padleft(new, old.ndim - new.ndim)
    if new.ndim != old.ndim:
        return None
    if old.type.accepts_variable_type(new.type):
        return new
    if all(n is None or n == o for n, o in zip(new.type.shape, old.type.shape)):
        return specify_shape(new, old.type.shape)
    return None


def real_float(var: Variable) -> bool:
    return var.dtype in REAL_FLOATS


_LOG, _LOG1P, _EXP = elemwise_op("log"), elemwise_op("log1p"), elemwise_op("exp")
_ADD, _SUB, _NEG = elemwise_op("add"), elemwise_op("sub"), elemwise_op("neg")


# -- logarithms and exponentials near 1 -------------------------------------------------------


@register("stabilize", "fast_run")
@node_rewriter([_LOG])
def log1p_from_log_one_plus(fgraph: FunctionGraph, node):
    """log(1 + x) -> log1p(x): exact for |x| << 1, where 1 + x rounds to 1 (log(1 + 1e-20)
    is 0; log1p(1e-20) is 1e-20). Valid for every real float x."""
    (inner,) = node.inputs
    x = one_plus(inner)
    if x is None or not real_float(inner):
        return None
    return [like(tm.log1p(tm.cast(x, inner.dtype)), node.outputs[0])]


@register("stabilize", "fast_run")
@node_rewriter([_LOG])
def log1p_from_log_one_minus(fgraph: FunctionGraph, node):
    """log(1 - x) -> log1p(-x): exact for |x| << 1, where 1 - x rounds to 1. Valid for
    every real float x."""
    (inner,) = node.inputs
    x = one_minus(inner)
    if x is None or not real_float(inner) or _is_sigmoid(x):  # log(1 - sigmoid): below
        return None
    return [like(tm.log1p(tm.neg(tm.cast(x, inner.dtype))), node.outputs[0])]


@register("stabilize", "fast_run")
@node_rewriter([_LOG1P])
def softplus_from_log1p_exp(fgraph: FunctionGraph, node):
    """log1p(exp(x)) -> softplus(x) (log(1 + exp(x)) reaches this form first): exp(x)
    overflows to inf for x > 709 (float64), where softplus(x) is x. Valid for real x."""
    (inner,) = node.inputs
    if op_name(inner) != "exp" or not real_float(inner):
        return None
    return [like(tm.softplus(tm.cast(operand(inner), inner.dtype)), node.outputs[0])]


@register("stabilize", "fast_run")
@node_rewriter([_SUB, _ADD])
def expm1_from_exp_minus_one(fgraph: FunctionGraph, node):
    """exp(x) - 1 (or exp(x) + -1, -1 + exp(x)) -> expm1(x): exact for |x| << 1, where
    exp(x) rounds to 1 (exp(1e-20) - 1 is 0; expm1(1e-20) is 1e-20). Valid for real x."""
    a, b = node.inputs
    out = node.outputs[0]
    if op_name(out) == "sub":
        pairs = [(a, b, 1)]
    else:
        pairs = [(a, b, -1), (b, a, -1)]
    for e, c, minus_one in pairs:
        if op_name(e) == "exp" and real_float(e) and scalar_constant(c) == minus_one:
            return [like(tm.expm1(tm.cast(operand(e), e.dtype)), out)]
    return None


# -- logarithms of sigmoids ---------------------------------------------------------------------


def _is_sigmoid(var: Variable) -> bool:
    return op_name(var) == "sigmoid"


def _log_of_one_minus_sigmoid(var: Variable) -> Variable | None:
    """The sigmoid s for var = log(1 - s) or log1p(-s), else None."""
    name = op_name(var)
    if name == "log":
        s = one_minus(operand(var))
    elif name == "log1p":
        s = negated(operand(var))
    else:
        return None
    return s if s is not None and _is_sigmoid(s) else None


_TRUE_DIV = elemwise_op("true_div")


@register("stabilize", "fast_run")
@node_rewriter([_TRUE_DIV, elemwise_op("reciprocal")])
def sigmoid_from_inverse_of_one_plus_exp(fgraph: FunctionGraph, node):
    """1 / (1 + exp(a)) -> sigmoid(-a): the logistic function written out (as in the Theano
    tutorial), named so that the sigmoid rewrites below apply. Equal for real a; sigmoid
    is computed without the overflow of exp."""
    out = node.outputs[0]
    if op_name(out) == "true_div":
        if scalar_constant(operand(out, 0)) != 1:
            return None
        denominator = operand(out, 1)
    else:
        denominator = operand(out)
    exponent = one_plus(denominator)
    if exponent is None or op_name(exponent) != "exp" or not real_float(out):
        return None
    a = operand(exponent)
    arg = negated(a)
    return [like(tm.sigmoid(arg if arg is not None else tm.neg(a)), out)]


@register("stabilize", "fast_run")
@node_rewriter([_SUB, _ADD])
def sigmoid_of_minus_from_one_minus_sigmoid(fgraph: FunctionGraph, node):
    """1 - sigmoid(x) -> sigmoid(-x): equal for real x, and 1 - sigmoid(x) rounds to 0 for
    x > 37 (float64) where sigmoid(-x) keeps its value."""
    out = node.outputs[0]
    s = one_minus(out)
    if s is None or not _is_sigmoid(s) or not real_float(out):
        return None
    x = operand(s)
    inner = negated(x)
    return [like(tm.sigmoid(inner if inner is not None else tm.neg(x)), out)]


@register("stabilize", "fast_run")
@node_rewriter([_TRUE_DIV, elemwise_op("reciprocal")])
def one_plus_exp_from_inverse_sigmoid(fgraph: FunctionGraph, node):
    """1 / sigmoid(x) -> 1 + exp(-x): equal for real x; sigmoid(x) underflows to 0 for
    x < -745 (float64), where 1 / sigmoid(x) would be inf (as exp(-x) is then too, but
    gradients multiply it by factors that keep the product finite well before that)."""
    out = node.outputs[0]
    if op_name(out) == "true_div":
        if scalar_constant(operand(out, 0)) != 1:
            return None
        s = operand(out, 1)
    else:
        s = operand(out)
    if not _is_sigmoid(s) or not real_float(out):
        return None
    x = operand(s)
    inner = negated(x)
    return [like(1 + tm.exp(inner if inner is not None else tm.neg(x)), out)]


@register("stabilize", "fast_run")
@node_rewriter([_LOG])
def log_sigmoid_to_softplus(fgraph: FunctionGraph, node):
    """log(sigmoid(x)) -> -softplus(-x): sigmoid(x) underflows to 0 for x < -745 (float64),
    where log(sigmoid(x)) is about x. Valid for real x."""
    (s,) = node.inputs
    if not _is_sigmoid(s) or not real_float(s):
        return None
    x = tm.cast(operand(s), s.dtype)
    return [like(tm.neg(tm.softplus(tm.neg(x))), node.outputs[0])]


@register("stabilize", "fast_run")
@node_rewriter([_LOG, _LOG1P])
def log_one_minus_sigmoid_to_softplus(fgraph: FunctionGraph, node):
    """log(1 - sigmoid(x)) (or log1p(-sigmoid(x))) -> -softplus(x): sigmoid(x) rounds to
    1 for x > 37 (float64), where log(1 - sigmoid(x)) is about -x. Valid for real x."""
    out = node.outputs[0]
    s = _log_of_one_minus_sigmoid(out)
    if s is None or not real_float(s):
        return None
    return [like(tm.neg(tm.softplus(tm.cast(operand(s), s.dtype))), out)]


# -- log-sum-exp and softmax --------------------------------------------------------------------


def _under_dimshuffles(var: Variable) -> tuple[Variable, list[DimShuffle]]:
    """The variable below a chain of DimShuffles, and the DimShuffle ops (outermost first)."""
    ops = []
    while var.owner is not None and isinstance(var.owner.op, DimShuffle):
        ops.append(var.owner.op)
        var = operand(var)
    return var, ops


def _shifted_by_its_max(var: Variable) -> bool:
    """Whether var = x - max(x, ...) (as logsumexp builds it: the max possibly made 0 where
    infinite, cast, broadcast): such a sum of exponentials cannot overflow."""
    name = op_name(var)
    if name == "sub":
        x, shift = var.owner.inputs
    elif name == "add" and negated(operand(var, 1)) is not None:
        x, shift = operand(var, 0), negated(operand(var, 1))
    else:
        return False
    for _ in range(8):
        node = shift.owner
        if node is None:
            return False
        if isinstance(node.op, Reduce):
            return node.op.kind == "max" and node.inputs[0] is x
        if isinstance(node.op, DimShuffle) or str(op_name(shift)).startswith("Cast"):
            shift = node.inputs[0]
        elif op_name(shift) == "switch":
            shift = node.inputs[2]
        else:
            return False
    return False


@register("stabilize", "fast_run")
@node_rewriter([_LOG])
def logsumexp_from_log_sum_exp(fgraph: FunctionGraph, node):
    """log(sum(exp(x), axes)) (keepdims or not) -> logsumexp(x, axes), which takes the
    largest element out first: exp(1000) overflows, logsumexp([1000, 1000]) is
    1000 + log(2). Not applied where x is already shifted by its maximum."""
    summed, shuffles = _under_dimshuffles(node.inputs[0])
    reduce = summed.owner
    if reduce is None or not isinstance(reduce.op, Reduce) or reduce.op.kind != "sum":
        return None
    e = reduce.inputs[0]
    if op_name(e) != "exp" or not real_float(e) or e.dtype != summed.dtype:
        return None
    x = operand(e)
    if _shifted_by_its_max(x):
        return None
    out = logsumexp(tm.cast(x, e.dtype), axis=reduce.op.axes(x.ndim))
    for op in reversed(shuffles):
        out = op(out)
    return [like(out, node.outputs[0])]


@register("stabilize", "fast_run")
@node_rewriter([_LOG])
def log_softmax_from_log_of_softmax(fgraph: FunctionGraph, node):
    """log(softmax(x, axis)) -> log_softmax(x, axis): softmax underflows to 0 far below the
    maximum, where log_softmax(x) = x - max - log(sum(exp(x - max))) stays finite. This
    also stabilizes the indexing cross-entropy -log(softmax(x))[arange(n), y] and the
    dense one -sum(t * log(softmax(x)), axis=-1)."""
    (sm,) = node.inputs
    if sm.owner is None or not isinstance(sm.owner.op, Softmax):
        return None
    return [like(LogSoftmax(sm.owner.op.axis)(operand(sm)), node.outputs[0])]


def pick_last_axis(values: Variable, labels: Variable) -> Variable:
    """values[..., labels]: for each label, the entry of `values`' last axis it names (an
    advanced-indexing gather). Negative labels are made out of range, so that they stay
    an error as in CrossentropyCategorical1Hot (plain indexing would count them from the
    end)."""
    k = dim_length(values, values.ndim - 1)
    labels = tm.switch(tm.lt(labels, 0), k, labels)
    if values.ndim == 1:
        return getitem(values, labels)
    if values.ndim == 2:
        return getitem(values, (arange(dim_length(values, 0)), labels))
    rows = values.reshape((-1, k))
    picked = getitem(rows, (arange(dim_length(rows, 0)), labels.flatten()))
    return picked.reshape(labels.shape, ndim=labels.ndim)


@register("stabilize", "fast_run")
@node_rewriter([CrossentropyCategorical1Hot])
def crossentropy_of_softmax_to_log_softmax(fgraph: FunctionGraph, node):
    """crossentropy_categorical_1hot(softmax(x), y) -> -log_softmax(x)[..., y]: -log of a
    saturated softmax's 0 is inf, where -log_softmax is the finite true value. Labels
    outside [0, n_classes) remain an error when the function runs."""
    coding, labels = node.inputs
    if coding.owner is None or not isinstance(coding.owner.op, Softmax):
        return None
    log_sm = LogSoftmax(coding.owner.op.axis)(operand(coding))
    return [like(tm.neg(pick_last_axis(log_sm, labels)), node.outputs[0])]


def _keepdims_sum_of(var: Variable, axis: int | None, ndim: int) -> Variable | None:
    """t for var = sum(t, axis, keepdims=True) (a Sum and the DimShuffle that puts the
    summed axes back; axis None: all of them), else None."""
    node = var.owner
    if node is None or not isinstance(node.op, DimShuffle):
        return None
    summed = operand(var)
    reduce = summed.owner
    if reduce is None or not isinstance(reduce.op, Reduce) or reduce.op.kind != "sum":
        return None
    t = reduce.inputs[0]
    axes = tuple(range(ndim)) if axis is None else (axis,)
    if t.ndim != ndim or reduce.op.axes(ndim) != axes or summed.dtype != t.dtype:
        return None
    kept = iter(range(summed.ndim))
    if node.op.new_order != tuple("x" if i in axes else next(kept) for i in range(ndim)):
        return None
    return t


def _other_factor(var: Variable, factor: Variable) -> Variable | None:
    """y for var = factor * y or y * factor, else None."""
    if op_name(var) == "mul":
        a, b = var.owner.inputs
        if a is factor:
            return b
        if b is factor:
            return a
    return None


def _is_length_of(n: Variable, x: Variable, i: int) -> bool:
    """Whether the scalar n is the length of dimension i of x (Shape_i, or the static length)."""
    if n.owner is not None and isinstance(n.owner.op, Shape_i):
        return n.owner.op.i == i and operand(n) is x
    return x.type.shape[i] is not None and scalar_constant(n) == x.type.shape[i]


def _divided_by(var: Variable, divisor: Variable) -> Variable | None:
    """u for var = u / divisor, u * (1 / divisor), u * reciprocal(divisor), else None; and
    sum_to(u, divisor's shape) for var = sum_to(u / divisor, divisor's shape) (a gradient's
    sum back to a shape, before canonicalization removes it), the divisor being constant
    along the summed dimensions."""
    if var.owner is not None and isinstance(var.owner.op, SumTo):
        v, *lengths = var.owner.inputs
        if len(lengths) != divisor.ndim or \
                not all(_is_length_of(n, divisor, i) for i, n in enumerate(lengths)):
            return None
        u = _divided_by(v, divisor)
        return None if u is None else SumTo()(u, *lengths)
    if op_name(var) == "true_div" and operand(var, 1) is divisor:
        return operand(var, 0)
    if op_name(var) == "mul":
        for u, inv in (var.owner.inputs, var.owner.inputs[::-1]):
            if (op_name(inv) == "true_div" and operand(inv, 1) is divisor
                    and scalar_constant(operand(inv, 0)) == 1) or \
                    (op_name(inv) == "reciprocal" and operand(inv) is divisor):
                return u
    return None


def one_hot(labels: Variable, like_var: Variable) -> Variable:
    """A mask shaped like `like_var`, of its dtype: 1 where the last index equals the label."""
    classes = arange(dim_length(like_var, like_var.ndim - 1))
    mask = tm.eq(shape_padleft(classes, labels.ndim), labels.dimshuffle(*range(labels.ndim), "x"))
    return tm.cast(mask, like_var.dtype)


@register("stabilize", "fast_run")
@node_rewriter([elemwise_op("mul")])
def log_softmax_grad_from_softmax_grad(fgraph: FunctionGraph, node):
    """softmax's gradient y * (H - sum(H * y)) (y = softmax(x)) of H = U / y, the gradient
    through log(softmax(x)), -> U - y * sum(U): log_softmax's gradient; of H =
    crossentropy_categorical_1hot_grad(g, y, labels) -> g * (y - one_hot(labels)). Where the
    softmax underflowed to 0, the division by it gave inf and nan: these are the gradients
    of the cross-entropies of a saturated softmax (every form above), finite again. (A
    label out of range is an error of the cost, not of this gradient any more.)"""
    out = node.outputs[0]
    for y, d in (node.inputs, node.inputs[::-1]):
        if y.owner is not None and isinstance(y.owner.op, Softmax) and op_name(d) == "sub":
            break
    else:
        return None
    axis = y.owner.op.axis
    h, s = d.owner.inputs
    t = _keepdims_sum_of(s, axis, y.ndim)
    if t is None or _other_factor(t, y) is not h:
        return None
    if h.owner is not None and isinstance(h.owner.op, CrossentropyCategorical1HotGrad):
        g, coding, labels = h.owner.inputs
        along_classes = axis == y.ndim - 1 or (axis is None and y.ndim == 1)
        if coding is not y or not along_classes:
            return None
        g_column = g.dimshuffle(*range(g.ndim), "x")
        return [like(tm.mul(tm.sub(y, one_hot(labels, y)), g_column), out)]
    u = _divided_by(h, y)
    if u is None:
        return None
    u = tm.cast(u, y.dtype)
    return [like(tm.sub(u, tm.mul(y, _broadcast_sum(u, y, axis))), out)]


def _broadcast_sum(u: Variable, y: Variable, axis: int | None) -> Variable:
    """sum(u broadcast to y's shape, axis, keepdims=True), without building the broadcast:
    the sum of u times the number of copies broadcasting makes along the summed axes."""
    if u.ndim < y.ndim:
        u = shape_padleft(u, y.ndim - u.ndim)
    total = tsum(u, axis=axis, keepdims=True)
    copies = []
    for i in range(y.ndim) if axis is None else (axis,):
        if u.type.shape[i] is not None and u.type.shape[i] == y.type.shape[i]:
            continue
        copies.append(arith("int_div", dim_length(y, i), dim_length(u, i)))
    if not copies:
        return total
    count = copies[0]
    for c in copies[1:]:
        count = arith("mul", count, c)
    return tm.mul(total, tm.cast(count, y.dtype))


# -- binary cross-entropy of a sigmoid ----------------------------------------------------------


def _signed_terms(var: Variable, sign: int = 1, depth: int = 0) -> list[tuple[int, Variable]]:
    """var as a signed sum of terms, through add, sub and negation (of a term, or of a
    factor of a product): [(+1 or -1, term), ...]."""
    name = op_name(var)
    if depth < 8:
        if name == "add":
            a, b = var.owner.inputs
            return _signed_terms(a, sign, depth + 1) + _signed_terms(b, sign, depth + 1)
        if name == "sub":
            a, b = var.owner.inputs
            return _signed_terms(a, sign, depth + 1) + _signed_terms(b, -sign, depth + 1)
        inner = negated(var)
        if inner is not None:
            return _signed_terms(inner, -sign, depth + 1)
    return [(sign, var)]


def _weighted_log(term: Variable) -> tuple[int, Variable, Variable, Variable] | None:
    """For term = w * log(sigmoid(x)) (kind 1) or w * log(1 - sigmoid(x)) (kind 0), in
    either order, a factor possibly negated: (sign, kind, x's sigmoid, w). Else None."""
    if op_name(term) != "mul":
        return None
    for w, lg in (term.owner.inputs, term.owner.inputs[::-1]):
        sign = 1
        if negated(lg) is not None:
            lg, sign = negated(lg), -1
        if negated(w) is not None:
            w, sign = negated(w), -sign
        if op_name(lg) == "log" and _is_sigmoid(operand(lg)):
            return sign, 1, operand(lg), w
        s = _log_of_one_minus_sigmoid(lg)
        if s is not None:
            return sign, 0, s, w
    return None


@register("stabilize", "fast_run")
@node_rewriter([_NEG, _SUB, _ADD, elemwise_op("mul")])
def sigmoid_binary_crossentropy_from_bce(fgraph: FunctionGraph, node):
    """-(t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))) (also with log1p(-sigmoid(x)),
    as T.nnet.binary_crossentropy(sigmoid(x), t) builds it, and its sign moved onto the
    terms or factors) -> sigmoid_binary_crossentropy(x, t) = max(x, 0) - x t +
    softplus(-|x|): sigmoid(x) rounds to 1 for x > 37 and underflows to 0 for x < -745
    (float64), where the logs give -inf and 0 * -inf = nan. Valid for real x and any t."""
    out = node.outputs[0]
    if not real_float(out):
        return None
    terms = _signed_terms(out)
    if len(terms) != 2:
        return None
    parts = []
    for sign, term in terms:
        found = _weighted_log(term)
        if found is None:
            return None
        inner_sign, kind, s, w = found
        parts.append((sign * inner_sign, kind, s, w))
    parts.sort(key=lambda p: -p[1])
    (sign_t, kind_t, s_t, t), (sign_f, kind_f, s_f, w) = parts
    if (sign_t, sign_f, kind_t, kind_f) != (-1, -1, 1, 0) or s_t is not s_f or one_minus(w) is not t:
        return None
    x = tm.cast(operand(s_t), s_t.dtype)
    return [like(sigmoid_binary_crossentropy(x, t), out)]

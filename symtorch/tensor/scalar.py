"""The scalar operations behind Elemwise: one table row per function.

A row says everything that is particular to one elementwise function: its
arity, its NumPy reference, its torch implementation, how its output dtype
follows from its inputs', how it prints, and (for integer shape arithmetic)
its plain Python form. Everything shared (broadcasting, shape inference, the
lowering) is written once, in `elemwise.py` and `link/torch/elemwise.py`.
Adding a function is adding a row. Gradient rules are attached by
`symtorch.gradient` when that module exists.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .type import complex_dtypes, discrete_dtypes, float_dtypes

# -- dtype rules ---------------------------------------------------------------------

_KIND_RANK = {"bool": 0, "int": 1, "float": 2, "complex": 3}
_KIND_DEFAULT = {"bool": "bool", "int": "int64", "float": "float64", "complex": "complex128"}


def dtype_kind(dtype: str) -> str:
    """'bool', 'int', 'float' or 'complex'."""
    if dtype == "bool":
        return "bool"
    if dtype in discrete_dtypes:
        return "int"
    if dtype in float_dtypes:
        return "float"
    return "complex"


def promote(a: str, b: str) -> str:
    """The dtype two arrays of dtypes `a` and `b` combine to (NumPy's table)."""
    if "bfloat16" in (a, b):  # NumPy has no bfloat16: use torch's table for it
        from .type import TORCH_TO_NAME, torch_dtype
        return TORCH_TO_NAME[torch.promote_types(torch_dtype(a), torch_dtype(b))]
    return np.promote_types(a, b).name


def common_dtype(dtypes: Sequence[str], weak: Sequence[bool] = ()) -> str:
    """NumPy 2's promotion: arrays upcast each other; a weak Python scalar only
    raises the kind (an int8 array plus 1 stays int8, plus 1.5 becomes float64)."""
    weak = list(weak) or [False] * len(dtypes)
    strong = [d for d, w in zip(dtypes, weak) if not w]
    result = functools.reduce(promote, strong) if strong else None
    weak_kinds = [dtype_kind(d) for d, w in zip(dtypes, weak) if w]
    if weak_kinds:
        top = max(weak_kinds, key=_KIND_RANK.__getitem__)
        if result is None:
            result = _KIND_DEFAULT[top]
        elif _KIND_RANK[top] > _KIND_RANK[dtype_kind(result)]:
            result = promote(result, _KIND_DEFAULT[top])
    if result is None:
        raise TypeError("no input dtypes to combine")
    return result


def upgrade_to_float(dtype: str) -> str:
    """The float dtype a float function of `dtype` returns (Theano's rule: small
    integers go to float32, int32/int64 to float64, floats and complexes stay)."""
    if dtype in ("bool", "int8", "uint8", "int16"):
        return "float32"
    if dtype in discrete_dtypes:
        return "float64"
    return dtype


def real_dtype(dtype: str) -> str:
    return {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


# A rule maps (input dtypes, which are weak) to (dtype each input is cast to, output dtype).
DtypeRule = Callable[[Sequence[str], Sequence[bool]], tuple[list[str], str]]


def same(dtypes, weak):
    c = common_dtype(dtypes, weak)
    return [c] * len(dtypes), c


def to_float(dtypes, weak):
    f = upgrade_to_float(common_dtype(dtypes, weak))
    return [f] * len(dtypes), f


def to_bool(dtypes, weak):
    c = common_dtype(dtypes, weak)
    return [c] * len(dtypes), "bool"


def to_real(dtypes, weak):
    c = common_dtype(dtypes, weak)
    return [c] * len(dtypes), real_dtype(c)


def real_float(dtypes, weak):
    """Float functions that are undefined for complex numbers (erf, gamma, ...)."""
    c = common_dtype(dtypes, weak)
    if c in complex_dtypes:
        raise TypeError(f"not defined for complex inputs (got {c})")
    f = upgrade_to_float(c)
    return [f] * len(dtypes), f


def discrete_only(dtypes, weak):
    c = common_dtype(dtypes, weak)
    if c not in discrete_dtypes:
        raise TypeError(f"needs integer or boolean inputs (got {c})")
    return [c] * len(dtypes), c


def not_complex(dtypes, weak):
    c = common_dtype(dtypes, weak)
    if c in complex_dtypes:
        raise TypeError(f"not defined for complex inputs (got {c})")
    return [c] * len(dtypes), c


def condition_first(dtypes, weak):
    """switch(cond, a, b): the condition becomes bool, the branches share a dtype."""
    c = common_dtype(dtypes[1:], weak[1:])
    return ["bool", c, c], c


# -- the row -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ScalarOp:
    """One elementwise function. Rows compare by name, so `name` must be unique."""

    name: str
    nin: int
    numpy: Callable
    torch: Callable
    dtype_rule: DtypeRule = same
    symbol: str | None = None      # infix symbol for pp ('+'), or None for f(x)
    python: Callable | None = None  # plain-Python form, for integer shape arithmetic
    commutative: bool = False
    associative: bool = False
    rules: dict[str, Any] = field(default_factory=dict, compare=False)  # grad, R_op, ...

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScalarOp) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("ScalarOp", self.name))

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__


# -- reference implementations NumPy lacks ----------------------------------------------

def _vectorized(fn: Callable[[float], float]) -> Callable:
    vec = np.vectorize(fn, otypes=[np.float64])

    def apply(x):
        x = np.asarray(x)
        return vec(x.astype(np.float64)).astype(x.dtype if x.dtype.kind == "f" else np.float64)

    return apply


def _digamma(x: float) -> float:
    if x <= 0 and x == math.floor(x):
        return math.nan
    result = 0.0
    if x < 0:  # reflection: psi(1 - x) - psi(x) = pi cot(pi x)
        return _digamma(1 - x) - math.pi / math.tan(math.pi * x)
    while x < 6:
        result -= 1 / x
        x += 1
    inv2 = 1 / (x * x)
    return result + math.log(x) - 0.5 / x - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 / 252))


def _erfinv(y: float) -> float:
    if y <= -1 or y >= 1:
        return -math.inf if y == -1 else math.inf if y == 1 else math.nan
    x = 0.0
    for _ in range(60):  # Newton on erf(x) - y, from 0: converges for all |y| < 1
        step = (math.erf(x) - y) / (2 / math.sqrt(math.pi) * math.exp(-x * x))
        x -= step
        if abs(step) < 1e-15 * max(1.0, abs(x)):
            break
    return x


def _torch_gamma(x):
    sign = torch.where((x > 0) | (torch.remainder(torch.floor(x), 2) == 0), 1.0, -1.0)
    return sign.to(x.dtype) * torch.exp(torch.lgamma(x))


def _np_round(x):
    return np.round(x)  # half to even, as torch.round


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_softplus(x):
    return np.logaddexp(0, x).astype(np.asarray(x).dtype)


def _np_invert(x):
    return np.logical_not(x) if np.asarray(x).dtype == bool else np.invert(x)


def _torch_invert(x):
    return torch.logical_not(x) if x.dtype == torch.bool else torch.bitwise_not(x)


def _torch_sub(a, b):
    if isinstance(a, torch.Tensor) and a.dtype == torch.bool:
        return torch.logical_xor(a, b)  # NumPy forbids bool minus; keep it total
    return torch.sub(a, b)


def _torch_imag(x):
    return torch.imag(x) if x.is_complex() else torch.zeros_like(x)


def _torch_sgn(x):
    return torch.sgn(x) if x.is_complex() else torch.sign(x)


def _torch_sqr(x):
    return x * x


def _py_true_div(a, b):
    return a / b


# -- the table -------------------------------------------------------------------------

def _row(name, nin, numpy, torch_fn, rule=same, **kw) -> ScalarOp:
    return ScalarOp(name, nin, numpy, torch_fn, rule, **kw)


SCALAR_OPS: dict[str, ScalarOp] = {op.name: op for op in [
    # arithmetic
    _row("add", 2, np.add, torch.add, symbol="+", python=operator.add,
         commutative=True, associative=True),
    _row("sub", 2, np.subtract, _torch_sub, symbol="-", python=operator.sub),
    _row("mul", 2, np.multiply, torch.mul, symbol="*", python=operator.mul,
         commutative=True, associative=True),
    _row("true_div", 2, np.true_divide, torch.true_divide, to_float, symbol="/",
         python=_py_true_div),
    _row("int_div", 2, np.floor_divide, torch.floor_divide, not_complex, symbol="//",
         python=operator.floordiv),
    _row("mod", 2, np.mod, torch.remainder, not_complex, symbol="%", python=operator.mod),
    _row("pow", 2, np.power, torch.pow, symbol="**", python=operator.pow),
    _row("neg", 1, np.negative, torch.neg, symbol="-", python=operator.neg),
    _row("abs", 1, np.abs, torch.abs, to_real, python=abs),
    _row("sgn", 1, np.sign, _torch_sgn),
    _row("sqr", 1, np.square, _torch_sqr),
    _row("maximum", 2, np.maximum, torch.maximum, not_complex, python=max, commutative=True,
         associative=True),
    _row("minimum", 2, np.minimum, torch.minimum, not_complex, python=min, commutative=True,
         associative=True),
    _row("reciprocal", 1, np.reciprocal, torch.reciprocal, to_float),
    # exponentials and logarithms
    _row("exp", 1, np.exp, torch.exp, to_float),
    _row("exp2", 1, np.exp2, torch.exp2, to_float),
    _row("expm1", 1, np.expm1, torch.expm1, to_float),
    _row("log", 1, np.log, torch.log, to_float),
    _row("log2", 1, np.log2, torch.log2, to_float),
    _row("log10", 1, np.log10, torch.log10, to_float),
    _row("log1p", 1, np.log1p, torch.log1p, to_float),
    _row("sqrt", 1, np.sqrt, torch.sqrt, to_float),
    # trigonometry
    _row("sin", 1, np.sin, torch.sin, to_float),
    _row("cos", 1, np.cos, torch.cos, to_float),
    _row("tan", 1, np.tan, torch.tan, to_float),
    _row("arcsin", 1, np.arcsin, torch.asin, to_float),
    _row("arccos", 1, np.arccos, torch.acos, to_float),
    _row("arctan", 1, np.arctan, torch.atan, to_float),
    _row("arctan2", 2, np.arctan2, torch.atan2, real_float),
    _row("sinh", 1, np.sinh, torch.sinh, to_float),
    _row("cosh", 1, np.cosh, torch.cosh, to_float),
    _row("tanh", 1, np.tanh, torch.tanh, to_float),
    _row("arcsinh", 1, np.arcsinh, torch.asinh, to_float),
    _row("arccosh", 1, np.arccosh, torch.acosh, to_float),
    _row("arctanh", 1, np.arctanh, torch.atanh, to_float),
    # special functions
    _row("erf", 1, _vectorized(math.erf), torch.erf, real_float),
    _row("erfc", 1, _vectorized(math.erfc), torch.erfc, real_float),
    _row("erfinv", 1, _vectorized(_erfinv), torch.erfinv, real_float),
    _row("gamma", 1, _vectorized(math.gamma), _torch_gamma, real_float),
    _row("gammaln", 1, _vectorized(math.lgamma), torch.lgamma, real_float),
    _row("psi", 1, _vectorized(_digamma), torch.digamma, real_float),
    _row("sigmoid", 1, _np_sigmoid, torch.sigmoid, real_float),
    _row("softplus", 1, _np_softplus, torch.nn.functional.softplus, real_float),
    # rounding
    _row("floor", 1, np.floor, torch.floor, real_float),
    _row("ceil", 1, np.ceil, torch.ceil, real_float),
    _row("trunc", 1, np.trunc, torch.trunc, real_float),
    _row("round_half_to_even", 1, _np_round, torch.round, real_float),
    # comparisons and logic
    _row("eq", 2, np.equal, torch.eq, to_bool, symbol="==", python=operator.eq, commutative=True),
    _row("neq", 2, np.not_equal, torch.ne, to_bool, symbol="!=", python=operator.ne,
         commutative=True),
    _row("lt", 2, np.less, torch.lt, to_bool, symbol="<", python=operator.lt),
    _row("gt", 2, np.greater, torch.gt, to_bool, symbol=">", python=operator.gt),
    _row("le", 2, np.less_equal, torch.le, to_bool, symbol="<=", python=operator.le),
    _row("ge", 2, np.greater_equal, torch.ge, to_bool, symbol=">=", python=operator.ge),
    _row("and_", 2, np.bitwise_and, torch.bitwise_and, discrete_only, symbol="&",
         commutative=True, associative=True),
    _row("or_", 2, np.bitwise_or, torch.bitwise_or, discrete_only, symbol="|",
         commutative=True, associative=True),
    _row("xor", 2, np.bitwise_xor, torch.bitwise_xor, discrete_only, symbol="^",
         commutative=True, associative=True),
    _row("invert", 1, _np_invert, _torch_invert, discrete_only, symbol="~"),
    _row("isnan", 1, np.isnan, torch.isnan, to_bool),
    _row("isinf", 1, np.isinf, torch.isinf, to_bool),
    # complex numbers
    _row("real", 1, np.real, torch.real, to_real),
    _row("imag", 1, np.imag, _torch_imag, to_real),
    _row("angle", 1, np.angle, torch.angle, lambda d, w: (lambda c: ([c], real_dtype(
        upgrade_to_float(c))))(common_dtype(d, w))),
    _row("conj", 1, np.conj, torch.conj_physical),
    # selection
    _row("switch", 3, np.where, torch.where, condition_first),
    _row("clip", 3, np.clip, torch.clamp, not_complex),
    _row("identity", 1, lambda x: x, lambda x: x),
]}

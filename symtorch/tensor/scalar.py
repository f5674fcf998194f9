"""The scalar operations behind Elemwise: one table row per function.

A row says everything that is particular to one elementwise function: its
arity, its NumPy reference, its torch implementation, how its output dtype
follows from its inputs', how it prints, and (for integer shape arithmetic)
its plain Python form. Everything shared (broadcasting, shape inference, the
lowering) is written once, in `elemwise.py` and `link/torch/elemwise.py`.
Adding a function is adding a row. Gradient rules are attached by
`symtorch.gradient` when that module exists. Imports only tensor/type.py.

Dtypes follow NumPy 2 (`np.result_type`, with Python numbers weak), with one
deliberate difference, Theano's: a *float function* (true_div, reciprocal,
exp, log, sin, sqrt, erf, floor, round, ... every row whose rule is
`to_float` or `real_float`) of integers or bools returns `upgrade_to_float`
of their dtype: bool/int8/uint8/int16 -> float32, int32/int64 -> float64
(NumPy gives float16 for the small ones and keeps integers for floor,
reciprocal and round). Other deliberate choices are noted on their rows.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .type import complex_dtypes, discrete_dtypes, float_dtypes

# -- dtype rules ---------------------------------------------------------------------

_KIND_RANK = {"bool": 0, "int": 1, "float": 2, "complex": 3}
_KIND_DEFAULT = {"bool": "bool", "int": "int64", "float": "float64", "complex": "complex128"}
# A Python number of each kind, as NumPy 2's `result_type` sees it: weak.
_WEAK_NUMBER = {"bool": False, "int": 0, "float": 0.0, "complex": 0j}


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
    """NumPy 2's promotion (NEP 50): arrays upcast each other; a weak Python number
    only raises the kind (int8 array + 1 stays int8, + 1.5 is float64, float32
    array + 1j is complex64). Whether the number *fits* is checked by Elemwise."""
    weak = list(weak) or [False] * len(dtypes)
    if not dtypes:
        raise TypeError("no input dtypes to combine")
    strong = [d for d, w in zip(dtypes, weak) if not w]
    weak_kinds = {dtype_kind(d) for d, w in zip(dtypes, weak) if w}
    if "bfloat16" not in strong:
        return np.result_type(*strong, *(_WEAK_NUMBER[k] for k in weak_kinds)).name
    result = functools.reduce(promote, strong)  # torch's rules, as NumPy has no bfloat16
    top = max(weak_kinds, key=_KIND_RANK.__getitem__, default="bool")
    if _KIND_RANK[top] > _KIND_RANK[dtype_kind(result)]:
        result = "complex64" if top == "complex" else promote(result, _KIND_DEFAULT[top])
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


# A rule maps (input dtypes, which are weak) to (dtype each input is cast to, output dtype);
# it raises TypeError for dtypes the function does not accept.
DtypeRule = Callable[[Sequence[str], Sequence[bool]], tuple[list[str], str]]


def same(dtypes, weak):
    c = common_dtype(dtypes, weak)
    return [c] * len(dtypes), c


def no_bool(dtypes, weak):
    """Arithmetic NumPy and torch refuse on booleans (bool - bool, -bool, sign(bool))."""
    c = common_dtype(dtypes, weak)
    if c == "bool":
        raise TypeError("not defined for booleans (NumPy refuses it too); use xor / invert, "
                        "or cast to an integer first")
    return [c] * len(dtypes), c


def bool_as_int8(dtypes, weak):
    """Arithmetic NumPy has no boolean loop for (//, %, **, square, conj): bools
    compute, and come out, as int8."""
    c = common_dtype(dtypes, weak)
    c = "int8" if c == "bool" else c
    return [c] * len(dtypes), c


def to_float(dtypes, weak):
    f = upgrade_to_float(common_dtype(dtypes, weak))
    return [f] * len(dtypes), f


def real_float(dtypes, weak):
    """Float functions that are undefined for complex numbers (erf, gamma, ...)."""
    c = common_dtype(dtypes, weak)
    if c in complex_dtypes:
        raise TypeError(f"not defined for complex inputs (got {c})")
    f = upgrade_to_float(c)
    return [f] * len(dtypes), f


def to_real_float(dtypes, weak):
    """angle: computed in the input's float (or complex) dtype; the result is real."""
    f = upgrade_to_float(common_dtype(dtypes, weak))
    return [f] * len(dtypes), real_dtype(f)


def to_bool(dtypes, weak):
    c = common_dtype(dtypes, weak)
    return [c] * len(dtypes), "bool"


def ordering(dtypes, weak):
    """<, >, <=, >=: complex numbers have no order in torch (NumPy's is lexicographic)."""
    c = common_dtype(dtypes, weak)
    if c in complex_dtypes:
        raise TypeError(f"complex numbers are not ordered (got {c}); compare real() or abs()")
    return [c] * len(dtypes), "bool"


def to_real(dtypes, weak):
    c = common_dtype(dtypes, weak)
    return [c] * len(dtypes), real_dtype(c)


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


def not_complex_bool_as_int8(dtypes, weak):
    cast_to, c = not_complex(dtypes, weak)
    return bool_as_int8(cast_to, [False] * len(cast_to))


def condition_first(dtypes, weak):
    """switch(cond, a, b): the condition becomes bool (nonzero is true), the branches
    share a dtype."""
    c = common_dtype(dtypes[1:], weak[1:])
    return ["bool", c, c], c


# -- the row -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ScalarOp:
    """One elementwise function. Rows compare by name, so `name` must be unique.

    `torch` is a callable, or a mapping from dtype kind ('bool', 'int', 'float',
    'complex', or 'other' for the rest) to callables, chosen by the dtype the row
    computes in. It is called while the program is built, on FX proxies, and may
    be handed Python numbers at the positions `numbers_at` (default: the second
    argument of binary functions); elsewhere the lowering makes numbers tensors.
    Operators use Python's operator functions, which take a number on either
    side (`1.5 - x`) and print as infix in the program.
    `may_alias` says the torch result may be (a view of) the first input.
    """

    name: str
    nin: int
    numpy: Callable
    torch: Callable | Mapping[str, Callable]
    dtype_rule: DtypeRule = same
    symbol: str | None = None      # infix symbol for pp ('+'), or None for f(x)
    python: Callable | None = None  # plain-Python form, for integer shape arithmetic
    commutative: bool = False
    associative: bool = False
    numbers_at: tuple[int, ...] | None = None
    may_alias: bool = False
    rules: dict[str, Any] = field(default_factory=dict, compare=False)  # grad, R_op, ...

    def __post_init__(self) -> None:
        if self.numbers_at is None:
            object.__setattr__(self, "numbers_at", (1,) if self.nin == 2 else ())

    def torch_for(self, dtype: str) -> Callable:
        """The torch implementation for computing in `dtype`."""
        if callable(self.torch):
            return self.torch
        kind = dtype_kind(dtype)
        return self.torch[kind] if kind in self.torch else self.torch["other"]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScalarOp) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("ScalarOp", self.name))

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__


def is_number(value: Any) -> bool:
    """True for a Python number (what a host scalar is while the program is built)."""
    return isinstance(value, (bool, int, float))


# -- NumPy references for what NumPy lacks or does otherwise -----------------------------

def _vectorized(fn: Callable[[float], float]) -> Callable:
    """A float64 math-module function applied elementwise (result in the input's float dtype)."""
    vec = np.vectorize(fn, otypes=[np.float64])

    def apply(x):
        x = np.asarray(x)
        out = vec(x.astype(np.float64)) if x.size else x.astype(np.float64)
        return out.astype(x.dtype if x.dtype.kind == "f" else np.float64)

    apply.__name__ = fn.__name__
    return apply


def _gamma(x: float) -> float:
    """C99 tgamma: gamma(+-0) = +-inf, nan at the negative integers and -inf."""
    if x == 0:
        return math.copysign(math.inf, x)
    if math.isnan(x) or x == -math.inf or (x < 0 and x == math.floor(x)):
        return math.nan
    try:
        return math.gamma(x)
    except OverflowError:
        return math.inf


def _gammaln(x: float) -> float:
    """log|gamma(x)|; +inf at the poles (0 and the negative integers)."""
    try:
        return math.lgamma(x)
    except ValueError:
        return math.inf


def _digamma(x: float) -> float:
    """psi(x) = gamma'(x)/gamma(x): -inf at +0, +inf at -0, nan at the negative integers."""
    if math.isnan(x) or x == -math.inf:
        return math.nan
    if x == math.inf:
        return math.inf
    if x == 0:
        return math.inf if math.copysign(1, x) < 0 else -math.inf
    if x < 0:
        if x == math.floor(x):
            return math.nan
        # reflection: psi(1 - x) - psi(x) = pi cot(pi x)
        return _digamma(1 - x) - math.pi / math.tan(math.pi * x)
    result = 0.0
    while x < 10:  # psi(x) = psi(x + 1) - 1/x, up to where the asymptotic series is exact
        result -= 1 / x
        x += 1
    inv2 = 1 / (x * x)
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (
        1 / 240 - inv2 * (1 / 132 - inv2 * 691 / 32760)))))
    return result + math.log(x) - 0.5 / x - series


def _erfinv_torch(y: torch.Tensor) -> torch.Tensor:
    """torch.erfinv, then two Newton steps on erfc(x) = 1 - |y| where |y| > 0.5.

    Eager torch's erfinv is exact there and the steps keep it; Inductor's loses
    digits in the tails (5e-5 relative at 1 - 1e-12) and the steps restore them.
    erf(x) - y is computed as sign(y) * ((1 - |y|) - erfc(|x|)), which is exact
    where erf(x) itself would round to 1.
    """
    x = torch.erfinv(y)
    tail = (y.abs() > 0.5) & torch.isfinite(x)
    q = 1 - y.abs()
    for _ in range(2):
        a = x.abs()
        step = (q - torch.erfc(a)) / (1.1283791670955126 * torch.exp(-a * a))  # 2/sqrt(pi)
        x = torch.where(tail, x - torch.sign(y) * step, x)
    return x


def _erfinv(y: float) -> float:
    """The x with erf(x) = y, by Newton steps; near +-1 on erfc(x) = 1 - |y|, which
    keeps full relative precision in the tails."""
    if math.isnan(y) or abs(y) > 1:
        return math.nan
    if abs(y) == 1:
        return math.copysign(math.inf, y)
    if y == 0:
        return y
    q = 1 - abs(y)  # exact for |y| >= 0.5
    x = 0.0 if abs(y) < 0.5 else math.sqrt(-math.log(q))
    for _ in range(100):
        density = 2 / math.sqrt(math.pi) * math.exp(-x * x)
        step = (math.erf(x) - abs(y)) / density if abs(y) < 0.5 else (q - math.erfc(x)) / density
        x -= step
        if abs(step) <= 1e-16 * abs(x):
            break
    return math.copysign(x, y)


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_softplus(x):
    x = np.asarray(x)
    return np.logaddexp(0, x).astype(x.dtype)


def _np_invert(x):
    return np.logical_not(x) if np.asarray(x).dtype == bool else np.invert(x)


def _np_power(a, b):
    """np.power, with torch's answer where NumPy raises, integers to negative
    integer powers: 1/a**|b| truncated toward zero (0 but for a = 1 or -1)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind not in "iu" or not (b < 0).any():
        return np.power(a, b)
    a, b = np.broadcast_arrays(a, b)
    negative = b < 0
    odd = np.abs(b) % 2 == 1
    truncated = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0)).astype(a.dtype)
    return np.where(negative, truncated, np.power(a, np.where(negative, 0, b)))


def _np_clip(x, lo, hi):
    """NumPy's clip, spelled as its definition (np.clip has no boolean loop)."""
    return np.minimum(np.maximum(x, lo), hi)


# -- torch implementations that are more than one torch function ---------------------------

def _torch_int_div(a, b):
    """NumPy's integer a // b, with 0 where b is 0 (torch raises on CPU, and CUDA
    gives an undefined value)."""
    if is_number(b):
        return torch.zeros_like(a) if b == 0 else a // b
    zero = b == 0
    return torch.where(zero, 0, a // torch.where(zero, 1, b))


def _torch_int_mod(a, b):
    """NumPy's integer a % b (the divisor's sign), with 0 where b is 0, as NumPy."""
    if is_number(b):
        return torch.zeros_like(a) if b == 0 else a % b
    zero = b == 0
    return torch.where(zero, 0, a % torch.where(zero, 1, b))


def _torch_int_pow(a, b):
    """Integer powers; a negative exponent truncates toward zero (see `_np_power`)."""
    if is_number(b) and b < 0:  # torch.pow raises for a negative number: use its tensor rule
        b = torch.full_like(a, b)
    return a ** b


def _torch_maximum(a, b):
    return torch.clamp(a, min=b) if is_number(b) else torch.maximum(a, b)


def _torch_minimum(a, b):
    return torch.clamp(a, max=b) if is_number(b) else torch.minimum(a, b)


def _torch_clip(x, lo, hi):
    """minimum(maximum(x, lo), hi); torch.clamp takes both bounds as numbers or as tensors."""
    if is_number(lo) == is_number(hi):
        return torch.clamp(x, lo, hi)
    return torch.clamp(torch.clamp(x, min=lo), max=hi)


def _torch_bool_clip(x, lo, hi):
    return torch.bitwise_and(torch.bitwise_or(x, lo), hi)


def _torch_gamma(x):
    """gamma(x) = sign * exp(lgamma(x)), with C99 tgamma's values at the poles."""
    floor = torch.floor(x)
    sign = torch.where((x > 0) | (torch.remainder(floor, 2) == 0), 1.0, -1.0).to(x.dtype)
    out = sign * torch.exp(torch.lgamma(x))
    out = torch.where((x < 0) & (x == floor), torch.nan, out)  # the negative integers
    return torch.where(x == 0, torch.copysign(torch.full_like(x, torch.inf), x), out)


def _torch_softplus(x):
    """log(1 + exp(x)) without overflow and without F.softplus's linear cut at x > 20."""
    return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))


def _torch_real_angle(x):
    """NumPy's angle of a real number, arctan2(0, x): pi for -0.0 too (torch.angle gives 0)."""
    return torch.atan2(torch.zeros_like(x), x)


def _py_int_div(a, b):
    return a // b if b else 0


def _py_int_mod(a, b):
    return a % b if b else 0


def _py_true_div(a, b):
    return a / b


# -- the table -------------------------------------------------------------------------

def _row(name, nin, numpy, torch_fn, rule=same, **kw) -> ScalarOp:
    return ScalarOp(name, nin, numpy, torch_fn, rule, **kw)


SCALAR_OPS: dict[str, ScalarOp] = {op.name: op for op in [
    # arithmetic (Python's operators on tensors are torch's add, sub, ..., and take numbers)
    _row("add", 2, np.add, operator.add, symbol="+", python=operator.add,
         commutative=True, associative=True, numbers_at=(0, 1)),
    _row("sub", 2, np.subtract, operator.sub, no_bool, symbol="-", python=operator.sub,
         numbers_at=(0, 1)),
    _row("mul", 2, np.multiply, operator.mul, symbol="*", python=operator.mul,
         commutative=True, associative=True, numbers_at=(0, 1)),
    _row("true_div", 2, np.true_divide, operator.truediv, to_float, symbol="/",
         python=_py_true_div, numbers_at=(0, 1)),
    # Integer division and modulo by zero give 0, as NumPy does (torch raises on CPU).
    _row("int_div", 2, np.floor_divide, {"int": _torch_int_div, "other": operator.floordiv},
         not_complex_bool_as_int8, symbol="//", python=_py_int_div, numbers_at=(0, 1)),
    _row("mod", 2, np.mod, {"int": _torch_int_mod, "other": operator.mod},
         not_complex_bool_as_int8, symbol="%", python=_py_int_mod, numbers_at=(0, 1)),
    # Integers to negative integer powers truncate toward zero (NumPy raises; torch does this).
    _row("pow", 2, _np_power, {"int": _torch_int_pow, "other": operator.pow}, bool_as_int8,
         symbol="**", numbers_at=(0, 1)),
    _row("neg", 1, np.negative, operator.neg, no_bool, symbol="-", python=operator.neg),
    _row("abs", 1, np.abs, {"bool": torch.clone, "other": torch.abs}, to_real, python=abs),
    _row("sgn", 1, np.sign, {"complex": torch.sgn, "other": torch.sign}, no_bool),
    _row("sqr", 1, np.square, torch.square, bool_as_int8),
    _row("maximum", 2, np.maximum, {"bool": torch.bitwise_or, "other": _torch_maximum},
         not_complex, python=max, commutative=True, associative=True),
    _row("minimum", 2, np.minimum, {"bool": torch.bitwise_and, "other": _torch_minimum},
         not_complex, python=min, commutative=True, associative=True),
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
    _row("arctan2", 2, np.arctan2, torch.atan2, real_float, numbers_at=()),
    _row("sinh", 1, np.sinh, torch.sinh, to_float),
    _row("cosh", 1, np.cosh, torch.cosh, to_float),
    _row("tanh", 1, np.tanh, torch.tanh, to_float),
    _row("arcsinh", 1, np.arcsinh, torch.asinh, to_float),
    _row("arccosh", 1, np.arccosh, torch.acosh, to_float),
    _row("arctanh", 1, np.arctanh, torch.atanh, to_float),
    # special functions
    _row("erf", 1, _vectorized(math.erf), torch.erf, real_float),
    _row("erfc", 1, _vectorized(math.erfc), torch.erfc, real_float),
    _row("erfinv", 1, _vectorized(_erfinv), _erfinv_torch, real_float),
    _row("gamma", 1, _vectorized(_gamma), _torch_gamma, real_float),
    _row("gammaln", 1, _vectorized(_gammaln), torch.lgamma, real_float),
    _row("psi", 1, _vectorized(_digamma), torch.digamma, real_float),
    _row("sigmoid", 1, _np_sigmoid, torch.sigmoid, real_float),
    _row("softplus", 1, _np_softplus, _torch_softplus, real_float),
    # rounding (float functions: Theano's rule, where NumPy 2 keeps integers as they are)
    _row("floor", 1, np.floor, torch.floor, real_float),
    _row("ceil", 1, np.ceil, torch.ceil, real_float),
    _row("trunc", 1, np.trunc, torch.trunc, real_float),
    _row("round_half_to_even", 1, np.round, torch.round, real_float),
    # comparisons and logic
    _row("eq", 2, np.equal, operator.eq, to_bool, symbol="==", python=operator.eq,
         commutative=True),
    _row("neq", 2, np.not_equal, operator.ne, to_bool, symbol="!=", python=operator.ne,
         commutative=True),
    _row("lt", 2, np.less, operator.lt, ordering, symbol="<", python=operator.lt,
         numbers_at=(0, 1)),
    _row("gt", 2, np.greater, operator.gt, ordering, symbol=">", python=operator.gt,
         numbers_at=(0, 1)),
    _row("le", 2, np.less_equal, operator.le, ordering, symbol="<=", python=operator.le,
         numbers_at=(0, 1)),
    _row("ge", 2, np.greater_equal, operator.ge, ordering, symbol=">=", python=operator.ge,
         numbers_at=(0, 1)),
    _row("and_", 2, np.bitwise_and, torch.bitwise_and, discrete_only, symbol="&",
         commutative=True, associative=True),
    _row("or_", 2, np.bitwise_or, torch.bitwise_or, discrete_only, symbol="|",
         commutative=True, associative=True),
    _row("xor", 2, np.bitwise_xor, torch.bitwise_xor, discrete_only, symbol="^",
         commutative=True, associative=True),
    _row("invert", 1, _np_invert, {"bool": torch.logical_not, "other": torch.bitwise_not},
         discrete_only, symbol="~"),
    _row("isnan", 1, np.isnan, torch.isnan, to_bool),
    _row("isinf", 1, np.isinf, torch.isinf, to_bool),
    _row("isfinite", 1, np.isfinite, torch.isfinite, to_bool),
    # complex numbers (torch.real and torch.imag are views; real/conj of a real tensor is itself)
    _row("real", 1, np.real, torch.real, to_real, may_alias=True),
    _row("imag", 1, np.imag, {"complex": torch.imag, "other": torch.zeros_like}, to_real,
         may_alias=True),
    _row("angle", 1, np.angle, {"complex": torch.angle, "other": _torch_real_angle},
         to_real_float),
    _row("conj", 1, np.conj, torch.conj_physical, bool_as_int8, may_alias=True),
    # selection
    _row("switch", 3, np.where, torch.where, condition_first, numbers_at=(1, 2)),
    _row("clip", 3, _np_clip, {"bool": _torch_bool_clip, "other": _torch_clip}, not_complex,
         numbers_at=(1, 2)),
    _row("identity", 1, np.copy, torch.clone),
]}

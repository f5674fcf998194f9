"""Elementwise math under Theano's names: add, exp, switch, cast, ...

Thin functions over `Elemwise` and the scalar table, plus the few that are
graphs of others (`isclose`, `round` modes) and the casts. Reductions, linear
algebra and shape operations live in their own modules.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch

from . import scalar as ts
from .basic import as_tensor_variable
from .elemwise import Elemwise, elemwise_op
from .type import complex_dtypes, dtype_name, numpy_dtype, torch_dtype
from .variable import TensorVariable


def _elementwise(name: str):
    def apply(*inputs: Any) -> TensorVariable:
        return elemwise_op(name)(*inputs)

    row = ts.SCALAR_OPS[name]
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = (f"Elementwise {name}({', '.join('abc'[:row.nin])}), with NumPy broadcasting "
                     f"(NumPy: {getattr(row.numpy, '__name__', name)}).")
    return apply


# One module-level function per row of the scalar table: T.add, T.exp, T.arctan2, ...
_ROW_FUNCTIONS = {name: _elementwise(name) for name in ts.SCALAR_OPS}
globals().update(_ROW_FUNCTIONS)

# Theano's, Aesara's and NumPy's other spellings of the same functions.
_ALIASES = {
    "abs_": "abs", "sign": "sgn", "floor_div": "int_div", "floor_divide": "int_div",
    "true_divide": "true_div", "subtract": "sub", "multiply": "mul", "negative": "neg",
    "where": "switch", "inv": "reciprocal", "power": "pow", "square": "sqr",
    "bitwise_and": "and_", "bitwise_or": "or_", "bitwise_xor": "xor", "bitwise_not": "invert",
    "digamma": "psi", "lgamma": "gammaln", "conjugate": "conj", "expit": "sigmoid",
}
globals().update({alias: _ROW_FUNCTIONS[name] for alias, name in _ALIASES.items()})
# The ones this module's own graphs use, bound by name.
(add, sub, mul, eq, le, and_, or_, isnan, isfinite, abs_, sgn, trunc, switch,
 round_half_to_even) = (_ROW_FUNCTIONS[name] for name in (
    "add", "sub", "mul", "eq", "le", "and_", "or_", "isnan", "isfinite", "abs", "sgn", "trunc",
    "switch", "round_half_to_even"))


def round(x: Any, mode: str | None = None) -> TensorVariable:  # noqa: A001
    """Round to the nearest integer; ties go to even ('half_to_even', the default, as
    NumPy's and torch's) or away from zero ('half_away_from_zero'). Integers give
    floats (Theano's rule for float functions)."""
    if mode in (None, "half_to_even"):
        return round_half_to_even(x)
    if mode == "half_away_from_zero":
        return round_half_away_from_zero(x)
    raise ValueError(f"round: unknown mode {mode!r}; expected 'half_to_even' or "
                     f"'half_away_from_zero'")


def round_half_away_from_zero(x: Any) -> TensorVariable:
    """Round to the nearest integer, ties away from zero (C's round): the even rounding,
    except where x is exactly halfway, which x - trunc(x) tells exactly."""
    x = as_tensor_variable(x)
    whole = trunc(x)
    tie = eq(abs_(sub(x, whole)), 0.5)
    return switch(tie, add(whole, sgn(x)), round_half_to_even(x))


def clip(x: Any, min: Any, max: Any) -> TensorVariable:  # noqa: A002
    """minimum(maximum(x, min), max), elementwise (where min > max, the result is max)."""
    return elemwise_op("clip")(x, min, max)


def isclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8,
            equal_nan: bool = False) -> TensorVariable:
    """|a - b| <= atol + rtol * |b| for finite b, or a == b, elementwise, as numpy.isclose:
    computed in the inputs' float dtype; NaNs are close to each other only with equal_nan."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    dtype = ts.common_dtype([a.dtype, b.dtype, "float64"], [False, False, True])
    a, b = cast(a, dtype), cast(b, dtype)
    close = and_(le(abs_(sub(a, b)), add(atol, mul(rtol, abs_(b)))), isfinite(b))
    close = or_(close, eq(a, b))  # equal infinities
    if equal_nan:
        close = or_(close, and_(isnan(a), isnan(b)))
    return close


def allclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: bool = False) -> TensorVariable:
    """All elements of a and b are close (see isclose): a bool scalar."""
    from .reduction import all as all_
    return all_(isclose(a, b, rtol, atol, equal_nan))


# -- casting ------------------------------------------------------------------------


@functools.cache
def cast_scalar_op(dtype: str) -> ts.ScalarOp:
    """The scalar op converting to `dtype` (printed `Cast{float32}`), as NumPy's astype:
    floats to integers truncate toward zero (out-of-range values and NaN give undefined
    results, in NumPy as in torch); complex to bool is `x != 0`; complex to a real dtype
    keeps the real part (without NumPy's ComplexWarning)."""
    target = torch_dtype(dtype)
    np_target = numpy_dtype(dtype)
    to_complex = dtype in complex_dtypes

    def rule(dtypes, weak):
        return [dtypes[0]], dtype

    def to_numpy(x):
        x = np.asarray(x)
        if x.dtype.kind == "c" and not to_complex:
            x = x != 0 if dtype == "bool" else x.real
        return x.astype(np_target)

    def from_complex(x):
        if dtype == "bool":
            return x != 0
        return x.to(target) if to_complex else torch.real(x).to(target)

    def convert(x):
        return x.to(target)

    return ts.ScalarOp(f"Cast{{{dtype}}}", 1, to_numpy, {"complex": from_complex, "other": convert},
                       rule, python=_python_cast(dtype), may_alias=True)


def _python_cast(dtype: str):
    if dtype == "bool":
        return bool
    if dtype in ("int8", "int16", "int32", "int64", "uint8"):
        return int
    if dtype in complex_dtypes:
        return complex
    return float


def cast(x: Any, dtype: Any) -> TensorVariable:
    """`x` converted to `dtype` (`x` itself when it already has it). `dtype` is a name
    ('float32', 'floatX'), a NumPy or a torch dtype."""
    x = as_tensor_variable(x)
    dtype = dtype_name(dtype)
    if x.dtype == dtype:
        return x
    return Elemwise(cast_scalar_op(dtype))(x)


def _cast_to(dtype: str):
    def convert(x: Any) -> TensorVariable:
        return cast(x, dtype)

    convert.__name__ = convert.__qualname__ = f"convert_to_{dtype}"
    convert.__doc__ = f"`x` converted to {dtype} (Theano's T.convert_to_{dtype})."
    return convert


_CASTS = {f"convert_to_{dt}": _cast_to(dt) for dt in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64",
    "complex64", "complex128")}
globals().update(_CASTS)

__all__ = sorted({*_ROW_FUNCTIONS, *_ALIASES, *_CASTS, "round", "round_half_away_from_zero",
                  "clip", "isclose", "allclose", "cast", "cast_scalar_op"})

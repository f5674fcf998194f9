"""Elementwise math under Theano's names: add, exp, switch, cast, ...

Thin functions over `Elemwise` and the scalar table, plus the few that are
graphs of others (`isclose`, `round` modes). Reductions, linear algebra and
shape operations live in their own modules.
"""

from __future__ import annotations

import functools
from typing import Any

import torch

from . import scalar as ts
from .basic import as_tensor_variable
from .elemwise import Elemwise, elemwise_op
from .type import dtype_name, torch_dtype
from .variable import TensorVariable


def _elementwise(name: str, doc: str | None = None):
    def apply(*inputs: Any) -> TensorVariable:
        return elemwise_op(name)(*inputs)

    apply.__name__ = name
    apply.__doc__ = doc or f"Elementwise {name} (with NumPy broadcasting)."
    return apply


# One module-level function per row of the scalar table: T.add, T.exp, T.arctan2, ...
for _name in ts.SCALAR_OPS:
    globals()[_name] = _elementwise(_name)

# Theano's and NumPy's other spellings of the same functions.
abs_ = globals()["abs"]
sgn = sign = globals()["sgn"]
floor_div = int_div = globals()["int_div"]
true_divide = true_div = globals()["true_div"]
sub = subtract = globals()["sub"]
mul = multiply = globals()["mul"]
where = switch = globals()["switch"]
inv = reciprocal = globals()["reciprocal"]
round_half_to_even = globals()["round_half_to_even"]
power = globals()["pow"]
bitwise_and, bitwise_or, bitwise_xor, bitwise_not = and_, or_, xor, invert  # noqa: F821
logical_not = invert  # noqa: F821
arcsin, arccos, arctan = globals()["arcsin"], globals()["arccos"], globals()["arctan"]


def round(x: Any, mode: str | None = None) -> TensorVariable:  # noqa: A001
    """Round to the nearest integer; ties go to even ('half_to_even', NumPy's
    and torch's rule) or away from zero ('half_away_from_zero')."""
    if mode in (None, "half_to_even"):
        return round_half_to_even(x)
    if mode == "half_away_from_zero":
        x = as_tensor_variable(x)
        return sgn(x) * globals()["floor"](abs_(x) + 0.5)
    raise ValueError(f"round: unknown mode {mode!r}")


def clip(x: Any, min: Any, max: Any) -> TensorVariable:  # noqa: A002
    return globals()["clip_"](x, min, max)


clip_ = _elementwise("clip")


def isclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """|a - b| <= atol + rtol * |b|, elementwise, as numpy.isclose (infinities equal themselves)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    close = le(abs_(a - b), atol + rtol * abs_(b))  # noqa: F821
    close = or_(close, eq(a, b))  # noqa: F821  # equal infinities
    if equal_nan:
        close = or_(close, and_(isnan(a), isnan(b)))  # noqa: F821
    return close


def allclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    from .reduction import all as all_
    return all_(isclose(a, b, rtol, atol, equal_nan))


# -- casting ------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def cast_scalar_op(dtype: str) -> ts.ScalarOp:
    """The scalar op converting to `dtype` (printed `Cast{float32}`)."""
    target_torch = torch_dtype(dtype)

    def rule(dtypes, weak):
        return [dtypes[0]], dtype

    def to_numpy(x):
        import numpy as np
        from .type import numpy_dtype
        return np.asarray(x).astype(numpy_dtype(dtype))

    def to_torch(x):
        return x.to(target_torch)

    return ts.ScalarOp(f"Cast{{{dtype}}}", 1, to_numpy, to_torch, rule, python=_python_cast(dtype))


def _python_cast(dtype: str):
    if dtype == "bool":
        return bool
    if dtype in ("int8", "int16", "int32", "int64", "uint8"):
        return int
    if dtype in ("complex64", "complex128"):
        return complex
    return float


def cast(x: Any, dtype: Any) -> TensorVariable:
    """`x` converted to `dtype` (a no-op when it already has it)."""
    x = as_tensor_variable(x)
    dtype = dtype_name(dtype)
    if x.dtype == dtype:
        return x
    return Elemwise(cast_scalar_op(dtype))(x)


def _cast_to(dtype: str):
    def convert(x: Any) -> TensorVariable:
        return cast(x, dtype)

    convert.__name__ = f"cast_to_{dtype}"
    return convert


for _dt in ("int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64",
            "complex64", "complex128"):
    globals()[f"convert_to_{_dt}"] = _cast_to(_dt)

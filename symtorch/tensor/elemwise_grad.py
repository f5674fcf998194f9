"""Derivatives of the elementwise functions: one row per scalar op.

A row gives the partial derivatives of z = f(x1, x2, ...) with respect to
each input, as graphs of the inputs and the output; `Elemwise.L_op`
multiplies them by the output gradient (and sums over broadcast dimensions),
`Elemwise.R_op` sums them times the tangents. So one table serves reverse
and forward mode. An entry is a graph, the number 1 or -1 (the gradient
passes through, negated or not), or None (no gradient: integer outputs,
comparisons, rounding, which are constant almost everywhere).

At points where a derivative does not exist we follow torch: abs'(0) = 0;
maximum/minimum split the gradient evenly between tied inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from . import math as tm
from .variable import TensorVariable

Partial = TensorVariable | int | None
PartialsRule = Callable[..., list[Partial]]


def _half_on_ties(first_wins, tie, dtype):
    return tm.cast(first_wins, dtype) + tm.cast(tie, dtype) * 0.5


def _maximum(x, y, z):
    return [_half_on_ties(tm.gt(x, y), tm.eq(x, y), z.dtype),
            _half_on_ties(tm.lt(x, y), tm.eq(x, y), z.dtype)]


def _minimum(x, y, z):
    return [_half_on_ties(tm.lt(x, y), tm.eq(x, y), z.dtype),
            _half_on_ties(tm.gt(x, y), tm.eq(x, y), z.dtype)]


def _pow(x, y, z):
    # d/dy x**y = log(x) * z is only defined for x > 0; use 0 where z == 0 (x == 0).
    dy = tm.switch(tm.gt(x, 0), tm.log(tm.switch(tm.gt(x, 0), x, 1)) * z, 0)
    return [y * x ** (y - 1), dy]


def _clip(x, lo, hi, z):
    inside = tm.and_(tm.ge(x, lo), tm.le(x, hi))
    return [tm.cast(inside, z.dtype), tm.cast(tm.lt(x, lo), z.dtype),
            tm.cast(tm.gt(x, hi), z.dtype)]


def _switch(c, a, b, z):
    return [None, tm.cast(c, z.dtype), tm.cast(tm.invert(tm.cast(c, "bool")), z.dtype)]


def _arctan2(y, x, z):
    r2 = x * x + y * y
    return [x / r2, -y / r2]


_SQRT_PI = math.sqrt(math.pi)

PARTIALS: dict[str, PartialsRule] = {
    # arithmetic
    "add": lambda x, y, z: [1, 1],
    "sub": lambda x, y, z: [1, -1],
    "mul": lambda x, y, z: [y, x],
    "true_div": lambda x, y, z: [1 / y, -z / y],
    "int_div": lambda x, y, z: [None, None],
    "mod": lambda x, y, z: [1, -tm.floor(x / y)],
    "pow": _pow,
    "neg": lambda x, z: [-1],
    "abs": lambda x, z: [tm.sgn(x)],
    "sgn": lambda x, z: [None],
    "sqr": lambda x, z: [2 * x],
    "maximum": _maximum,
    "minimum": _minimum,
    "reciprocal": lambda x, z: [-z * z],
    # exponentials and logarithms
    "exp": lambda x, z: [z],
    "exp2": lambda x, z: [z * math.log(2)],
    "expm1": lambda x, z: [z + 1],
    "log": lambda x, z: [1 / x],
    "log2": lambda x, z: [1 / (x * math.log(2))],
    "log10": lambda x, z: [1 / (x * math.log(10))],
    "log1p": lambda x, z: [1 / (x + 1)],
    "sqrt": lambda x, z: [0.5 / z],
    # trigonometry
    "sin": lambda x, z: [tm.cos(x)],
    "cos": lambda x, z: [-tm.sin(x)],
    "tan": lambda x, z: [1 + z * z],
    "arcsin": lambda x, z: [1 / tm.sqrt(1 - x * x)],
    "arccos": lambda x, z: [-1 / tm.sqrt(1 - x * x)],
    "arctan": lambda x, z: [1 / (1 + x * x)],
    "arctan2": _arctan2,
    "sinh": lambda x, z: [tm.cosh(x)],
    "cosh": lambda x, z: [tm.sinh(x)],
    "tanh": lambda x, z: [1 - z * z],
    "arcsinh": lambda x, z: [1 / tm.sqrt(x * x + 1)],
    "arccosh": lambda x, z: [1 / tm.sqrt(x * x - 1)],
    "arctanh": lambda x, z: [1 / (1 - x * x)],
    # special functions
    "erf": lambda x, z: [(2 / _SQRT_PI) * tm.exp(-x * x)],
    "erfc": lambda x, z: [(-2 / _SQRT_PI) * tm.exp(-x * x)],
    "erfinv": lambda x, z: [(_SQRT_PI / 2) * tm.exp(z * z)],
    "gamma": lambda x, z: [z * tm.psi(x)],
    "gammaln": lambda x, z: [tm.psi(x)],
    "sigmoid": lambda x, z: [z * (1 - z)],
    "softplus": lambda x, z: [tm.sigmoid(x)],
    # piecewise constant: zero gradient almost everywhere
    "floor": lambda x, z: [None],
    "ceil": lambda x, z: [None],
    "trunc": lambda x, z: [None],
    "round_half_to_even": lambda x, z: [None],
    # selection
    "switch": _switch,
    "clip": _clip,
    "identity": lambda x, z: [1],
}

# Rows whose outputs are booleans or integers of integer inputs have no gradient at all.
NO_GRADIENT = frozenset({"eq", "neq", "lt", "gt", "le", "ge", "and_", "or_", "xor", "invert",
                         "isnan", "isinf"})

"""Hypothesis strategies: values for a TensorType, and random well-typed graphs.

    from symtorch.testing.strategies import values_for, expression_graphs

    @given(expression_graphs())
    def test_something(graph): inputs, output, values = graph ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import tensor as T
from ..graph.basic import Variable
from ..tensor.type import TensorType


def shapes_for(type_: TensorType, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Concrete shapes a value of `type_` may have (static lengths respected)."""
    sides = [st.just(s) if s is not None else st.integers(min_side, max_side) for s in type_.shape]
    return st.tuples(*sides)


def values_for(type_: TensorType, shape: Sequence[int] | None = None, *,
               min_value: float = -10, max_value: float = 10) -> st.SearchStrategy:
    """NumPy arrays of `type_`'s dtype (finite values in a moderate range)."""
    dtype = type_.numpy_dtype
    if dtype == np.bool_:
        elements = st.booleans()
    elif np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        elements = st.integers(max(int(min_value), int(info.min)), min(int(max_value), int(info.max)))
    elif np.issubdtype(dtype, np.complexfloating):
        part = st.floats(min_value, max_value, width=32 if dtype == np.complex64 else 64)
        elements = st.builds(complex, part, part)
    else:
        width = {np.dtype("float16"): 16, np.dtype("float32"): 32}.get(np.dtype(dtype), 64)
        elements = st.floats(min_value, max_value, width=width, allow_nan=False,
                             allow_infinity=False)
    shapes = st.just(tuple(shape)) if shape is not None else shapes_for(type_)
    return shapes.flatmap(lambda s: hnp.arrays(dtype, s, elements=elements))


# Elementwise functions that are total on moderate finite inputs.
UNARY = ("neg", "exp", "tanh", "sin", "cos", "sqr", "abs", "sigmoid", "softplus", "arctan")
BINARY = ("add", "sub", "mul", "maximum", "minimum")


@dataclass
class RandomGraph:
    inputs: list[Variable]
    output: Variable
    values: list[np.ndarray]

    def __repr__(self) -> str:
        from ..printing import pp
        return f"RandomGraph({pp(self.output)}; shapes {[v.shape for v in self.values]})"


@st.composite
def expression_graphs(draw, n_inputs: int = 2, max_ops: int = 8, dtype: str = "float64",
                      ndim: int = 2) -> RandomGraph:
    """A random elementwise expression over `n_inputs` inputs of `ndim` dims (some
    inputs broadcastable), with values for them. Reductions and reshapes join in
    when those ops exist."""
    shape = draw(st.tuples(*[st.integers(1, 4)] * ndim))
    inputs, values = [], []
    for i in range(n_inputs):
        bcast = draw(st.tuples(*[st.booleans()] * ndim)) if i else (False,) * ndim
        type_ = TensorType(dtype, tuple(1 if b else None for b in bcast))
        inputs.append(type_(f"x{i}"))
        values.append(draw(values_for(type_, [1 if b else s for b, s in zip(bcast, shape)],
                                      min_value=-3, max_value=3)))
    pool: list[Variable] = list(inputs)
    for _ in range(draw(st.integers(1, max_ops))):
        if draw(st.booleans()):
            fn = getattr(T, draw(st.sampled_from(UNARY)))
            pool.append(fn(draw(st.sampled_from(pool))))
        else:
            fn = getattr(T, draw(st.sampled_from(BINARY)))
            pool.append(fn(draw(st.sampled_from(pool)), draw(st.sampled_from(pool))))
    output = pool[-1]
    if hasattr(T, "sum") and draw(st.booleans()):
        output = T.sum(output, axis=draw(st.sampled_from([None, 0, ndim - 1])))
    return RandomGraph(inputs, output, values)

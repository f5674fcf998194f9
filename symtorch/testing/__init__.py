"""Helpers for testing symtorch code and code written with symtorch.

`assert_allclose` with tolerances that follow the dtype, `check_function`
(compile in a mode, compare with a NumPy reference, dtype included),
`check_infer_shape`, `reference_eval` (run a graph with each op's NumPy
`perform`), and Hypothesis strategies in `symtorch.testing.strategies`.
Imports the public API only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ..compile import function
from ..graph.basic import Constant, Variable
from ..graph.traversal import io_toposort

# The modes tests run in. FAST_RUN_TORCH has every rewrite of FAST_RUN but runs the program
# as plain torch, since an Inductor compile costs seconds; SYMTORCH_TEST_FAST_RUN=inductor
# makes the suite use real FAST_RUN (the full matrix, run before calling work done).
MODES = ("FAST_COMPILE",
         "FAST_RUN" if os.environ.get("SYMTORCH_TEST_FAST_RUN") == "inductor" else "FAST_RUN_TORCH")

_TOLERANCES = {  # (rtol, atol) per dtype of the result
    "float16": (5e-3, 5e-3), "bfloat16": (3e-2, 3e-2), "float32": (1e-5, 1e-6),
    "complex64": (1e-5, 1e-6), "float64": (1e-10, 1e-12), "complex128": (1e-10, 1e-12),
}


def tolerance(dtype: Any) -> tuple[float, float]:
    return _TOLERANCES.get(str(np.dtype(dtype)) if not isinstance(dtype, str) else dtype, (0, 0))


def to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return value.cpu().numpy()
    return np.asarray(value)


def assert_allclose(actual: Any, desired: Any, dtype: Any = None, rtol: float | None = None,
                    atol: float | None = None, check_dtype: bool = True) -> None:
    """Values equal within the tolerance of `dtype` (the result's, by default);
    with check_dtype, the dtypes must match too. NaNs compare equal."""
    actual, desired = to_numpy(actual), to_numpy(desired)
    if check_dtype and actual.dtype != desired.dtype:
        raise AssertionError(f"dtype differs: got {actual.dtype}, expected {desired.dtype}")
    r, a = tolerance(dtype or actual.dtype)
    np.testing.assert_allclose(actual, desired, rtol=r if rtol is None else rtol,
                               atol=a if atol is None else atol, equal_nan=True)


def check_function(inputs: Sequence[Variable], outputs: Variable | Sequence[Variable],
                   values: Sequence[Any], expected: Any, mode: str = "FAST_COMPILE",
                   **kwargs: Any) -> None:
    """Compile `inputs -> outputs` in `mode`, call it on `values`, compare with `expected`."""
    f = function(list(inputs), outputs, mode=mode, **kwargs)
    got = f(*values)
    if isinstance(outputs, (list, tuple)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_allclose(g, e)
    else:
        assert_allclose(got, expected)


def check_infer_shape(inputs: Sequence[Variable], outputs: Sequence[Variable],
                      values: Sequence[Any], mode: str = "FAST_COMPILE") -> None:
    """Each output's shape from `infer_shape` (as a graph) equals its real shape."""
    from ..tensor.shape import inferred_shape, stack_shape
    outputs = list(outputs)
    real = function(list(inputs), outputs, mode=mode, on_unused_input="ignore")(*values)
    shapes = [stack_shape(inferred_shape(o)) for o in outputs]
    inferred = function(list(inputs), shapes, mode=mode, on_unused_input="ignore")(*values)
    for out, r, s in zip(outputs, real, inferred):
        assert tuple(np.asarray(s).tolist()) == np.shape(r), \
            f"infer_shape of {out}: {tuple(np.asarray(s).tolist())} but the real shape is {np.shape(r)}"
        for dim, static in enumerate(out.type.shape):
            assert static is None or static == np.shape(r)[dim], \
                f"static shape of {out} is {out.type.shape} but the real shape is {np.shape(r)}"


def reference_eval(outputs: Sequence[Variable], givens: Mapping[Variable, Any]) -> list[np.ndarray]:
    """Evaluate `outputs` with each op's NumPy `perform` (no torch): the reference."""
    values: dict[Variable, Any] = {k: np.asarray(to_numpy(v)) for k, v in givens.items()}
    for node in io_toposort(list(givens), outputs):
        args = []
        for v in node.inputs:
            if v not in values:
                if isinstance(v, Constant):
                    values[v] = v.data
                elif hasattr(v, "get_value"):
                    values[v] = v.get_value()
                else:
                    raise KeyError(f"reference_eval: no value for {v.describe()}")
            args.append(values[v])
        for out, value in zip(node.outputs, node.op.perform(node, args)):
            values[out] = np.asarray(value)
    result = []
    for o in outputs:
        if o not in values:
            values[o] = o.data if isinstance(o, Constant) else np.asarray(o.get_value())
        result.append(values[o])
    return result


def random_value(type_: Any, shape: Sequence[int] | None = None, rng: np.random.Generator | None = None,
                 low: float = -3.0, high: float = 3.0) -> np.ndarray:
    """A random array for `type_` (a TensorType) with the given concrete shape."""
    rng = rng or np.random.default_rng(0)
    shape = tuple(shape if shape is not None else [s if s is not None else 3 for s in type_.shape])
    dtype = type_.numpy_dtype
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if np.issubdtype(dtype, np.integer):
        lo = 0 if np.issubdtype(dtype, np.unsignedinteger) else int(low)
        return rng.integers(lo, max(int(high), lo + 1), size=shape, endpoint=True).astype(dtype)
    if np.issubdtype(dtype, np.complexfloating):
        return (rng.uniform(low, high, shape) + 1j * rng.uniform(low, high, shape)).astype(dtype)
    return rng.uniform(low, high, shape).astype(dtype)


def numpy_dtype_of(fn: Callable, *arrays: np.ndarray) -> np.dtype:
    return np.asarray(fn(*arrays)).dtype


def verify_rop(fun: Callable[..., Variable], pt: Sequence[Any], mode: str = "FAST_COMPILE",
               eps: float | None = None, rtol: float | None = None, atol: float | None = None,
               rng: np.random.Generator | None = None) -> None:
    """Check `Rop(fun(x...), x..., v...)` against the central finite difference
    (fun(x + eps v) - fun(x - eps v)) / 2 eps along a random direction v."""
    from ..gradient import Rop
    from ..tensor.type import TensorType
    rng = rng or np.random.default_rng(7)
    values = [np.array(p, copy=True) for p in pt]
    inputs = [TensorType(str(v.dtype), (None,) * v.ndim)(f"x{i}") for i, v in enumerate(values)]
    points = [TensorType(str(v.dtype), (None,) * v.ndim)(f"v{i}") for i, v in enumerate(values)]
    output = fun(*inputs)
    jvp = Rop(output, inputs, points)
    f = function(inputs, output, mode=mode, on_unused_input="ignore")
    f_jvp = function(inputs + points, jvp, mode=mode, on_unused_input="ignore")
    directions = [rng.standard_normal(v.shape).astype(v.dtype) for v in values]
    dtype = str(np.asarray(f(*values)).dtype)
    eps = eps if eps is not None else {"float32": 1e-3, "float16": 1e-2}.get(dtype, 1e-6)
    plus = f(*[v + eps * d for v, d in zip(values, directions)])
    minus = f(*[v - eps * d for v, d in zip(values, directions)])
    numeric = (np.asarray(plus, dtype=np.float64) - np.asarray(minus, dtype=np.float64)) / (2 * eps)
    got = np.asarray(f_jvp(*values, *directions), dtype=np.float64)
    default = {"float32": 1e-2, "float16": 1e-1}.get(dtype, 1e-5)
    np.testing.assert_allclose(got, numeric, rtol=rtol or default, atol=atol or default,
                               err_msg="R_op disagrees with the finite-difference directional "
                                       "derivative")

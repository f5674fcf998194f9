"""Turning Python values into tensor variables: as_tensor_variable, constant.

The entry point of every op's `make_node`. A Python number becomes a *weak*
constant (its dtype gives way to the other operand's, as in NumPy 2); NumPy
arrays and torch tensors keep their dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..graph.basic import Variable
from .type import TensorType, dtype_name
from .variable import TensorConstant, TensorVariable


def constant(value: Any, name: str | None = None, ndim: int | None = None,
             dtype: Any = None) -> TensorConstant:
    """A TensorConstant holding `value` (printed `TensorConstant{2}`)."""
    weak = dtype is None and isinstance(value, (bool, int, float, complex, np.bool_)) \
        and not isinstance(value, np.generic)
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if weak:
        try:
            arr = np.asarray(value, dtype={bool: "bool", int: "int64", float: "float64",
                                           complex: "complex128"}[type(value)])
        except OverflowError:
            raise TypeError(f"the Python integer {value} does not fit in int64") from None
    else:
        try:
            arr = np.asarray(value) if dtype is None else np.asarray(value, dtype=_np_dtype(dtype))
        except (TypeError, ValueError) as err:
            raise TypeError(f"cannot make a tensor constant from {value!r}: {err}") from None
        if arr.dtype == object or arr.dtype.kind in "USV":
            raise TypeError(f"cannot make a tensor constant from {value!r}: not numeric")
    if ndim is not None:
        if arr.ndim > ndim:
            raise TypeError(f"constant {value!r} has {arr.ndim} dimensions, more than {ndim}")
        arr = arr.reshape((1,) * (ndim - arr.ndim) + arr.shape)
    type_ = TensorType(dtype_name(arr.dtype) if dtype is None else dtype_name(dtype), arr.shape)
    return TensorConstant(type_, arr, name=name, weak=weak)


def _np_dtype(dtype: Any) -> Any:
    name = dtype_name(dtype)
    return "float32" if name == "bfloat16" else name


def as_tensor_variable(x: Any, name: str | None = None, ndim: int | None = None) -> TensorVariable:
    """`x` as a tensor variable: variables pass through, values become constants."""
    if isinstance(x, TensorVariable):
        if ndim is not None and x.ndim != ndim:
            raise TypeError(f"{x.describe()} has {x.ndim} dimensions; {ndim} expected")
        return x
    if isinstance(x, Variable):
        raise TypeError(f"{x.describe()} of type {x.type} is not a tensor")
    if isinstance(x, (list, tuple)) and any(isinstance(v, Variable) for v in _flatten(x)):
        from .join import stack
        return stack([as_tensor_variable(v) for v in x])
    return constant(x, name=name, ndim=ndim)


def _flatten(x):
    for v in x:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        else:
            yield v


as_tensor = as_tensor_variable


def get_scalar_constant_value(v: Any) -> Any:
    """The Python value of a scalar known at graph-building time, or raise
    NotScalarConstantError. Looks through broadcasts and casts of constants (and
    applies the casts: a -1 cast to uint8 is 255)."""
    if isinstance(v, (int, float, bool, np.number)):
        return v
    original = v
    while isinstance(v, Variable):
        if isinstance(v, TensorConstant):
            if v.data.size == 1:
                value = v.data.reshape(())
                if isinstance(original, TensorVariable) and original.dtype != v.dtype:
                    value = value.astype(original.type.numpy_dtype)
                return value.item()
            break
        owner = v.owner
        if owner is None or len(owner.inputs) != 1 or \
                type(owner.op).__name__ not in ("DimShuffle", "Elemwise"):
            break
        if type(owner.op).__name__ == "Elemwise" and \
                not str(owner.op.scalar_op).startswith(("Cast", "identity")):
            break
        v = owner.inputs[0]
    raise NotScalarConstantError(f"{v} is not a known scalar constant")


class NotScalarConstantError(ValueError):
    """The value is not a scalar known while the graph is built."""

"""TensorType: dtype plus static shape; the constructors `dscalar`, `fmatrix`, ...

Part of the tensor layer, on top of graph/. A TensorType knows its dtype and,
per dimension, a static length or None; `broadcastable` is derived from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..config import config
from ..graph.basic import Type

# name -> (torch dtype, NumPy dtype used for NumPy values of it)
DTYPES: dict[str, tuple[torch.dtype, np.dtype]] = {
    "bool": (torch.bool, np.dtype("bool")),
    "int8": (torch.int8, np.dtype("int8")),
    "int16": (torch.int16, np.dtype("int16")),
    "int32": (torch.int32, np.dtype("int32")),
    "int64": (torch.int64, np.dtype("int64")),
    "uint8": (torch.uint8, np.dtype("uint8")),
    "float16": (torch.float16, np.dtype("float16")),
    "bfloat16": (torch.bfloat16, np.dtype("float32")),  # NumPy has no bfloat16
    "float32": (torch.float32, np.dtype("float32")),
    "float64": (torch.float64, np.dtype("float64")),
    "complex64": (torch.complex64, np.dtype("complex64")),
    "complex128": (torch.complex128, np.dtype("complex128")),
}
TORCH_TO_NAME = {td: name for name, (td, _) in DTYPES.items()}

int_dtypes = ("int8", "int16", "int32", "int64", "uint8")
float_dtypes = ("float16", "bfloat16", "float32", "float64")
complex_dtypes = ("complex64", "complex128")
discrete_dtypes = ("bool",) + int_dtypes
continuous_dtypes = float_dtypes + complex_dtypes


def dtype_name(dtype: Any) -> str:
    """Normalize 'floatX', NumPy dtypes, torch dtypes and Python types to a dtype name."""
    if dtype is None or dtype == "floatX":
        return config.floatX
    if isinstance(dtype, torch.dtype):
        if dtype in TORCH_TO_NAME:
            return TORCH_TO_NAME[dtype]
    elif isinstance(dtype, str) and dtype in DTYPES:
        return dtype
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = None
        if name in DTYPES:
            return name
    raise TypeError(f"unsupported dtype {dtype!r}; expected one of {', '.join(DTYPES)}")


def torch_dtype(name: str) -> torch.dtype:
    return DTYPES[name][0]


def numpy_dtype(name: str) -> np.dtype:
    return DTYPES[name][1]


class TensorType(Type):
    """The type of an n-dimensional array: a dtype and a static shape.

    `shape` entries are ints (a known length) or None. `broadcastable` is
    derived: True where the length is known to be 1. Theano's spelling
    `TensorType(dtype, broadcastable=(False, True))` is accepted too.
    """

    def __init__(self, dtype: Any, shape: Sequence[int | bool | None] | None = None,
                 broadcastable: Sequence[bool] | None = None, name: str | None = None):
        self.dtype = dtype_name(dtype)
        if shape is not None and broadcastable is None and all(isinstance(s, bool) for s in shape) \
                and len(shape) > 0:
            shape, broadcastable = None, shape  # Theano's positional broadcastable pattern
        if broadcastable is not None:
            if shape is not None:
                raise TypeError("give TensorType either shape or broadcastable, not both")
            shape = tuple(1 if b else None for b in broadcastable)
        if shape is None:
            raise TypeError("TensorType needs a shape (use () for a scalar)")
        checked = []
        for s in shape:
            if s is not None and (not isinstance(s, (int, np.integer)) or isinstance(s, bool) or s < 0):
                raise TypeError(f"TensorType shape entries must be non-negative ints or None; got {shape!r}")
            checked.append(None if s is None else int(s))
        self.shape: tuple[int | None, ...] = tuple(checked)
        self.name = name

    # -- derived facts -------------------------------------------------------------

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def broadcastable(self) -> tuple[bool, ...]:
        return tuple(s == 1 for s in self.shape)

    @property
    def torch_dtype(self) -> torch.dtype:
        return DTYPES[self.dtype][0]

    @property
    def numpy_dtype(self) -> np.dtype:
        return DTYPES[self.dtype][1]

    def clone(self, dtype: Any = None, shape: Sequence[int | None] | None = None) -> TensorType:
        return TensorType(self.dtype if dtype is None else dtype,
                          self.shape if shape is None else shape)

    def accepts_variable_type(self, other: Type) -> bool:
        """True if a variable of type `other` may stand in for one of this type:
        same dtype and ndim, and every static length here is also known there."""
        return (isinstance(other, TensorType) and other.dtype == self.dtype
                and other.ndim == self.ndim
                and all(s is None or s == o for s, o in zip(self.shape, other.shape)))

    # -- values --------------------------------------------------------------------

    def filter(self, value: Any, strict: bool = False, allow_downcast: bool | None = None) -> np.ndarray:
        """Convert `value` to a NumPy array of this type, or raise TypeError.

        Used for constants and reference evaluation; compiled functions convert
        their arguments with `compile.arguments`, which follows the same rules.
        """
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy() if value.dtype != torch.bfloat16 \
                else value.detach().float().cpu().numpy()
        arr = np.asarray(value)
        target = self.numpy_dtype
        if arr.dtype != target:
            if strict:
                raise TypeError(f"expected a {self.dtype} array, got {arr.dtype}")
            if not allow_downcast and not np.can_cast(arr.dtype, target, "same_kind"):
                raise TypeError(f"cannot convert a {arr.dtype} value to {self.dtype} without "
                                f"losing precision")
            arr = arr.astype(target)
        if arr.ndim != self.ndim:
            raise TypeError(f"expected {self.ndim} dimensions, got {arr.ndim} (shape {arr.shape})")
        for i, (want, got) in enumerate(zip(self.shape, arr.shape)):
            if want is not None and want != got:
                raise TypeError(f"expected length {want} in dimension {i}, got shape {arr.shape}")
        return arr

    def make_variable(self, name: str | None = None):
        from .variable import TensorVariable
        return TensorVariable(self, name=name)

    def make_constant(self, value: Any, name: str | None = None):
        from .variable import TensorConstant
        return TensorConstant(self, value, name=name)

    # -- identity ------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        return type(other) is TensorType and other.dtype == self.dtype and other.shape == self.shape

    def __hash__(self) -> int:
        return hash((TensorType, self.dtype, self.shape))

    def kind_name(self) -> str:
        """'scalar', 'vector', 'matrix', 'row', 'col', or the shape as '(?, 3)'."""
        known = {(): "scalar", (None,): "vector", (None, None): "matrix", (1, None): "row",
                 (None, 1): "col"}
        if self.shape in known:
            return known[self.shape]
        if all(s is None for s in self.shape):
            return f"{self.ndim}D"
        return "(" + ", ".join("?" if s is None else str(s) for s in self.shape) + \
            ("," if self.ndim == 1 else "") + ")"

    def __str__(self) -> str:
        return self.name or f"TensorType({self.dtype}, {self.kind_name()})"

    __repr__ = __str__

    def describe_value(self) -> str:
        """'a float64 matrix (2 dims)': for error messages."""
        return f"a {self.dtype} {self.kind_name()} ({self.ndim} dims)"


# -- constructors ------------------------------------------------------------------

PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32",
            "d": "float64", "c": "complex64", "z": "complex128"}
KINDS = {"scalar": (), "vector": (None,), "matrix": (None, None), "row": (1, None),
         "col": (None, 1), "tensor3": (None,) * 3, "tensor4": (None,) * 4,
         "tensor5": (None,) * 5, "tensor6": (None,) * 6, "tensor7": (None,) * 7}
PLURALS = {"scalar": "scalars", "vector": "vectors", "matrix": "matrices", "row": "rows",
           "col": "cols", "tensor3": "tensor3s", "tensor4": "tensor4s", "tensor5": "tensor5s",
           "tensor6": "tensor6s", "tensor7": "tensor7s"}

# The predefined types are singletons: T.dscalar('x').type is T.dscalar.
predefined: dict[str, TensorType] = {
    prefix + kind: TensorType(dtype, shape)
    for prefix, dtype in PREFIXES.items() for kind, shape in KINDS.items()
}


def tensor(dtype: Any = None, shape: Sequence[int | None] | None = None, name: str | None = None,
           broadcastable: Sequence[bool] | None = None, ndim: int | None = None):
    """A new symbolic tensor: `tensor('float32', shape=(None, 3), name='x')`."""
    if isinstance(dtype, str) and name is None and dtype not in DTYPES and dtype != "floatX":
        # tensor('x', dtype=...) in Aesara's order is ambiguous; treat a non-dtype first
        # argument as a name only if it cannot be a dtype.
        name, dtype = dtype, None
    if shape is None and broadcastable is None:
        shape = (None,) * (ndim or 0)
    return TensorType(dtype, shape, broadcastable)(name)


def _kind_constructor(kind: str, fixed_dtype: str | None):
    shape = KINDS[kind]

    def make(name: str | None = None, dtype: Any = None, shape: Sequence[int | None] | None = None):
        dt = fixed_dtype or dtype_name(dtype)
        if shape is None:
            shape = KINDS[kind]
        elif len(shape) != len(KINDS[kind]):
            raise TypeError(f"{kind} has {len(KINDS[kind])} dimensions; shape {shape!r} has {len(shape)}")
        if fixed_dtype and (prefix_type := predefined.get(_prefix(fixed_dtype) + kind)) \
                and tuple(shape) == prefix_type.shape:
            return prefix_type(name)
        return TensorType(dt, shape)(name)

    make.__name__ = (_prefix(fixed_dtype) if fixed_dtype else "") + kind
    make.__doc__ = f"A symbolic {fixed_dtype or 'floatX'} {kind} of shape {shape}."
    return make


def _prefix(dtype: str) -> str:
    return {v: k for k, v in PREFIXES.items()}[dtype]


def _plural_constructor(single):
    def make(*names: str, dtype: Any = None):
        if len(names) == 1 and isinstance(names[0], int):  # Theano's dscalars(3)
            names = (None,) * names[0]
        if dtype is None:
            return [single(n) for n in names]
        return [single(n, dtype=dtype) for n in names]

    return make


constructors: dict[str, Any] = {}
for _kind in KINDS:
    constructors[_kind] = _kind_constructor(_kind, None)
    constructors[PLURALS[_kind]] = _plural_constructor(constructors[_kind])
    for _p, _dt in PREFIXES.items():
        constructors[_p + _kind] = predefined[_p + _kind]
        constructors[_p + PLURALS[_kind]] = _plural_constructor(_kind_constructor(_kind, _dt))

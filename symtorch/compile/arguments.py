"""Converting user values (numbers, lists, NumPy arrays, torch tensors) to tensors.

Used by compiled functions for their arguments and by shared variables for
their values. A value of the right dtype, device and rank passes without a
copy; a value that would lose precision is refused unless downcasting is
allowed; every error names the input it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..config import config
from ..tensor.type import TensorType, dtype_name

Converter = Callable[[Any], torch.Tensor]


def resolve_device(device: Any = None) -> torch.device:
    """'cpu', 'cuda', 'cuda:N', 'auto' or a torch.device; None means config.device."""
    device = config.device if device is None else device
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _is_python_data(value: Any) -> bool:
    return isinstance(value, (bool, int, float, complex, list, tuple))


def to_numpy_checked(value: Any, type_: TensorType, what: str, allow_downcast: bool | None,
                     strict: bool = False) -> np.ndarray:
    """`value` as a NumPy array of `type_`'s dtype, or a TypeError naming `what`."""
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.dtype == torch.bfloat16:
            value = value.float()
        value = value.cpu().numpy()
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{what} expects {type_.describe_value()}; got {type(value).__name__} "
                        f"that is not numeric ({err})") from None
    if arr.dtype == object or arr.dtype.kind in "USVMm":
        raise TypeError(f"{what} expects {type_.describe_value()}; got a non-numeric value "
                        f"{_short(value)}")
    target = type_.numpy_dtype
    if arr.dtype != target:
        if strict:
            raise TypeError(f"{what} expects dtype {type_.dtype} (strict); got {arr.dtype}")
        if not (allow_downcast or np.can_cast(arr.dtype, target, "safe")
                or _python_value_fits(value, arr, type_, allow_downcast)):
            raise TypeError(
                f"{what} expects {type_.describe_value()}; converting the given {arr.dtype} value "
                f"to {type_.dtype} could lose precision (pass allow_input_downcast=True, or cast "
                f"the value first)")
        arr = arr.astype(target)
    check_rank_and_shape(arr.shape, type_, what)
    return arr


def _python_value_fits(value: Any, arr: np.ndarray, type_: TensorType, allow_downcast) -> bool:
    """Python numbers and lists convert when the values survive: 3 into an int8 input,
    0.5 into a float32 input (Theano's rule for literals)."""
    if allow_downcast is False or not _is_python_data(value):
        return False
    kind_ok = {"b": "b", "i": "biu", "u": "biu", "f": "biuf", "c": "biufc"}
    if arr.dtype.kind not in kind_ok[np.dtype(type_.numpy_dtype).kind]:
        return False
    if arr.dtype.kind == "f" or arr.dtype.kind == "c":
        return True
    with np.errstate(all="ignore"):
        return bool(np.all(arr.astype(type_.numpy_dtype) == arr))


def check_rank_and_shape(shape: tuple, type_: TensorType, what: str) -> None:
    if len(shape) != type_.ndim:
        raise TypeError(f"{what} expects {type_.describe_value()}; got an array with "
                        f"{len(shape)} dims, shape {tuple(shape)}")
    for dim, (want, got) in enumerate(zip(type_.shape, shape)):
        if want is not None and want != got:
            raise TypeError(f"{what} expects length {want} in dimension {dim} (static shape "
                            f"{type_.kind_name()}); got shape {tuple(shape)}")


def to_tensor(value: Any, type_: TensorType, device: torch.device, what: str,
              allow_downcast: bool | None = None, strict: bool = False) -> torch.Tensor:
    """`value` as a contiguous tensor of `type_` on `device`; no copy when it already is
    one. (Compiled programs are specialized on their inputs' layout: contiguous.)"""
    if isinstance(value, torch.Tensor):
        if value.dtype == type_.torch_dtype:
            check_rank_and_shape(tuple(value.shape), type_, what)
            if value.requires_grad:
                value = value.detach()
            return (value if value.device == device else value.to(device)).contiguous()
        if value.is_floating_point() or value.is_complex() or value.dtype in _TORCH_NUMPYABLE:
            source = dtype_name(value.dtype)
            if strict:
                raise TypeError(f"{what} expects dtype {type_.dtype} (strict); got {source}")
            if not (allow_downcast or np.can_cast(np.dtype(_np_name(source)), type_.numpy_dtype, "safe")):
                raise TypeError(
                    f"{what} expects {type_.describe_value()}; converting the given {source} "
                    f"tensor to {type_.dtype} could lose precision (pass allow_input_downcast=True)")
            check_rank_and_shape(tuple(value.shape), type_, what)
            return value.detach().to(device=device, dtype=type_.torch_dtype).contiguous()
    arr = to_numpy_checked(value, type_, what, allow_downcast, strict)
    if type_.dtype == "bfloat16":
        return torch.as_tensor(arr, device=device).to(torch.bfloat16)
    tensor = torch.from_numpy(np.ascontiguousarray(arr)) if arr.ndim else torch.as_tensor(arr)
    return tensor.to(device) if tensor.device != device else tensor


_TORCH_NUMPYABLE = {torch.bool, torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8}


def _np_name(name: str) -> str:
    return "float32" if name == "bfloat16" else name


def make_converter(type_: TensorType, device: torch.device, what: str,
                   allow_downcast: bool | None, strict: bool) -> Converter:
    """A fast converter for one input: the common case (a tensor that already fits,
    or a Python number for a scalar) costs a few attribute checks."""
    torch_dtype, ndim, static = type_.torch_dtype, type_.ndim, type_.shape
    fixed = any(s is not None for s in static)
    np_dtype = type_.numpy_dtype
    scalar_kinds = _scalar_python_types(type_.dtype)
    low, high = _int_bounds(type_.dtype)

    def convert(value: Any) -> torch.Tensor:
        cls = type(value)
        if cls is torch.Tensor and value.dtype == torch_dtype and value.device == device \
                and value.dim() == ndim and not value.requires_grad and not fixed \
                and value.is_contiguous():
            return value
        if ndim == 0 and cls in scalar_kinds and (high is None or low <= value <= high):
            return torch.scalar_tensor(value, dtype=torch_dtype, device=device)
        if cls is np.ndarray and value.dtype == np_dtype and value.ndim == ndim and not fixed \
                and device.type == "cpu" and torch_dtype != torch.bfloat16:
            return torch.from_numpy(value) if value.flags.c_contiguous or ndim == 0 \
                else torch.from_numpy(np.ascontiguousarray(value))
        return to_tensor(value, type_, device, what, allow_downcast, strict)

    return convert


def _scalar_python_types(dtype: str) -> tuple[type, ...]:
    """Python number types that convert to `dtype` exactly (or as Theano accepted)."""
    if dtype == "bool":
        return (bool,)
    if dtype in ("int8", "int16", "int32", "int64", "uint8"):
        return (bool, int)
    if dtype.startswith(("float", "bfloat")):
        return (bool, int, float)
    if dtype.startswith("complex"):
        return (bool, int, float, complex)
    return (bool,)


def _int_bounds(dtype: str) -> tuple[int | None, int | None]:
    if dtype in ("int8", "int16", "int32", "int64", "uint8"):
        info = np.iinfo(dtype)
        return int(info.min), int(info.max)
    return None, None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."

"""Shared variables: symbolic variables with a persistent value on the device.

The value is one torch tensor that lives for the variable's whole life.
Compiled functions read it and write their updates into it in place, and
`set_value` copies into it, so its identity never changes: an exported
nn.Module, another function or the user's own torch code all see the same
storage. Part of compile/; imports tensor/ and graph/.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..graph.basic import Variable
from ..tensor.type import TensorType, dtype_name
from ..tensor.variable import TensorVariable
from .arguments import resolve_device, to_tensor


class SharedVariable(TensorVariable):
    """A tensor variable whose value is held here, on its device, across calls.

    `default_update`, when set, is the expression written into this variable by
    every function that uses it (unless the function has an explicit update for
    it or says `no_default_updates`).
    """

    __hash__ = Variable.__hash__

    def __init__(self, type_: TensorType, value: torch.Tensor, name: str | None = None,
                 strict: bool = False, allow_downcast: bool | None = None):
        super().__init__(type_, name=name)
        self.container = value
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.default_update: Variable | None = None

    @property
    def device(self) -> torch.device:
        return self.container.device

    def get_value(self, borrow: bool = False, return_internal_type: bool = False) -> Any:
        """The value as a NumPy array (a copy unless `borrow`), or with
        `return_internal_type` the torch tensor itself (no copy)."""
        if return_internal_type:
            return self.container
        return tensor_to_numpy(self.container, copy=not borrow)

    def set_value(self, value: Any, borrow: bool = False) -> None:
        """Write `value` into the held tensor (same tensor object afterwards).

        A value of another shape re-points the same tensor object at new storage,
        so the identity is kept then too.
        """
        new = to_tensor(value, self.type, self.container.device, f"set_value of {self.describe()}",
                        self.allow_downcast, self.strict)
        if new is self.container:
            return
        with torch.no_grad():
            if new.shape == self.container.shape:
                self.container.copy_(new)
            else:
                self.container.set_(new.clone() if not borrow else new.contiguous())

    def zero(self) -> None:
        with torch.no_grad():
            self.container.zero_()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["container"] = (tensor_to_numpy(self.container, copy=True),
                              str(self.container.device))
        return state

    def __setstate__(self, state: dict) -> None:
        array, device = state.pop("container")
        self.__dict__.update(state)
        device = torch.device(device)
        if device.type == "cuda" and not torch.cuda.is_available():
            device = torch.device("cpu")
        self.container = to_tensor(array, self.type, device, "unpickled shared value", True)
        if self.container.data_ptr() == 0 or not self.container.is_contiguous():
            self.container = self.container.contiguous()

    def __str__(self) -> str:
        return self.name if self.name is not None else f"<SharedVariable {self.type}>"


def tensor_to_numpy(tensor: torch.Tensor, copy: bool = True) -> np.ndarray:
    """A NumPy view (or copy) of a tensor; bfloat16 becomes float32."""
    t = tensor.detach()
    if t.dtype == torch.bfloat16:
        return t.float().cpu().numpy()
    if t.device.type != "cpu":
        return t.cpu().numpy()
    return t.numpy().copy() if copy else t.numpy()


def shared(value: Any, name: str | None = None, strict: bool = False,
           allow_downcast: bool | None = None, borrow: bool = False,
           shape: tuple | None = None, device: Any = None, broadcastable: tuple | None = None,
           dtype: Any = None) -> SharedVariable:
    """A shared variable holding `value` (a number, list, NumPy array or torch tensor).

    The dtype is the value's, as NumPy reads it (`shared(0)` is int64); a torch
    tensor passed with `borrow=True` on the right device is used as it is.
    Dimensions are not broadcastable unless `shape` (or `broadcastable`) says 1.
    """
    if isinstance(value, Variable):
        raise TypeError(f"shared() takes a value, not the symbolic variable {value.describe()}")
    target = resolve_device(device)
    if isinstance(value, torch.Tensor):
        dt = dtype_name(value.dtype if dtype is None else dtype)
        ndim = value.dim()
    else:
        try:
            arr = np.asarray(value, dtype=None if dtype is None else dtype_name(dtype)
                             .replace("bfloat16", "float32"))
        except (TypeError, ValueError) as err:
            raise TypeError(f"shared(): cannot hold {type(value).__name__} ({err})") from None
        if arr.dtype == object or arr.dtype.kind in "USVMm":
            raise TypeError(f"shared(): the value {value!r:.60} is not numeric")
        dt = dtype_name(arr.dtype) if dtype is None else dtype_name(dtype)
        ndim = arr.ndim
        value = arr
    if broadcastable is not None:
        shape = tuple(1 if b else None for b in broadcastable)
    type_ = TensorType(dt, shape if shape is not None else (None,) * ndim)
    tensor = to_tensor(value, type_, target, f"shared variable {name!r}" if name else "shared()",
                       allow_downcast=True)
    if isinstance(value, torch.Tensor) and tensor is value and not borrow:
        tensor = tensor.clone()
    elif isinstance(value, np.ndarray) and not borrow and tensor.device.type == "cpu":
        tensor = tensor.clone()  # from_numpy shares memory with the user's array
    return SharedVariable(type_, tensor.contiguous(), name=name, strict=strict,
                          allow_downcast=allow_downcast)

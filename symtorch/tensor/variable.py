"""TensorVariable and TensorConstant: Python operators and methods on tensors.

Every operator and method here only builds graph: it calls the function of
the same name in `symtorch.tensor` (looked up when called, since the op
modules themselves make TensorVariables).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph.basic import Constant, Variable


def _T():
    from .. import tensor
    return tensor


class TensorVariable(Variable):
    """A symbolic n-dimensional array."""

    __hash__ = Variable.__hash__

    # -- static facts from the type ----------------------------------------------------

    @property
    def ndim(self) -> int:
        return self.type.ndim

    @property
    def dtype(self) -> str:
        return self.type.dtype

    @property
    def broadcastable(self) -> tuple[bool, ...]:
        return self.type.broadcastable

    @property
    def shape(self):
        """The symbolic shape: an int64 vector variable (index it for one length)."""
        return _T().shape(self)

    @property
    def size(self):
        return _T().prod(self.shape)

    @property
    def T(self):
        return _T().transpose(self)

    # -- symbolic values are not Python values -----------------------------------------

    def __bool__(self) -> bool:
        raise TypeError(
            f"symbolic variable {self.describe()} has no truth value while the graph is being "
            f"built; use T.switch(cond, a, b) for elementwise choice or symtorch.ifelse for "
            f"a lazy branch")

    def __len__(self) -> int:
        raise TypeError(f"symbolic variable {self.describe()} has no len(); use "
                        f"{self.name or 'x'}.shape[0] for its symbolic length")

    def __iter__(self):
        raise TypeError(f"symbolic variable {self.describe()} cannot be iterated over while the "
                        f"graph is being built; index it (x[i]) or use symtorch.scan")

    def __index__(self):
        raise TypeError(f"symbolic variable {self.describe()} cannot be used as a Python index")

    # -- arithmetic ------------------------------------------------------------------

    def __add__(self, other): return _T().add(self, other)
    def __radd__(self, other): return _T().add(other, self)
    def __sub__(self, other): return _T().sub(self, other)
    def __rsub__(self, other): return _T().sub(other, self)
    def __mul__(self, other): return _T().mul(self, other)
    def __rmul__(self, other): return _T().mul(other, self)
    def __truediv__(self, other): return _T().true_div(self, other)
    def __rtruediv__(self, other): return _T().true_div(other, self)
    def __floordiv__(self, other): return _T().int_div(self, other)
    def __rfloordiv__(self, other): return _T().int_div(other, self)
    def __mod__(self, other): return _T().mod(self, other)
    def __rmod__(self, other): return _T().mod(other, self)
    def __pow__(self, other): return _T().pow(self, other)
    def __rpow__(self, other): return _T().pow(other, self)
    def __neg__(self): return _T().neg(self)
    def __pos__(self): return self
    def __abs__(self): return _T().abs(self)
    def __invert__(self): return _T().invert(self)
    def __and__(self, other): return _T().and_(self, other)
    def __rand__(self, other): return _T().and_(other, self)
    def __or__(self, other): return _T().or_(self, other)
    def __ror__(self, other): return _T().or_(other, self)
    def __xor__(self, other): return _T().xor(self, other)
    def __rxor__(self, other): return _T().xor(other, self)
    def __matmul__(self, other): return _T().matmul(self, other)
    def __rmatmul__(self, other): return _T().matmul(other, self)

    # Comparisons build graphs (bool tensors); == and != keep identity semantics, as
    # in Theano, so variables can be dict keys. Use T.eq / T.neq for elementwise tests.
    def __lt__(self, other): return _T().lt(self, other)
    def __le__(self, other): return _T().le(self, other)
    def __gt__(self, other): return _T().gt(self, other)
    def __ge__(self, other): return _T().ge(self, other)

    # -- indexing ----------------------------------------------------------------------

    def __getitem__(self, index):
        return _T().getitem(self, index)

    # -- methods, each the function of the same name -------------------------------------

    def dimshuffle(self, *pattern):
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = tuple(pattern[0])
        return _T().dimshuffle(self, pattern)

    def reshape(self, shape, ndim=None): return _T().reshape(self, shape, ndim=ndim)
    def flatten(self, ndim=1): return _T().flatten(self, ndim)
    def astype(self, dtype): return _T().cast(self, dtype)
    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = tuple(axes[0])
        return _T().transpose(self, axes or None)
    def squeeze(self, axis=None): return _T().squeeze(self, axis)
    def repeat(self, repeats, axis=None): return _T().repeat(self, repeats, axis)
    def clip(self, a_min, a_max): return _T().clip(self, a_min, a_max)
    def round(self, mode=None): return _T().round(self, mode)
    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _T().sum(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)
    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _T().prod(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)
    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _T().mean(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)
    def var(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _T().var(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)
    def std(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _T().std(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)
    def max(self, axis=None, keepdims=False): return _T().max(self, axis=axis, keepdims=keepdims)
    def min(self, axis=None, keepdims=False): return _T().min(self, axis=axis, keepdims=keepdims)
    def argmax(self, axis=None, keepdims=False):
        return _T().argmax(self, axis=axis, keepdims=keepdims)
    def argmin(self, axis=None, keepdims=False):
        return _T().argmin(self, axis=axis, keepdims=keepdims)
    def all(self, axis=None, keepdims=False): return _T().all(self, axis=axis, keepdims=keepdims)
    def any(self, axis=None, keepdims=False): return _T().any(self, axis=axis, keepdims=keepdims)
    def cumsum(self, axis=None): return _T().cumsum(self, axis)
    def cumprod(self, axis=None): return _T().cumprod(self, axis)
    def dot(self, other): return _T().dot(self, other)
    def sort(self, axis=-1, kind="quicksort", order=None): return _T().sort(self, axis, kind, order)
    def argsort(self, axis=-1, kind="quicksort", order=None):
        return _T().argsort(self, axis, kind, order)
    def nonzero(self, return_matrix=False): return _T().nonzero(self, return_matrix)
    def take(self, indices, axis=None, mode="raise"): return _T().take(self, indices, axis, mode)
    def norm(self, L, axis=None): return _T().norm(self, L, axis)
    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _T().diagonal(self, offset, axis1, axis2)
    def trace(self): return _T().trace(self)
    def conj(self): return _T().conj(self)
    @property
    def real(self): return _T().real(self)
    @property
    def imag(self): return _T().imag(self)

    def zeros_like(self, dtype=None): return _T().zeros_like(self, dtype)
    def ones_like(self, dtype=None): return _T().ones_like(self, dtype)
    def copy(self, name=None):
        out = _T().tensor_copy(self)
        out.name = name
        return out

    def eval(self, inputs_to_values: dict | None = None, **kwargs: Any):
        """Compile (once, cached on the variable) and run a function computing this variable."""
        from ..compile.function import eval_variable
        return eval_variable(self, inputs_to_values or {}, **kwargs)


class TensorConstant(TensorVariable, Constant):
    """A tensor with a fixed value. `weak` marks a Python number, whose dtype gives
    way to the other operand's, as NumPy 2 does (`fvector * 0.1` is float32)."""

    __hash__ = Variable.__hash__

    def __init__(self, type, data, name=None, weak: bool = False):
        Constant.__init__(self, type, data, name=name)
        self.weak = weak

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return f"TensorConstant{{{_format_value(self.data)}}}"

    def signature(self):
        return (self.type, self.data.tobytes(), self.data.shape)

    def clone(self, name=None):
        return self


def _format_value(data: np.ndarray) -> str:
    if data.size > 10:
        return f"{data.dtype}, shape={data.shape}"
    return np.array2string(data, separator=", ").replace("\n", "") if data.ndim else repr(data.item())

"""A torch callable used as an op inside a symbolic graph: `symtorch.torch_op`.

    @symtorch.torch_op(itypes=[T.dvector], otypes=[T.dvector])
    def softclip(x):
        return torch.tanh(x) * 3

The op calls the function on torch tensors in the compiled program. Its
gradient is the user's `grad(inputs, output_grads)` when given, else torch
autograd's vector-Jacobian product, itself wrapped as a torch op, so it can be
differentiated again. Output types come from `otypes`, or from one trial run
on small example values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from ..graph.basic import Apply, Op
from .basic import as_tensor_variable
from .type import TensorType, discrete_dtypes


class TorchOp(Op):
    """Apply a torch callable; `itypes`/`otypes` are lists of TensorTypes."""

    __props__ = ("fn", "itypes", "otypes")

    def __init__(self, fn: Callable, itypes: Sequence[TensorType], otypes: Sequence[TensorType],
                 grad: Callable | None = None, name: str | None = None):
        self.fn = fn
        self.itypes = tuple(itypes)
        self.otypes = tuple(otypes)
        self.user_grad = grad
        self.name = name or getattr(fn, "__name__", "torch_fn")

    def __str__(self) -> str:
        return f"TorchOp{{{self.name}}}"

    def __hash__(self) -> int:
        return hash((TorchOp, id(self.fn), self.itypes, self.otypes))

    def make_node(self, *inputs: Any) -> Apply:
        if len(inputs) != len(self.itypes):
            raise TypeError(f"{self} takes {len(self.itypes)} inputs; got {len(inputs)}")
        checked = []
        for i, (x, t) in enumerate(zip(inputs, self.itypes)):
            x = as_tensor_variable(x)
            if x.dtype != t.dtype or x.ndim != t.ndim:
                raise TypeError(f"{self}: input {i} ({x.describe()}) is {x.type.describe_value()};"
                                f" the op expects {t.describe_value()}")
            checked.append(x)
        return Apply(self, checked, [t() for t in self.otypes])

    def perform(self, node: Apply, inputs: list) -> list:
        with torch.no_grad():
            outs = self.fn(*[torch.as_tensor(np.asarray(v)) for v in inputs])
        outs = outs if isinstance(outs, (tuple, list)) else (outs,)
        return [o.detach().cpu().numpy().astype(t.numpy_dtype) for o, t in zip(outs, self.otypes)]

    def L_op(self, inputs, outputs, output_grads):
        if self.user_grad is not None:
            return list(self.user_grad(list(inputs), list(output_grads)))
        differentiable = [t.dtype not in discrete_dtypes for t in self.itypes]
        vjp = TorchOp(_vjp_of(self.fn, len(self.itypes), differentiable),
                      self.itypes + self.otypes,
                      [t for t, d in zip(self.itypes, differentiable) if d],
                      name=f"vjp_{self.name}")
        grads = vjp(*inputs, *output_grads)
        grads = iter(grads if isinstance(grads, list) else [grads])
        return [next(grads) if d else None for d in differentiable]


def _vjp_of(fn: Callable, n_inputs: int, differentiable: list[bool]) -> Callable:
    """The torch function (inputs..., output grads...) -> input grads, by autograd."""
    def vjp(*args: torch.Tensor):
        # Called by the vjp of a vjp (a second derivative), the arguments require grad:
        # then keep them and build a differentiable result.
        nested = any(a.requires_grad for a in args)
        with torch.enable_grad():
            inputs = [a if a.requires_grad else a.detach().requires_grad_(d)
                      for a, d in zip(args[:n_inputs], differentiable)]
            outs = fn(*inputs)
            outs = outs if isinstance(outs, (tuple, list)) else (outs,)
            wanted = [x for x, d in zip(inputs, differentiable) if d]
            grads = torch.autograd.grad(outs, wanted, args[n_inputs:], allow_unused=True,
                                        create_graph=nested)
        grads = tuple(torch.zeros_like(x) if g is None else g if nested else g.detach()
                      for g, x in zip(grads, wanted))
        return grads if len(grads) != 1 else grads[0]

    vjp.__name__ = f"vjp_{getattr(fn, '__name__', 'fn')}"
    return vjp


def torch_op(fn: Callable | None = None, itypes: Sequence[TensorType] | None = None,
             otypes: Sequence[TensorType] | None = None, grad: Callable | None = None,
             name: str | None = None):
    """Make an op from a torch callable (also usable as a decorator).

    Without `otypes`, the function is run once on small example values of
    `itypes` to read its outputs' dtypes and ranks.
    """
    def build(f: Callable) -> TorchOp:
        if itypes is None:
            raise TypeError("torch_op needs itypes (a list of input TensorTypes)")
        ins = [_as_type(t) for t in itypes]
        outs = [_as_type(t) for t in otypes] if otypes is not None else _trial_types(f, ins)
        return TorchOp(f, ins, outs, grad=grad, name=name)

    return build if fn is None else build(fn)


def _as_type(t: Any) -> TensorType:
    if isinstance(t, TensorType):
        return t
    raise TypeError(f"torch_op: expected a TensorType such as T.dvector; got {t!r}")


def _trial_types(fn: Callable, itypes: list[TensorType]) -> list[TensorType]:
    examples = [torch.ones([s if s is not None else 2 for s in t.shape], dtype=t.torch_dtype)
                for t in itypes]
    with torch.no_grad():
        outs = fn(*examples)
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    from .type import TORCH_TO_NAME
    return [TensorType(TORCH_TO_NAME[o.dtype], (None,) * o.dim()) for o in outs]

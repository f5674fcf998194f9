"""Torch rules for indexing (mirrors tensor/subtensor.py).

Basic indexing is one `x[...]` expression (a view); on a host tuple (a shape)
it is tuple indexing, so `x.shape[0]` stays a Python int. Advanced indexing
uses `aten.index` / `aten.index_put`, which follow NumPy's placement rule
(Python-level torch indexing treats ints as basic, which moves dimensions):
the slices and new axes are applied first as a view, then the arrays index.
set/inc never change their input: they write into a copy.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.fx

from ...graph.basic import Apply
from ...tensor.subtensor import (
    AdvancedIncSubtensor,
    AdvancedSubtensor,
    IncSubtensor,
    Index,
    Nonzero,
    Slice,
    Subtensor,
    build_index,
)
from ...tensor.type import TensorType
from .lowering import LoweringContext, as_int, lower

aten = torch.ops.aten
_INDEX_DTYPES = ("int32", "int64", "bool")  # what aten.index takes as is


def _subtensor_is_host(node: Apply, host_inputs: Sequence[bool]) -> bool:
    """A shape tuple indexed by host ints gives a host int (or tuple)."""
    return all(host_inputs) and node.inputs[0].ndim <= 1 and None not in node.op.idx_list


@lower(Subtensor, host=_subtensor_is_host)
def _subtensor(ctx: LoweringContext, node: Apply, x, *args):
    if node.outputs[0] in ctx.host:  # a host number, or a tuple of lengths
        index = build_index(node.op.idx_list, args)
        if not index:
            return x
        if isinstance(x, tuple) and _holds_proxy(index[0]):
            return ctx.call(operator.getitem, x, index[0])
        return x[index[0]]
    x = ctx.tensor(x, node.inputs[0])
    index = _basic_index(ctx, node.op.idx_list, node.inputs[1:], args)
    if _has_backward_step(node.op.idx_list):
        return ctx.call(getitem_any_step, x, index)
    return x[index]


def _holds_proxy(entry: Any) -> bool:
    parts = (entry.start, entry.stop, entry.step) if isinstance(entry, slice) else (entry,)
    return any(isinstance(p, torch.fx.Proxy) for p in parts)


def _basic_index(ctx: LoweringContext, idx_list: Sequence, variables: Sequence, args: Sequence):
    """The index tuple of a basic index: slice bounds as Python ints, scalar indices as
    Python ints or int64 0-d tensors (torch reads a 0-d uint8 tensor as a mask)."""
    pairs = list(zip(variables, args))

    def scalar(pair):
        var, value = pair
        if var in ctx.host or var.dtype in ("int32", "int64"):
            return value
        return value.to(torch.int64)

    def bound(pair):
        var, value = pair
        return value if var in ctx.host else ctx.call(as_int, value)

    return build_index(idx_list, pairs, scalar=scalar, bound=bound)


def _advanced_index(ctx: LoweringContext, idx_list: Sequence, variables: Sequence,
                    args: Sequence) -> tuple[tuple | None, list]:
    """Split an advanced index into a basic view (slices and new axes, or None when there
    is nothing to do) and the `aten.index` list (a tensor per advanced entry, None for
    each dimension left whole; a k-d mask takes k dimensions by itself)."""
    pairs = iter(zip(variables, args))
    view: list = []
    indices: list = []
    for entry in idx_list:
        if entry is None:
            view.append(None)
            indices.append(None)
        elif isinstance(entry, Slice):
            parts = []
            for p in entry.parts():
                if isinstance(p, Index):
                    var, value = next(pairs)
                    p = value if var in ctx.host else ctx.call(as_int, value)
                parts.append(p)
            view.append(slice(*parts))
            indices.append(None)
        elif isinstance(entry, int):
            view.append(slice(None))
            indices.append(ctx.constant_tensor(np.int64(entry), TensorType("int64", ()), "index"))
        else:
            var, value = next(pairs)
            value = ctx.tensor(value, var)
            if var.dtype not in _INDEX_DTYPES:
                value = value.to(torch.int64)
            view.extend([slice(None)] * (var.ndim if var.dtype == "bool" else 1))
            indices.append(value)
    while indices and indices[-1] is None:
        indices.pop()
    basic = any(not _is_full(v) for v in view)
    return (tuple(view) if basic else None), indices


def _is_full(entry: Any) -> bool:
    return isinstance(entry, slice) and entry.start is None and entry.stop is None \
        and entry.step is None


@lower(AdvancedSubtensor)
def _advanced_subtensor(ctx: LoweringContext, node: Apply, x, *args):
    x = ctx.tensor(x, node.inputs[0])
    view, indices = _advanced_index(ctx, node.op.idx_list, node.inputs[1:], args)
    if view is None:
        return aten.index.Tensor(x, indices)
    if _has_backward_step(node.op.idx_list):
        return ctx.call(advanced_getitem_any_step, x, view, indices)
    return aten.index.Tensor(x[view], indices)


# -- set / inc --------------------------------------------------------------------------------


def set_basic(x: torch.Tensor, index: tuple, y: Any) -> torch.Tensor:
    """A copy of x with x[index] = y."""
    out = x.clone()
    index, flips = forward_slices(x.shape, index)
    if flips:
        y = _flip_value(y, flips, out[index].ndim)
    out[index] = y
    return out


def inc_basic(x: torch.Tensor, index: tuple, y: Any) -> torch.Tensor:
    """A copy of x with y added to x[index] (a basic index has no repeated positions)."""
    out = x.clone()
    index, flips = forward_slices(x.shape, index)
    if flips:
        y = _flip_value(y, flips, out[index].ndim)
    out[index] += y
    return out


def put_in_view(x: torch.Tensor, view: tuple, indices: list, y: torch.Tensor,
                accumulate: bool) -> torch.Tensor:
    """A copy of x with y written (or added, with accumulate) at `indices` of x[view]."""
    out = x.clone()
    view, flips = forward_slices(x.shape, view)
    target = out[view]
    if flips:
        flips, ndim = _advanced_result_dims(flips, indices, target.ndim)
        y = _flip_value(y, flips, ndim)
    aten.index_put_(target, indices, y, accumulate)
    return out


# -- slices with negative steps: torch slices only forward --------------------------------


def _has_backward_step(idx_list: Sequence) -> bool:
    """Whether some slice may step backward (a negative or a symbolic step)."""
    return any(isinstance(e, Slice) and (isinstance(e.step, Index) or (e.step or 1) < 0)
               for e in idx_list)


def forward_slices(shape: Sequence[int], index: tuple) -> tuple[tuple, list[int]]:
    """`index` (ints, slices, None) with each backward slice replaced by the forward slice
    over the same positions, and the dimensions of the result to flip to restore the order."""
    out, flips, dim, rdim = [], [], 0, 0
    for entry in index:
        if entry is None:
            out.append(entry)
            rdim += 1
            continue
        if isinstance(entry, slice):
            start, stop, step = entry.indices(shape[dim])
            if step < 0:
                n = len(range(start, stop, step))
                entry = slice(start + (n - 1) * step, start + 1, -step) if n else slice(0, 0)
                flips.append(rdim)
            rdim += 1
        out.append(entry)
        dim += 1
    return tuple(out), flips


def getitem_any_step(x: torch.Tensor, index: tuple) -> torch.Tensor:
    """x[index] where slices may step backward."""
    index, flips = forward_slices(x.shape, index)
    out = x[index]
    return out.flip(flips) if flips else out


def advanced_getitem_any_step(x: torch.Tensor, view: tuple, indices: list) -> torch.Tensor:
    """aten.index(x[view], indices) where the slices of `view` may step backward."""
    view, flips = forward_slices(x.shape, view)
    target = x[view]
    out = aten.index.Tensor(target, indices)
    if flips:
        flips, _ = _advanced_result_dims(flips, indices, target.ndim)
        out = out.flip(flips)
    return out


def _advanced_result_dims(dims: list[int], indices: list, ndim: int) -> tuple[list[int], int]:
    """Where dimensions that `indices` leaves whole, of a tensor of `ndim` dimensions, land
    in aten.index's result; and the result's ndim. The arrays' broadcast block takes the
    place of the arrays if they are adjacent, and comes first otherwise."""
    kept: list[int] = []       # the dimensions left whole, in order
    advanced: list[int] = []   # positions of the arrays in `indices`
    kept_before, block_ndim, dim = 0, 0, 0
    for pos, entry in enumerate(indices):
        if entry is None:
            kept.append(dim)
            dim += 1
            continue
        if not advanced:
            kept_before = len(kept)
        advanced.append(pos)
        is_mask = entry.dtype == torch.bool
        block_ndim = max(block_ndim, 1 if is_mask else entry.ndim)
        dim += entry.ndim if is_mask else 1
    kept.extend(range(dim, ndim))
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1))
    where = {d: p + block_ndim if not adjacent or p >= kept_before else p
             for p, d in enumerate(kept)}
    return [where[d] for d in dims], len(kept) + block_ndim


def _flip_value(y: Any, dims: list[int], ndim: int) -> Any:
    """y, broadcast against a result of `ndim` dims, flipped along those of `dims` it has."""
    if not dims or not isinstance(y, torch.Tensor):
        return y
    offset = ndim - y.ndim
    own = [d - offset for d in dims if d >= offset]
    return y.flip(own) if own else y


@lower(IncSubtensor)
def _inc_subtensor(ctx: LoweringContext, node: Apply, x, y, *args):
    x = ctx.tensor(x, node.inputs[0])
    if node.inputs[1] not in ctx.host:
        y = ctx.tensor(y, node.inputs[1])
    index = _basic_index(ctx, node.op.idx_list, node.inputs[2:], args)
    return ctx.call(set_basic if node.op.set_instead_of_inc else inc_basic, x, index, y)


@lower(AdvancedIncSubtensor)
def _advanced_inc_subtensor(ctx: LoweringContext, node: Apply, x, y, *args):
    x = ctx.tensor(x, node.inputs[0])
    y = ctx.tensor(y, node.inputs[1])
    view, indices = _advanced_index(ctx, node.op.idx_list, node.inputs[2:], args)
    accumulate = not node.op.set_instead_of_inc
    if view is None:  # index_put is functional: it writes into a copy of x
        return aten.index_put.default(x, indices, y, accumulate)
    return ctx.call(put_in_view, x, view, indices, y, accumulate)


@lower(Nonzero)
def _nonzero(ctx: LoweringContext, node: Apply, a):
    return torch.stack(torch.nonzero(ctx.tensor(a, node.inputs[0]), as_tuple=True))

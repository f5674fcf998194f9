"""Torch rules for the product ops (mirrors tensor/blas.py).

One rule serves every Contraction: cast the inputs to the result's dtype, then call
the op's torch function (`_TORCH`). Booleans are multiplied as float32 and tested
for > 0 (a sum of products of 0 and 1 is positive exactly when one product is).
Integers go through `einsum_by_broadcast`, exact (wrapping as NumPy) but
memory-hungry: CUDA has no integer matrix products, and Inductor's integer bmm
returns int64 whatever its inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ...graph.basic import Apply
from ...tensor.blas import BatchedDot, Contraction, Dot, Einsum, MatMul, TensorDot
from ...tensor.type import discrete_dtypes, torch_dtype
from .lowering import LoweringContext, lower


def _dot(op: Dot, a, b, na: int, nb: int):
    if na <= 2 and nb <= 2:
        return torch.matmul(a, b)
    return torch.tensordot(a, b, dims=([na - 1], [max(nb - 2, 0)]))


def _batched_dot(op: BatchedDot, a, b, na: int, nb: int):
    if na <= 3 and nb <= 3:  # Theano's cases: matrix and vector products per batch
        out = torch.matmul(a if na == 3 else a.unsqueeze(1), b if nb == 3 else b.unsqueeze(2))
        if na == 2:
            out = out.squeeze(1)
        return out if nb == 3 else out.squeeze(-1)
    (la, lb), lout = op.labels([na, nb])
    return torch.einsum(f"{''.join(la)},{''.join(lb)}->{''.join(lout)}", a, b)


# op class -> torch call (op, *inputs, *ranks): two-input ops get (op, a, b, na, nb)
_TORCH = {
    Dot: _dot,
    MatMul: lambda op, a, b, na, nb: torch.matmul(a, b),
    TensorDot: lambda op, a, b, na, nb: torch.tensordot(
        a, b, dims=([i % na for i in op.axes_a], [i % nb for i in op.axes_b])),
    BatchedDot: _batched_dot,
}


@lower(Contraction)
def _contraction(ctx: LoweringContext, node: Apply, *args):
    op, out = node.op, node.outputs[0]
    dtype = out.dtype
    # booleans are multiplied as float32; an input used twice is converted once
    compute = torch.float32 if dtype == "bool" else torch_dtype(dtype)
    converted: dict = {}
    for var, value in zip(node.inputs, args):
        if var not in converted:
            value = ctx.tensor(value, var)
            same = var.dtype == dtype and dtype != "bool"
            converted[var] = value if same else value.to(compute)
    values = [converted[var] for var in node.inputs]
    ndims = [x.ndim for x in node.inputs]
    # Integer products as broadcast multiply-and-sum: CUDA has no integer matmul, and
    # Inductor's integer bmm returns int64 whatever the inputs.
    if dtype in discrete_dtypes and dtype != "bool":
        in_labels, out_labels = op.labels(ndims)
        result = einsum_by_broadcast(in_labels, out_labels, values, compute)
        return result.clone() if len(values) == 1 else result
    if isinstance(op, Einsum):
        result = _as_matrix_product(ctx, op.subscripts, values) \
            if dtype in ("float32", "float64") else None
        if result is None:
            result = torch.einsum(op.subscripts, *values)
    else:
        result = _TORCH[type(op)](op, *values, *ndims)
    if dtype == "bool":
        return result > 0
    if isinstance(op, Einsum) and dtype in discrete_dtypes:
        result = result.to(torch_dtype(dtype))  # torch's einsum may widen integer sums
    if len(values) == 1:
        result = result.clone()  # einsum of one operand may be a view of it
    return result


def _as_matrix_product(ctx: LoweringContext, subscripts: str, values: Sequence) -> object | None:
    """An einsum of two vectors or matrices with one contracted label, as one matmul with
    transposes (the form dot's gradients take): `'ab,cb->ac'` is `a @ b.T`. torch's einsum
    takes a slower general path for these (about twice the time of matmul on CPU).
    None when the subscripts are not of that form."""
    if "..." in subscripts or "->" not in subscripts or len(values) != 2:
        return None
    inputs, out = subscripts.split("->")
    la, lb = inputs.split(",")
    if len(set(la)) != len(la) or len(set(lb)) != len(lb) or len(la) > 2 or len(lb) > 2:
        return None
    shared = set(la) & set(lb)
    if len(shared) != 1 or shared & set(out):
        return None
    (k,) = shared
    free_a, free_b = [c for c in la if c != k], [c for c in lb if c != k]
    if sorted(free_a + free_b) != sorted(out) or len(out) != len(set(out)):
        return None
    plan = (len(la) == 2 and la[0] == k, len(lb) == 2 and lb[1] == k,
            list(out) != free_a + free_b, la.index(k), lb.index(k))
    return ctx.call(matrix_product, values[0], values[1], plan, subscripts)


def matrix_product(a: torch.Tensor, b: torch.Tensor, plan: tuple, subscripts: str):
    """Run inside the program: the matmul form of a two-operand einsum (see
    `_as_matrix_product`), or einsum itself when the contracted lengths differ (einsum
    broadcasts a length of 1 there; matmul would not)."""
    transpose_a, transpose_b, transpose_out, ka, kb = plan
    if a.shape[ka] != b.shape[kb]:
        return torch.einsum(subscripts, a, b)
    result = (a.t() if transpose_a else a) @ (b.t() if transpose_b else b)
    return result.t() if transpose_out else result


def einsum_by_broadcast(in_labels: Sequence[Sequence[str]], out_labels: Sequence[str],
                        operands: Sequence[torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    """The einsum of `operands` (dimensions named by `in_labels`) as one broadcast
    product and a sum: works for every dtype on every device, at the cost of the
    full product's memory. Used for integers on CUDA, where torch has no matmul."""
    aligned = []
    order = list(out_labels)  # every label once: the output's, then the summed ones
    for c in (c for labels in in_labels for c in labels):
        if c not in order:
            order.append(c)
    for x, labels in zip(operands, in_labels):
        labels = list(labels)
        while len(set(labels)) != len(labels):  # a repeated label: take the diagonal
            c = next(c for c in labels if labels.count(c) > 1)
            i = labels.index(c)
            j = labels.index(c, i + 1)
            x = x.diagonal(0, i, j)
            labels = [c2 for k, c2 in enumerate(labels) if k not in (i, j)] + [c]
        present = [c for c in order if c in labels]
        x = x.permute(*[labels.index(c) for c in present]) if present != labels else x
        for k, c in enumerate(order):
            if c not in labels:
                x = x.unsqueeze(k)
        aligned.append(x)
    product = aligned[0]
    for x in aligned[1:]:
        product = product * x
    summed = tuple(range(len(out_labels), len(order)))
    if summed:
        return product.sum(dim=summed, dtype=dtype)
    return product.to(dtype)

"""Products of arrays: dot, matmul, tensordot, batched_dot, outer, einsum.

Every product op is a `Contraction`: for the ranks of its inputs it names each input
dimension with a label, as einsum does, and lists the labels its output keeps; the
others are summed over. Types, static shapes, shape inference and the torch fallback
follow from the labels once, here and in link/torch/blas.py; each op adds its NumPy
reference and its torch call. So do the derivatives: the gradient of an operand is the
einsum of the output gradient with the other operands that gives back the operand's
labels, and the R_op is the product rule, one term per operand.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from functools import reduce as _fold
from typing import Any

import numpy as np

from ..graph.basic import Apply, Op, Variable
from .basic import as_tensor_variable
from .elemwise import DimShuffle
from .math import add, eq, mul, switch
from .reduction import normalize_axis, sum_to
from .scalar import common_dtype
from .type import TensorType, discrete_dtypes, numpy_dtype
from .variable import TensorVariable

__all__ = ["Contraction", "Dot", "MatMul", "TensorDot", "BatchedDot", "Einsum", "dot", "matmul",
           "tensordot", "outer", "batched_dot", "batched_tensordot", "einsum", "parse_einsum"]

Labels = tuple[list[list[str]], list[str]]  # each input's dimension labels, the output's


class Contraction(Op):
    """A sum of products over labelled dimensions (see the module docstring).

    Subclasses define `labels(ndims)`, `check_ranks(inputs)` and `perform`; a
    label that `broadcasts(label)` may have length 1 where another input has any
    length, as in NumPy's matmul batch dimensions and einsum. The result's dtype
    is the inputs' common dtype (int8 @ int8 is int8, as NumPy; bool @ bool is
    bool, an OR of ANDs).
    """

    nin = 2

    def labels(self, ndims: Sequence[int]) -> Labels:
        raise NotImplementedError

    def check_ranks(self, inputs: Sequence[TensorVariable]) -> None:
        for x in inputs:
            if x.ndim == 0:
                raise TypeError(f"{self}: {x.describe()} is a scalar; it needs at least one "
                                f"dimension (multiply scalars with T.mul)")

    def broadcasts(self, label: str) -> bool:
        return False

    def make_node(self, *inputs: Any) -> Apply:
        if self.nin is not None and len(inputs) != self.nin:
            raise TypeError(f"{self} takes {self.nin} inputs, got {len(inputs)}")
        inputs = [as_tensor_variable(x) for x in inputs]
        self.check_ranks(inputs)
        dtype = common_dtype([x.dtype for x in inputs])
        in_labels, out_labels = self.labels([x.ndim for x in inputs])
        static = self._static_lengths(inputs, in_labels)
        shape = tuple(static[label] for label in out_labels)
        return Apply(self, inputs, [TensorType(dtype, shape).make_variable()])

    def _static_lengths(self, inputs, in_labels) -> dict[str, int | None]:
        """The static length of each label; two known lengths that cannot meet are an
        error naming both inputs."""
        seen: dict[str, list[tuple[int, int]]] = {}
        for i, labels in enumerate(in_labels):
            for d, label in enumerate(labels):
                seen.setdefault(label, []).append((i, d))
        lengths = {}
        for label, where in seen.items():
            known = [(inputs[i].type.shape[d], i, d) for i, d in where
                     if inputs[i].type.shape[d] is not None]
            if self.broadcasts(label):  # 1 gives way to any length, known or not
                known = [k for k in known if k[0] != 1] or \
                    (known if len(known) == len(where) else [])
            distinct = {k[0] for k in known}
            if len(distinct) > 1:
                (la, ia, da), (lb, ib, db) = known[0], next(k for k in known if k[0] != known[0][0])
                raise ValueError(
                    f"{self}: dimension {da} of {inputs[ia].describe()} (length {la}) and "
                    f"dimension {db} of {inputs[ib].describe()} (length {lb}) must match; "
                    f"shapes {_shape_str(inputs[ia])} and {_shape_str(inputs[ib])}")
            lengths[label] = distinct.pop() if distinct else None
        return lengths

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        in_labels, out_labels = self.labels([x.ndim for x in node.inputs])
        where: dict[str, list[Any]] = {}
        for shape, labels in zip(input_shapes, in_labels):
            for length, label in zip(shape, labels):
                where.setdefault(label, []).append(length)
        out_static = node.outputs[0].type.shape
        return [tuple(static if static is not None else
                      _broadcast_lengths(where[label]) if self.broadcasts(label) else where[label][0]
                      for label, static in zip(out_labels, out_static))]

    def _cast_inputs(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        dtype = numpy_dtype(node.outputs[0].dtype)
        return [np.asarray(x).astype(dtype, copy=False) for x in inputs]

    def _result(self, node: Apply, value: Any) -> list[np.ndarray]:
        return [np.asarray(value).astype(numpy_dtype(node.outputs[0].dtype), copy=False)]

    # -- derivatives, from the labels ----------------------------------------------------

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable | None]:
        """Each float operand's gradient: `operand_gradient` (integer operands get none)."""
        in_labels, out_labels = self.labels([x.ndim for x in inputs])
        return [None if x.dtype in discrete_dtypes else
                operand_gradient(self, inputs, in_labels, out_labels, output_grads[0], k)
                for k, x in enumerate(inputs)]

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[Variable | None]:
        """The product rule: the sum over operands of the product with that operand
        replaced by its tangent."""
        terms = [self(*inputs[:k], v, *inputs[k + 1:]) for k, v in enumerate(eval_points)
                 if v is not None and inputs[k].dtype not in discrete_dtypes]
        return [_fold(add, terms) if terms else None]


def operand_gradient(op: Contraction, inputs: Sequence[TensorVariable],
                     in_labels: Sequence[Sequence[str]], out_labels: Sequence[str],
                     g: TensorVariable, k: int) -> TensorVariable:
    """The gradient of operand `k` of a contraction whose output gradient is `g`.

    It is the einsum of `g` (labelled as the output) and the other operands that keeps
    operand k's labels, with three corrections, each a small extra operand or a step:
    a label repeated in operand k (a diagonal) gets a fresh label tied to the first by
    an identity matrix; a label found only in operand k (summed away) gets a vector of
    ones, spreading the gradient over it; a dimension of operand k that broadcast
    against longer ones is summed back, statically (length 1 in its type: the label is
    summed in the einsum, then put back) or when the function runs (`sum_to`).
    """
    from .construction import eye, ones
    from .shape import dim_length
    x, labels = inputs[k], list(in_labels[k])
    others = [(inputs[j], list(in_labels[j])) for j in range(len(inputs)) if j != k]
    operands = [(g, list(out_labels)), *others]
    elsewhere = set(out_labels).union(*(set(ls) for _, ls in others))
    target, extras, dropped, runtime_broadcast = [], [], [], False
    for d, c in enumerate(labels):
        n = x.type.shape[d]
        if n == 1:
            dropped.append(d)
            continue
        length = dim_length(x, d)
        if c in target:
            fresh = f"{c}#{d}"
            extras.append((eye(length, dtype=g.dtype), [c, fresh]))
            target.append(fresh)
            continue
        target.append(c)
        if not op.broadcasts(c):
            if c not in elsewhere:
                extras.append((ones((length,), dtype=g.dtype), [c]))
            continue
        # A broadcasting label: its length elsewhere may be 1 (or x's may be).
        if c not in out_labels and not any(
                n is not None and v.type.shape[e] == n for v, ls in others
                for e, c2 in enumerate(ls) if c2 == c):
            extras.append((ones((length,), dtype=g.dtype), [c]))
        runtime_broadcast |= n is None and c in elsewhere
    gx = _einsum_of(operands + extras, target)
    if dropped:
        kept = iter(range(gx.ndim))
        gx = DimShuffle(gx.ndim, ["x" if d in dropped else next(kept)
                                  for d in range(x.ndim)])(gx)
    if runtime_broadcast:
        gx = sum_to(gx, [dim_length(x, d) for d in range(x.ndim)])
    return gx


def _einsum_of(operands: Sequence[tuple[TensorVariable, list[str]]],
               out_labels: Sequence[str]) -> TensorVariable:
    """An Einsum node for operands named by labels of any spelling (letters assigned here)."""
    letters: dict[str, str] = {}
    for _, labels in operands:
        for c in labels:
            letters.setdefault(c, string.ascii_letters[len(letters)])
    terms = ",".join("".join(letters[c] for c in labels) for _, labels in operands)
    out = "".join(letters[c] for c in out_labels)
    return Einsum(f"{terms}->{out}")(*[v for v, _ in operands])


def _shape_str(x: TensorVariable) -> str:
    return "(" + ", ".join("?" if s is None else str(s) for s in x.type.shape) + \
        ("," if x.ndim == 1 else "") + ")"


def _broadcast_lengths(lengths: list[Any]) -> Any:
    """The broadcast of symbolic lengths (valid ones: equal, or 1)."""
    lengths = [n for n in lengths if not (isinstance(n, int) and n == 1)] or [1]
    return _fold(lambda a, b: switch(eq(a, 1), b, a), lengths)


def _letters(n: int, skip: str = "") -> list[str]:
    return [c for c in string.ascii_letters if c not in skip][:n]


# -- the product ops ------------------------------------------------------------------------


class Dot(Contraction):
    """numpy.dot of arrays of one or more dimensions: the last axis of a is summed
    against the only axis of a vector b, or against the second-to-last of b."""

    def labels(self, ndims: Sequence[int]) -> Labels:
        na, nb = ndims
        a = _letters(na)
        free_b = _letters(nb - 1, skip="".join(a))  # b's axes but the summed one
        b = free_b[:-1] + [a[-1]] + free_b[-1:]
        return [a, b], a[:-1] + free_b

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return self._result(node, np.dot(*self._cast_inputs(node, inputs)))


class MatMul(Contraction):
    """numpy.matmul (the @ operator): matrix products over the last two axes, the
    leading (batch) axes broadcast; a vector stands for a matrix of one row (first
    operand) or one column (second), and that axis is then dropped."""

    _BATCH = "ABCDEFGHIJKLMNOPQRSTUVWX"

    def labels(self, ndims: Sequence[int]) -> Labels:
        na, nb = ndims
        nbatch = max(na, nb, 2) - 2
        batch = list(self._BATCH[:nbatch])
        a = batch[nbatch - (na - 2):] + ["n", "k"] if na >= 2 else ["k"]
        b = batch[nbatch - (nb - 2):] + ["k", "m"] if nb >= 2 else ["k"]
        out = batch + (["n"] if na >= 2 else []) + (["m"] if nb >= 2 else [])
        return [a, b], out

    def broadcasts(self, label: str) -> bool:
        return label in self._BATCH

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return self._result(node, np.matmul(*self._cast_inputs(node, inputs)))


class TensorDot(Contraction):
    """numpy.tensordot: sum over the axes `axes_a` of a paired with `axes_b` of b; the
    result has a's other axes, then b's, in order."""

    __props__ = ("axes_a", "axes_b")

    def __init__(self, axes_a: Sequence[int], axes_b: Sequence[int]):
        self.axes_a = tuple(int(i) for i in axes_a)
        self.axes_b = tuple(int(i) for i in axes_b)
        if len(self.axes_a) != len(self.axes_b):
            raise ValueError(f"tensordot: {len(self.axes_a)} axes of a but {len(self.axes_b)} "
                             f"of b; they are summed in pairs")

    def __str__(self) -> str:
        return f"TensorDot{{axes=[{list(self.axes_a)}, {list(self.axes_b)}]}}"

    def check_ranks(self, inputs: Sequence[TensorVariable]) -> None:
        for x, axes in zip(inputs, (self.axes_a, self.axes_b)):
            normalized = [normalize_axis(i, x, "tensordot") for i in axes]
            if len(set(normalized)) != len(normalized):
                raise ValueError(f"tensordot: repeated axis in {axes} for {x.describe()}")

    def labels(self, ndims: Sequence[int]) -> Labels:
        na, nb = ndims
        axes_a = [i % na for i in self.axes_a]
        axes_b = [i % nb for i in self.axes_b]
        a = _letters(na)
        free = iter(_letters(nb, skip="".join(a)))
        b = [a[axes_a[axes_b.index(j)]] if j in axes_b else next(free) for j in range(nb)]
        out = [a[i] for i in range(na) if i not in axes_a] + \
              [b[j] for j in range(nb) if j not in axes_b]
        return [a, b], out

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        a, b = self._cast_inputs(node, inputs)
        return self._result(node, np.tensordot(a, b, axes=(list(self.axes_a), list(self.axes_b))))


class BatchedDot(Contraction):
    """Theano's batched_dot for inputs of two or more dimensions: along the first
    (batch) axis, which both share, numpy.dot of each pair, `dot(a[i], b[i])`."""

    def check_ranks(self, inputs: Sequence[TensorVariable]) -> None:
        for x in inputs:
            if x.ndim < 2:
                raise TypeError(f"{self}: {x.describe()} has {x.ndim} dimension(s); it needs a "
                                f"batch axis and at least one more (use T.batched_dot)")

    def labels(self, ndims: Sequence[int]) -> Labels:
        (a, b), out = Dot().labels([n - 1 for n in ndims])
        batch = next(c for c in string.ascii_letters if c not in a + b)
        return [[batch] + a, [batch] + b], [batch] + out

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        a, b = self._cast_inputs(node, inputs)
        out_shape = tuple(_concrete_lengths(self, node, [a.shape, b.shape]))
        out = np.empty(out_shape, dtype=a.dtype)
        for i in range(a.shape[0]):
            out[i] = np.dot(a[i], b[i])
        return self._result(node, out)


def _concrete_lengths(op: Contraction, node: Apply, shapes: Sequence[tuple]) -> list[int]:
    in_labels, out_labels = op.labels([x.ndim for x in node.inputs])
    lengths: dict[str, int] = {}
    for shape, labels in zip(shapes, in_labels):
        for n, label in zip(shape, labels):
            lengths[label] = n if lengths.get(label, 1) == 1 else lengths[label]
    return [lengths[label] for label in out_labels]


class Einsum(Contraction):
    """numpy.einsum: `subscripts` ('ij,jk->ik', implicit output, '...' ellipsis,
    repeated labels for diagonals) over any number of operands. Dimensions of
    length 1 broadcast, as in NumPy and torch."""

    __props__ = ("subscripts",)
    nin = None

    def __init__(self, subscripts: str):
        if not isinstance(subscripts, str):
            raise TypeError(f"einsum: subscripts must be a string, got {subscripts!r}")
        self.subscripts = subscripts.replace(" ", "")

    def check_ranks(self, inputs: Sequence[TensorVariable]) -> None:
        parse_einsum(self.subscripts, [x.ndim for x in inputs], inputs)

    def labels(self, ndims: Sequence[int]) -> Labels:
        return parse_einsum(self.subscripts, ndims)

    def broadcasts(self, label: str) -> bool:
        return True

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return self._result(node, np.einsum(self.subscripts, *self._cast_inputs(node, inputs)))


def parse_einsum(subscripts: str, ndims: Sequence[int], inputs: Sequence[Any] = ()) -> Labels:
    """Each operand's labels and the output's for einsum `subscripts` on operands of
    ranks `ndims`. Ellipsis dimensions get the labels '...0', '...1', ... aligned
    from the right. Bad subscripts are a ValueError naming the operand."""
    def who(i: int) -> str:
        return inputs[i].describe() if i < len(inputs) else f"operand {i}"

    lhs, arrow, rhs = subscripts.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum {subscripts!r}: {len(terms)} operand term(s) but "
                         f"{len(ndims)} operand(s)")
    n_ellipsis = 0
    parsed = []
    for i, (term, ndim) in enumerate(zip(terms, ndims)):
        head, dots, tail = term.partition("...")
        letters = head + tail
        if "." in letters or any(c not in string.ascii_letters for c in letters):
            raise ValueError(f"einsum {subscripts!r}: invalid term {term!r}")
        if dots:
            extra = ndim - len(letters)
            if extra < 0:
                raise ValueError(f"einsum {subscripts!r}: term {term!r} names more dimensions "
                                 f"than {who(i)} has ({ndim})")
            n_ellipsis = max(n_ellipsis, extra)
        elif len(letters) != ndim:
            raise ValueError(f"einsum {subscripts!r}: term {term!r} names {len(letters)} "
                             f"dimension(s) but {who(i)} has {ndim}")
        parsed.append((list(head), bool(dots), list(tail), ndim))
    ell = [f"...{j}" for j in range(n_ellipsis)]
    in_labels = []
    for head, dots, tail, ndim in parsed:
        extra = ndim - len(head) - len(tail)
        in_labels.append(head + (ell[n_ellipsis - extra:] if dots else []) + tail)
    if arrow:
        head, dots, tail = rhs.partition("...")
        out = list(head) + (ell if dots else []) + list(tail)
        if "." in head + tail or len(set(head + tail)) != len(head + tail):
            raise ValueError(f"einsum {subscripts!r}: invalid output {rhs!r}")
        if not dots and n_ellipsis:
            raise ValueError(f"einsum {subscripts!r}: the output must keep the '...' dimensions")
        used = {c for labels in in_labels for c in labels}
        for c in head + tail:
            if c not in used:
                raise ValueError(f"einsum {subscripts!r}: output label {c!r} is in no operand")
    else:
        counts: dict[str, int] = {}
        for labels in in_labels:
            for c in labels:
                counts[c] = counts.get(c, 0) + 1
        out = ell + sorted(c for c, k in counts.items() if k == 1 and not c.startswith("..."))
    return in_labels, out


# -- the functions ---------------------------------------------------------------------------


def dot(a: Any, b: Any) -> TensorVariable:
    """numpy.dot: a scalar times an array, vector . vector, matrix . vector, matrix . matrix,
    and for more dimensions the sum over the last axis of a and the second-to-last of b."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    return Dot()(a, b)


def matmul(a: Any, b: Any) -> TensorVariable:
    """numpy.matmul (`a @ b`): batched matrix products, batch axes broadcast."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    for x in (a, b):
        if x.ndim == 0:
            raise TypeError(f"matmul: {x.describe()} is a scalar; matmul needs arrays (use T.mul "
                            f"or T.dot to scale)")
    return MatMul()(a, b)


def _tensordot_axes(a: TensorVariable, b: TensorVariable, axes: Any) -> tuple[list[int], list[int]]:
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        n = int(axes)
        if n < 0 or n > a.ndim or n > b.ndim:
            raise ValueError(f"tensordot: cannot sum over {n} axes of {a.describe()} ({a.ndim} "
                             f"dims) and {b.describe()} ({b.ndim} dims)")
        return list(range(a.ndim - n, a.ndim)), list(range(n))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, got "
                         f"{axes!r}") from None
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(np.asarray(axes_a).ravel())
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(np.asarray(axes_b).ravel())
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: {len(axes_a)} axes of {a.describe()} but {len(axes_b)} of "
                         f"{b.describe()}; they are summed in pairs")
    return ([normalize_axis(i, a, "tensordot") for i in axes_a],
            [normalize_axis(i, b, "tensordot") for i in axes_b])


def tensordot(a: Any, b: Any, axes: Any = 2) -> TensorVariable:
    """numpy.tensordot: `axes` an int n (the last n axes of a against the first n of b)
    or a pair of axis lists."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    return TensorDot(axes_a, axes_b)(a, b)


def outer(x: Any, y: Any) -> TensorVariable:
    """numpy.outer: the product of every element of x (flattened) with every one of y."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    x, y = (_as_vector(v) for v in (x, y))
    return mul(DimShuffle(1, (0, "x"))(x), DimShuffle(1, ("x", 0))(y))


def _as_vector(x: TensorVariable) -> TensorVariable:
    if x.ndim == 1:
        return x
    if x.ndim == 0:
        return DimShuffle(0, ("x",))(x)
    return x.flatten()


def batched_dot(a: Any, b: Any) -> TensorVariable:
    """Theano's batched_dot: along the first axis of both, dot(a[i], b[i]); a vector
    scales the other operand's rows (the product of each a[i] with b[i])."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    for x in (a, b):
        if x.ndim == 0:
            raise TypeError(f"batched_dot: {x.describe()} is a scalar; it needs a batch axis")
    if a.ndim == 1:
        return mul(DimShuffle(1, (0,) + ("x",) * (b.ndim - 1))(a), b)
    if b.ndim == 1:
        return mul(a, DimShuffle(1, (0,) + ("x",) * (a.ndim - 1))(b))
    return BatchedDot()(a, b)


def batched_tensordot(x: Any, y: Any, axes: Any = 2) -> TensorVariable:
    """Theano's batched_tensordot: tensordot(x[i], y[i], axes) along the first axis,
    `axes` as tensordot's counted on x[i] and y[i] (an int, or axis lists of x and y
    that do not include the batch axis 0)."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        n = int(axes)
        axes_x, axes_y = list(range(x.ndim - n, x.ndim)), list(range(1, n + 1))
    else:
        axes_x, axes_y = _tensordot_axes(x, y, axes)
    if 0 in axes_x or 0 in axes_y or min(x.ndim, y.ndim) < 1:
        raise ValueError(f"batched_tensordot: axis 0 of {x.describe()} and {y.describe()} is the "
                         f"batch axis; it cannot be summed over")
    ax = _letters(x.ndim)
    free = iter(_letters(y.ndim, skip="".join(ax)))
    ay = [ax[0] if j == 0 else ax[axes_x[axes_y.index(j)]] if j in axes_y else next(free)
          for j in range(y.ndim)]
    out = [ax[0]] + [ax[i] for i in range(1, x.ndim) if i not in axes_x] + \
          [ay[j] for j in range(1, y.ndim) if j not in axes_y]
    return einsum(f"{''.join(ax)},{''.join(ay)}->{''.join(out)}", x, y)


def einsum(subscripts: str, *operands: Any) -> TensorVariable:
    """numpy.einsum over symbolic operands (also given as one list)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Einsum(subscripts)(*operands)


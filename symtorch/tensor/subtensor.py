"""Indexing: x[...] (basic and advanced), set_subtensor, inc_subtensor, take, nonzero.

Part of the tensor layer (DESIGN.md's first box). `getitem`, which
`TensorVariable.__getitem__` calls, reads a NumPy-style index and builds a
`Subtensor` (ints, slices, None, Ellipsis: a view) or an `AdvancedSubtensor`
(integer arrays and boolean masks, mixed with the rest, as in NumPy). Torch
rules live in link/torch/subtensor.py.

An index is kept in two parts, as in Theano: the op's `idx_list` (one entry
per index position, hashable: an int, a `Slice`, None for np.newaxis, or an
`Index` marker) holds what is known when the graph is built; each `Index`
marker, including those inside a `Slice`, stands for the op's next symbolic
input (a scalar or an array), in order.

Gradients: reading x[idx] sends the output gradient back into zeros shaped like
x at the same index (repeated positions accumulate); writing sends it on to x
and, read at the index, to the written value. Index inputs are disconnected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..gradient import disconnected_type
from ..graph.basic import Apply, Op, Variable
from .basic import NotScalarConstantError, as_tensor_variable, constant, get_scalar_constant_value
from .elemwise import broadcast_shapes
from .scalar import common_dtype, dtype_kind
from .type import TensorType, discrete_dtypes, int_dtypes
from .variable import TensorConstant, TensorVariable

__all__ = [
    "AdvancedIncSubtensor", "AdvancedIncSubtensor1", "AdvancedSubtensor", "AdvancedSubtensor1",
    "IncSubtensor", "Index", "Nonzero", "Slice", "Subtensor", "advanced_inc_subtensor1",
    "advanced_set_subtensor1", "advanced_subtensor1", "flatnonzero", "getitem", "inc_subtensor",
    "nonzero", "nonzero_values", "set_subtensor", "take",
]


# -- the static description of an index -------------------------------------------------


@dataclass(frozen=True)
class Index:
    """Marks the place of a symbolic input in an `idx_list`: a `dtype` index of `ndim`
    dimensions (0 for a scalar; a bool array is a mask). Prints as `int64` or `bool[:,:]`."""

    dtype: str
    ndim: int = 0

    def __str__(self) -> str:
        return self.dtype if self.ndim == 0 else f"{self.dtype}[{','.join(':' * self.ndim)}]"

    @property
    def is_mask(self) -> bool:
        return self.dtype == "bool"


@dataclass(frozen=True)
class Slice:
    """A slice whose parts are None, ints, or scalar `Index` markers (printed as Theano
    prints them: `1:int64:`)."""

    start: int | Index | None = None
    stop: int | Index | None = None
    step: int | Index | None = None

    def parts(self) -> tuple:
        return (self.start, self.stop, self.step)

    def __str__(self) -> str:
        return ":".join("" if p is None else str(p) for p in self.parts())

    @property
    def is_full(self) -> bool:
        return self.parts() == (None, None, None)


def _entry_str(entry: Any) -> str:
    return "None" if entry is None else str(entry)


def _markers(idx_list: Sequence) -> list[Index]:
    """The Index markers of `idx_list`, in the order of the op's symbolic inputs."""
    out = []
    for entry in idx_list:
        if isinstance(entry, Index):
            out.append(entry)
        elif isinstance(entry, Slice):
            out.extend(p for p in entry.parts() if isinstance(p, Index))
    return out


def _consumed(entry: Any) -> int:
    """How many dimensions of the indexed tensor one index entry consumes."""
    if entry is None:
        return 0
    if isinstance(entry, Index) and entry.is_mask:
        return entry.ndim
    return 1


def build_index(idx_list: Sequence, args: Sequence[Any], scalar: Callable = lambda a: a,
                bound: Callable = lambda a: a) -> tuple:
    """The Python index tuple that `idx_list` describes, given one value per Index marker
    (`args`). Top-level markers go through `scalar`, slice parts through `bound`. Used by
    `perform` (NumPy values) and by the torch rules (program values) alike."""
    it = iter(args)
    index = []
    for entry in idx_list:
        if isinstance(entry, Index):
            index.append(scalar(next(it)))
        elif isinstance(entry, Slice):
            index.append(slice(*(bound(next(it)) if isinstance(p, Index) else p
                                 for p in entry.parts())))
        else:
            index.append(entry)
    return tuple(index)


# -- output shapes: one walk over the index, static or symbolic -------------------------------


def index_shape(idx_list: Sequence, x_shape: Sequence, args: Sequence[Any],
                arg_shapes: Sequence[tuple], arith: _StaticLengths | _SymbolicLengths) -> list:
    """The shape of x[index] in NumPy's rules, from x's shape and the index inputs (their
    values or variables, and their shapes), with lengths computed by `arith`.

    Slices give a dimension each, None a dimension of length 1; the advanced entries
    (arrays, masks, and ints or scalars among them) broadcast together to one block,
    which replaces them if they are adjacent and goes first otherwise. In a basic index
    every advanced entry is a scalar, the block is empty, and ints simply drop a dimension.
    """
    it = iter(zip(args, arg_shapes))
    pieces: list = []        # result dims of the non-advanced entries, in order
    adv_shapes: list = []    # the shape each advanced entry contributes to the block
    adv_at: list[int] = []   # positions of the advanced entries in idx_list
    block_at = None          # where the block goes among `pieces` when adjacent
    dim = 0
    for pos, entry in enumerate(idx_list):
        if entry is None:
            pieces.append(1)
        elif isinstance(entry, Slice):
            parts = [next(it)[0] if isinstance(p, Index) else p for p in entry.parts()]
            pieces.append(arith.slice_length(*parts, x_shape[dim]))
            dim += 1
        else:
            if block_at is None:
                block_at = len(pieces)
            adv_at.append(pos)
            if isinstance(entry, int):
                arith.check_int(entry, x_shape[dim], dim)
                adv_shapes.append(())
            else:
                arg, shape = next(it)
                if entry.is_mask:
                    adv_shapes.append((arith.mask_count(arg, shape, x_shape[dim:dim + entry.ndim], dim),))
                else:
                    arith.check_array(arg, x_shape[dim], dim)
                    adv_shapes.append(tuple(shape))
            dim += _consumed(entry)
    pieces.extend(x_shape[dim:])
    if not adv_at:
        return pieces
    block = arith.broadcast(adv_shapes)
    adjacent = adv_at == list(range(adv_at[0], adv_at[-1] + 1))
    at = block_at if adjacent else 0
    return pieces[:at] + list(block) + pieces[at:]


UNKNOWN = object()  # a value not known while the graph is built


class _StaticLengths:
    """Lengths as Python ints, or None where unknown before running: for make_node."""

    @staticmethod
    def slice_length(start: Any, stop: Any, step: Any, n: int | None) -> int | None:
        if step == 0:
            raise ValueError("slice step cannot be zero")
        parts = [int(p) if isinstance(p, np.ndarray) else p for p in (start, stop, step)]
        if n is not None and UNKNOWN not in parts:
            return len(range(*slice(*parts).indices(n)))
        if n == 0 or (n == 1 and start is None and stop is None):
            return n  # whatever the step, these keep their length
        return None

    @staticmethod
    def check_int(i: int, n: int | None, dim: int) -> None:
        if n is not None and not -n <= i < n:
            raise IndexError(f"index {i} is out of bounds for dimension {dim} with length {n}")

    @staticmethod
    def check_array(arg: Any, n: int | None, dim: int) -> None:
        if n is not None and isinstance(arg, np.ndarray) and arg.size and (
                arg.max() >= n or arg.min() < -n):
            bad = arg.max() if arg.max() >= n else arg.min()
            raise IndexError(f"index {bad} is out of bounds for dimension {dim} with length {n}")

    @staticmethod
    def mask_count(arg: Any, shape: tuple, dims: Sequence, dim: int) -> int | None:
        for k, (m, n) in enumerate(zip(shape, dims)):
            if m is not None and n is not None and m != n:
                raise IndexError(
                    f"boolean index of shape {tuple('?' if s is None else s for s in shape)} does "
                    f"not match the indexed tensor in dimension {dim + k} (length {n} there, "
                    f"{m} in the mask)")
        return int(np.count_nonzero(arg)) if isinstance(arg, np.ndarray) else None

    @staticmethod
    def broadcast(shapes: Sequence[tuple]) -> tuple:
        ndim = max(len(s) for s in shapes)
        padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
        try:
            return broadcast_shapes(padded)
        except TypeError:
            raise IndexError(f"shape mismatch: indexing arrays of shapes "
                             f"{', '.join(_shape_str(s) for s in shapes)} could not be broadcast "
                             f"together") from None


def _shape_str(shape: Sequence) -> str:
    return "(" + ", ".join("?" if s is None else str(s) for s in shape) + \
        ("," if len(shape) == 1 else "") + ")"


class _SymbolicLengths:
    """Lengths as int64 scalar graphs (Python ints where known): for infer_shape.
    Arithmetic on Python ints is done now, so static parts fold away."""

    @staticmethod
    def slice_length(start: Any, stop: Any, step: Any, n: Any) -> Any:
        """CPython's slice-length formula (PySlice_AdjustIndices), symbolically."""
        start, stop, step, n = (None if v is None else _int64(v) for v in (start, stop, step, n))
        if step is None:
            step = 1
        if isinstance(step, int):
            return _slice_length_signed(start, stop, step, n, step > 0)
        up = _slice_length_signed(start, stop, step, n, True)
        down = _slice_length_signed(start, stop, step, n, False)
        return _T().switch(_T().gt(step, 0), up, down)

    @staticmethod
    def check_int(i: int, n: Any, dim: int) -> None:
        pass

    @staticmethod
    def check_array(arg: Any, n: Any, dim: int) -> None:
        pass

    @staticmethod
    def mask_count(arg: Any, shape: tuple, dims: Sequence, dim: int) -> Any:
        if isinstance(arg, TensorConstant):
            return int(np.count_nonzero(arg.data))
        return _int64(_T().sum(arg))

    @staticmethod
    def broadcast(shapes: Sequence[tuple]) -> tuple:
        ndim = max(len(s) for s in shapes)
        padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
        out = []
        for lengths in zip(*padded):
            known = [s for s in lengths if isinstance(s, int) and s != 1]
            if known:
                out.append(known[0])
                continue
            length: Any = 1
            for s in lengths:  # a length of 1 gives way to the other
                if isinstance(s, int):
                    continue
                length = s if isinstance(length, int) else _T().switch(_T().eq(length, 1), s, length)
            out.append(length)
        return tuple(out)


def _T():
    from .. import tensor
    return tensor


def _known(v: Any) -> Any:
    """A length as a Python int when it is a constant, else as it is."""
    if isinstance(v, TensorConstant) and v.ndim == 0:
        return int(v.data)
    return int(v) if isinstance(v, np.integer) else v


def _int64(v: Any) -> Any:
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, TensorConstant) and v.ndim == 0:
        return int(v.data)
    return _T().cast(v, "int64")


def _arith(name: str, pyfn: Callable) -> Callable:
    def apply(*args: Any) -> Any:
        if all(isinstance(a, (int, bool)) for a in args):
            return pyfn(*args)
        return getattr(_T(), name)(*args)
    return apply


_add = _arith("add", lambda a, b: a + b)
_sub = _arith("sub", lambda a, b: a - b)
_max = _arith("maximum", max)
_min = _arith("minimum", min)
_floordiv = _arith("int_div", lambda a, b: a // b)
_neg = _arith("neg", lambda a: -a)
_lt = _arith("lt", lambda a, b: a < b)


def _where(cond: Any, a: Any, b: Any) -> Any:
    if isinstance(cond, bool):
        return a if cond else b
    return _T().switch(cond, a, b)


def _slice_length_signed(start: Any, stop: Any, step: Any, n: Any, positive: bool) -> Any:
    def adjust(i: Any, default: Any, low: Any, high: Any) -> Any:
        if i is None:
            return default
        i = _where(_lt(i, 0), _add(i, n), i)
        return _min(_max(i, low), high)

    if positive:
        a, b = adjust(start, 0, 0, n), adjust(stop, n, 0, n)
        span, s = _sub(b, a), step
    else:
        last = _sub(n, 1)
        a, b = adjust(start, last, -1, last), adjust(stop, -1, -1, last)
        span, s = _sub(a, b), _neg(step)
    if isinstance(s, int) and s == 1:
        return _max(span, 0)
    return _max(_floordiv(_add(span, _sub(s, 1)), s), 0)


# -- reading the user's index ---------------------------------------------------------------


def _check_index_variable(x: TensorVariable, v: TensorVariable, what: str) -> None:
    if v.dtype not in discrete_dtypes:
        raise TypeError(f"{what} of {x.describe()} must have an integer dtype (or bool for a "
                        f"mask); {v.describe()} is {v.type.describe_value()}")


def _as_part(x: TensorVariable, part: Any, what: str) -> int | TensorVariable | None:
    """A slice bound or a scalar index: None, a Python int, or an int scalar variable."""
    if part is None:
        return None
    if isinstance(part, (bool, np.bool_)):
        raise TypeError(f"{what} of {x.describe()} must be an integer, not the bool {part!r}")
    if isinstance(part, (int, np.integer)):
        return int(part)
    if isinstance(part, Variable):
        part = as_tensor_variable(part)
        if part.ndim != 0:
            raise TypeError(f"{what} of {x.describe()} must be a scalar; {part.describe()} has "
                            f"{part.ndim} dimensions")
        if part.dtype not in int_dtypes:
            raise TypeError(f"{what} of {x.describe()} must be an integer scalar; {part.describe()} "
                            f"is {part.type.describe_value()}")
        try:
            return int(get_scalar_constant_value(part))
        except NotScalarConstantError:
            return part
    raise TypeError(f"{what} of {x.describe()} must be an int, None or an integer scalar "
                    f"variable; got {part!r}")


def _read_index(x: TensorVariable, index: Any) -> tuple[list, list[TensorVariable], bool]:
    """(idx_list, symbolic inputs, whether it is advanced) for x[index]."""
    if not isinstance(index, tuple):
        index = (index,)
    entries: list = []
    inputs: list[TensorVariable] = []
    advanced = False
    ellipsis_at = None

    def marker(v: TensorVariable) -> Index:
        inputs.append(v)
        return Index(v.dtype, v.ndim)

    for pos, item in enumerate(index):
        what = f"index {pos}"
        if item is Ellipsis:
            if ellipsis_at is not None:
                raise IndexError(f"an index of {x.describe()} can only have a single ellipsis ('...')")
            ellipsis_at = len(entries)
        elif item is None:
            entries.append(None)
        elif isinstance(item, slice):
            parts = [_as_part(x, p, f"{what} (a slice {name})")
                     for p, name in zip((item.start, item.stop, item.step), ("start", "stop", "step"))]
            if parts[2] == 0:
                raise ValueError(f"{what} of {x.describe()}: slice step cannot be zero")
            entries.append(Slice(*(marker(p) if isinstance(p, Variable) else p for p in parts)))
        elif isinstance(item, (bool, np.bool_)) or (
                isinstance(item, Variable) and getattr(item, "ndim", None) == 0
                and getattr(item, "dtype", None) == "bool"):
            raise TypeError(f"{what} of {x.describe()} is a boolean scalar; symtorch takes boolean "
                            f"masks with at least one dimension (use None for a new axis)")
        elif isinstance(item, (int, np.integer)):
            entries.append(int(item))
        elif isinstance(item, (float, complex, np.floating, np.complexfloating, str, bytes)):
            raise TypeError(f"{what} of {x.describe()} must be an integer, slice, None, Ellipsis or "
                            f"an integer/boolean array; got {item!r}")
        else:
            if isinstance(item, (list, tuple)) and len(item) == 0:
                item = np.zeros(0, dtype="int64")  # NumPy reads [] as an empty integer index
            try:
                v = as_tensor_variable(item)
            except TypeError as err:
                raise TypeError(f"{what} of {x.describe()}: cannot use {item!r} as an index "
                                f"({err})") from None
            _check_index_variable(x, v, what)
            if v.ndim == 0:
                part = _as_part(x, v, what)
                entries.append(marker(part) if isinstance(part, Variable) else part)
            else:
                entries.append(marker(v))
                advanced = True
    consumed = sum(_consumed(e) for e in entries)
    if consumed > x.ndim:
        raise IndexError(f"too many indices for {x.describe()}: it has {x.ndim} dimensions but "
                         f"{consumed} were indexed")
    if ellipsis_at is not None:
        entries[ellipsis_at:ellipsis_at] = [Slice()] * (x.ndim - consumed)
    return entries, inputs, advanced


def getitem(x: Any, index: Any) -> TensorVariable:
    """x[index] with NumPy's meaning: `Subtensor` for basic indices (ints, slices, None,
    Ellipsis), `AdvancedSubtensor1` for one integer vector, `AdvancedSubtensor` for
    integer arrays and boolean masks mixed with the rest."""
    x = as_tensor_variable(x)
    idx_list, inputs, advanced = _read_index(x, index)
    if not advanced:
        return Subtensor(idx_list)(x, *inputs)
    if _is_advanced1(idx_list):
        return AdvancedSubtensor1()(x, inputs[0])
    return AdvancedSubtensor(idx_list)(x, *inputs)


def _is_advanced1(idx_list: Sequence) -> bool:
    return (len(idx_list) == 1 and isinstance(idx_list[0], Index) and idx_list[0].ndim == 1
            and not idx_list[0].is_mask)


# -- the ops --------------------------------------------------------------------------------


class _IndexOp(Op):
    """What indexing ops share: the idx_list, checking the index inputs, output shapes."""

    __props__ = ("idx_list",)

    def __init__(self, idx_list: Sequence):
        self.idx_list = tuple(idx_list)

    def __str__(self) -> str:
        return f"{type(self).__name__}{{{', '.join(map(_entry_str, self.idx_list))}}}"

    def _check_inputs(self, x: TensorVariable, inputs: Sequence[Any]) -> list[TensorVariable]:
        markers = _markers(self.idx_list)
        if len(inputs) != len(markers):
            raise TypeError(f"{self} takes {len(markers)} index inputs, got {len(inputs)}")
        inputs = [as_tensor_variable(v) for v in inputs]
        for v, m in zip(inputs, markers):
            if v.dtype != m.dtype or v.ndim != m.ndim:
                raise TypeError(f"{self}: index input {v.describe()} is {v.type.describe_value()}; "
                                f"the op expects a {m.dtype} index of {m.ndim} dimensions")
        consumed = sum(_consumed(e) for e in self.idx_list)
        if consumed > x.ndim:
            raise IndexError(f"too many indices for {x.describe()}: it has {x.ndim} dimensions "
                             f"but {consumed} were indexed")
        return inputs

    def _static_shape(self, x: TensorVariable, inputs: Sequence[TensorVariable]) -> tuple:
        values = [v.data if isinstance(v, TensorConstant) else UNKNOWN for v in inputs]
        return tuple(index_shape(self.idx_list, x.type.shape, values,
                                 [v.type.shape for v in inputs], _StaticLengths))

    def _indexed_shape(self, node: Apply, input_shapes: list[tuple], first_index: int) -> tuple:
        shapes = [tuple(_known(n) for n in shp) for shp in input_shapes]
        return tuple(index_shape(self.idx_list, shapes[0], node.inputs[first_index:],
                                 shapes[first_index:], _SymbolicLengths))

    # -- derivatives of reading x[idx] (the writing ops override both) --

    def _inc_op(self) -> _IncOp:
        """The op that adds a value into x[idx]: the transpose of reading it."""
        raise NotImplementedError

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable]:
        """dx = the output gradient added at idx into zeros shaped like x: an increment,
        so an advanced index that picks a position several times sums its gradients."""
        x, *index = inputs
        (g,) = output_grads
        gx = self._inc_op()(_T().zeros_like(x, dtype=g.dtype), g, *index)
        return [gx, *(disconnected_type() for _ in index)]

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[Variable | None]:
        """Reading is linear in x: the same index applied to x's tangent."""
        x, *index = inputs
        return [None if eval_points[0] is None else self(eval_points[0], *index)]


class Subtensor(_IndexOp):
    """x[idx] for a basic index (ints, slices, None): a view of x, as in NumPy.

    `idx_list` holds the index with the Ellipsis expanded; its `Index` markers stand for
    the symbolic scalars (ints and slice bounds) that follow x among the inputs.
    """

    view_map = {0: 0}

    def make_node(self, x: Any, *inputs: Any) -> Apply:
        x = as_tensor_variable(x)
        inputs = self._check_inputs(x, inputs)
        if any(isinstance(m, Index) and m.ndim for m in self.idx_list):
            raise TypeError(f"{self} is for basic indices; use AdvancedSubtensor for arrays")
        shape = self._static_shape(x, inputs)
        return Apply(self, [x, *inputs], [TensorType(x.dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [_with_static(node.outputs[0], self._indexed_shape(node, input_shapes, 1))]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        x, *args = inputs
        index = build_index(self.idx_list, args, scalar=int, bound=int)
        return [np.asarray(x[index])]

    def _inc_op(self) -> _IncOp:
        return IncSubtensor(self.idx_list)


class AdvancedSubtensor(_IndexOp):
    """x[idx] with integer arrays or boolean masks among the index entries: NumPy's
    advanced indexing (a copy). The arrays (and the ints and scalars beside them)
    broadcast together; their block of dimensions replaces them where they are
    adjacent and comes first otherwise. Index arrays of any integer dtype are accepted.
    """

    def make_node(self, x: Any, *inputs: Any) -> Apply:
        x = as_tensor_variable(x)
        inputs = self._check_inputs(x, inputs)
        shape = self._static_shape(x, inputs)
        return Apply(self, [x, *inputs], [TensorType(x.dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [_with_static(node.outputs[0], self._indexed_shape(node, input_shapes, 1))]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        x, *args = inputs
        index = build_index(self.idx_list, args, bound=int)
        return [np.asarray(x[index])]

    def _inc_op(self) -> _IncOp:
        return AdvancedIncSubtensor(self.idx_list)


class AdvancedSubtensor1(AdvancedSubtensor):
    """x[ivec]: rows of x picked by one integer vector (Theano's name for this case)."""

    __props__ = ()

    def __init__(self) -> None:
        super().__init__((Index("int64", 1),))

    def __str__(self) -> str:
        return "AdvancedSubtensor1"

    def _check_inputs(self, x, inputs):
        if len(inputs) != 1:
            raise TypeError(f"AdvancedSubtensor1 takes one index vector, got {len(inputs)}")
        v = as_tensor_variable(inputs[0])
        if v.ndim != 1 or v.dtype not in int_dtypes:
            raise TypeError(f"AdvancedSubtensor1 needs an integer vector index; {v.describe()} is "
                            f"{v.type.describe_value()}")
        if x.ndim < 1:
            raise IndexError(f"too many indices for {x.describe()}: it has 0 dimensions")
        return [v]

    def make_node(self, x: Any, *inputs: Any) -> Apply:
        x = as_tensor_variable(x)
        (v,) = self._check_inputs(x, inputs)
        shape = v.type.shape + x.type.shape[1:]
        if isinstance(v, TensorConstant):
            _StaticLengths.check_array(v.data, x.type.shape[0], 0)
        return Apply(self, [x, v], [TensorType(x.dtype, shape).make_variable()])

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        x, i = inputs
        return [np.asarray(x[i])]

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [_with_static(node.outputs[0], (input_shapes[1][0], *input_shapes[0][1:]))]

    def _inc_op(self) -> _IncOp:
        return AdvancedIncSubtensor1()


def _with_static(out: Variable, shape: tuple) -> tuple:
    """Prefer the output's static lengths over computed ones."""
    return tuple(s if s is not None else d for s, d in zip(out.type.shape, shape))


# -- writing into an indexed part: set_subtensor, inc_subtensor -----------------------------


class _IncOp(_IndexOp):
    """x with x[idx] replaced by y (`set_instead_of_inc`) or increased by y. Inputs are
    x, y, then the index inputs. The result is a new tensor; x is never changed."""

    __props__ = ("idx_list", "set_instead_of_inc")
    get_op: type = Subtensor
    inplace = False
    destroy_map: dict = {}

    def __init__(self, idx_list: Sequence, inplace: bool = False, set_instead_of_inc: bool = False):
        # Theano's argument order; `inplace` is accepted and ignored (the result is a copy).
        super().__init__(idx_list)
        self.set_instead_of_inc = bool(set_instead_of_inc)

    def __str__(self) -> str:
        kind = "set" if self.set_instead_of_inc else "inc"
        index = ", ".join(map(_entry_str, self.idx_list))
        return f"{type(self).__name__}{{{kind}; {index}}}"

    def _indexing_op(self) -> _IndexOp:
        return self.get_op(self.idx_list)

    def _variant(self, set_instead_of_inc: bool) -> _IncOp:
        return type(self)(self.idx_list, set_instead_of_inc=set_instead_of_inc)

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable]:
        """dx = the output gradient, zeroed at idx for set (those entries of x were
        overwritten) and whole for inc; dy = the output gradient read at idx, summed over
        the dimensions y was broadcast along. Which dimensions those are is read from the
        static types, as in Theano: y's missing leading dimensions, and those where y has
        length 1 and x[idx] may not. (With set and a repeated position, each write to it
        gets its gradient, although only one write is kept.)"""
        x, y, *index = inputs
        (g,) = output_grads
        gx = self._variant(True)(g, constant(0, dtype=g.dtype), *index) \
            if self.set_instead_of_inc else g
        gy = _sum_to_value(self._indexing_op()(g, *index), y)
        return [gx, gy, *(disconnected_type() for _ in index)]

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[Variable | None]:
        """Writing is linear in (x, y): the same write of y's tangent into x's (a missing
        tangent is zero)."""
        x, y, *index = inputs
        ex, ey = eval_points[:2]
        if ex is None and ey is None:
            return [None]
        ex = _T().zeros_like(x) if ex is None else _as_dtype(ex, x.dtype)
        if ey is None:
            return [self(ex, constant(0, dtype=x.dtype), *index) if self.set_instead_of_inc else ex]
        return [self(ex, _as_dtype(ey, x.dtype), *index)]

    def make_node(self, x: Any, y: Any, *inputs: Any) -> Apply:
        x = as_tensor_variable(x)
        indexed = self._indexing_op().make_node(x, *inputs)
        y = _fit_value(x, indexed.outputs[0], y, self.set_instead_of_inc)
        return Apply(self, [x, y, *indexed.inputs[1:]], [x.type.make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [input_shapes[0]]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        x, y, *args = inputs
        index = build_index(self.idx_list, args, scalar=self._perform_scalar, bound=int)
        out = x.copy()
        if self.set_instead_of_inc:
            out[index] = y
        elif isinstance(self, AdvancedIncSubtensor):
            np.add.at(out, index, y)  # repeated indices accumulate
        else:
            out[index] += y
        return [out]

    _perform_scalar = staticmethod(int)


def _fit_value(x: TensorVariable, indexed: TensorVariable, y: Any, set_: bool) -> TensorVariable:
    """y checked against x[idx] (it must broadcast to it) and converted to x's dtype."""
    verb = "set_subtensor" if set_ else "inc_subtensor"
    y = as_tensor_variable(y)
    if y.ndim > indexed.ndim:
        raise TypeError(f"{verb}: cannot write {y.describe()}, which has {y.ndim} dimensions, into "
                        f"a part of {x.describe()} with {indexed.ndim} dimensions")
    offset = indexed.ndim - y.ndim
    for d, (m, n) in enumerate(zip(y.type.shape, indexed.type.shape[offset:])):
        if m is not None and n is not None and m not in (1, n):
            raise ValueError(f"{verb}: {y.describe()} of shape {_shape_str(y.type.shape)} does not "
                             f"broadcast to the indexed part of {x.describe()}, of shape "
                             f"{_shape_str(indexed.type.shape)} (dimension {offset + d})")
    if y.dtype != x.dtype:
        weak = isinstance(y, TensorConstant) and y.weak
        if common_dtype([x.dtype, y.dtype], [False, weak]) != x.dtype or \
                (weak and not _fits(y.data, x.dtype)):
            raise TypeError(f"{verb}: {y.describe()} ({y.dtype}) cannot be written into "
                            f"{x.describe()} ({x.dtype}) without losing precision; cast it "
                            f"first (y.astype({x.dtype!r}))")
        y = _T().cast(y, x.dtype) if not weak else \
            TensorConstant(TensorType(x.dtype, ()), np.asarray(y.data.item()).astype(
                x.type.numpy_dtype))
    return y


def _sum_to_value(g: TensorVariable, y: TensorVariable) -> TensorVariable:
    """g, shaped like the part of x that y was written into, summed back to y's shape."""
    lead = g.ndim - y.ndim
    if lead:
        g = _T().sum(g, axis=tuple(range(lead)))
    spread = tuple(d for d, (m, n) in enumerate(zip(y.type.shape, g.type.shape))
                   if m == 1 and n != 1)
    return _T().sum(g, axis=spread, keepdims=True) if spread else g


def _as_dtype(v: TensorVariable, dtype: str) -> TensorVariable:
    return v if v.dtype == dtype else _T().cast(v, dtype)


def _fits(value: np.ndarray, dtype: str) -> bool:
    if dtype_kind(dtype) != "int":
        return True  # a Python float rounds into any float dtype, as NumPy 2 allows
    info = np.iinfo(dtype)
    return info.min <= int(value) <= info.max


class IncSubtensor(_IncOp):
    """set_subtensor / inc_subtensor on a basic index."""

    get_op = Subtensor


class AdvancedIncSubtensor(_IncOp):
    """set_subtensor / inc_subtensor on an advanced index. Increments accumulate over
    repeated indices (np.add.at); with set, which of several writes to one element wins
    is unspecified (NumPy and torch on CPU keep the last; CUDA may keep any)."""

    get_op = AdvancedSubtensor
    _perform_scalar = staticmethod(lambda a: a)


class AdvancedIncSubtensor1(AdvancedIncSubtensor):
    """set/inc on x[ivec] (Theano's name for this case)."""

    __props__ = ("set_instead_of_inc",)
    get_op = AdvancedSubtensor1

    def __init__(self, inplace: bool = False, set_instead_of_inc: bool = False):
        super().__init__((Index("int64", 1),), set_instead_of_inc=set_instead_of_inc)

    def __str__(self) -> str:
        return f"AdvancedIncSubtensor1{{{'set' if self.set_instead_of_inc else 'inc'}}}"

    def _indexing_op(self) -> _IndexOp:
        return AdvancedSubtensor1()

    def _variant(self, set_instead_of_inc: bool) -> _IncOp:
        return AdvancedIncSubtensor1(set_instead_of_inc=set_instead_of_inc)


def _inc_op_for(indexed: Any, set_: bool, verb: str) -> tuple[_IncOp, list[Variable]]:
    owner = getattr(indexed, "owner", None)
    op = owner.op if owner is not None else None
    if isinstance(op, AdvancedSubtensor1):
        return AdvancedIncSubtensor1(set_instead_of_inc=set_), owner.inputs
    if isinstance(op, AdvancedSubtensor):
        return AdvancedIncSubtensor(op.idx_list, set_instead_of_inc=set_), owner.inputs
    if isinstance(op, Subtensor):
        return IncSubtensor(op.idx_list, set_instead_of_inc=set_), owner.inputs
    what = indexed.describe() if isinstance(indexed, Variable) else repr(indexed)
    raise TypeError(f"{verb}: the first argument must be the result of indexing a tensor, as in "
                    f"{verb}(x[idx], y); {what} is not")


def set_subtensor(x: Any, y: Any, inplace: bool = False, tolerate_inplace_aliasing: bool = False):
    """A copy of the tensor indexed by `x` (an `a[idx]` expression) with that part set to y:
    NumPy's `a[idx] = y`, as a new tensor. y broadcasts to a[idx]; its dtype must convert to
    a's without loss (a Python number is converted if it fits). `inplace` is accepted for
    Theano's signature and ignored: the input is never changed."""
    op, (a, *index_inputs) = _inc_op_for(x, True, "set_subtensor")
    return op(a, y, *index_inputs)


def inc_subtensor(x: Any, y: Any, inplace: bool = False, set_instead_of_inc: bool = False,
                  tolerate_inplace_aliasing: bool = False, ignore_duplicates: bool = False):
    """A copy of the tensor indexed by `x` (an `a[idx]` expression) with y added to that part.
    With integer-array indices repeated positions accumulate, as `np.add.at`."""
    verb = "set_subtensor" if set_instead_of_inc else "inc_subtensor"
    op, (a, *index_inputs) = _inc_op_for(x, set_instead_of_inc, verb)
    return op(a, y, *index_inputs)


def advanced_subtensor1(x: Any, ilist: Any) -> TensorVariable:
    return AdvancedSubtensor1()(x, ilist)


def advanced_inc_subtensor1(x: Any, y: Any, ilist: Any) -> TensorVariable:
    return AdvancedIncSubtensor1()(x, y, ilist)


def advanced_set_subtensor1(x: Any, y: Any, ilist: Any) -> TensorVariable:
    return AdvancedIncSubtensor1(set_instead_of_inc=True)(x, y, ilist)


# -- take, nonzero ----------------------------------------------------------------------------


def take(a: Any, indices: Any, axis: int | None = None, mode: str = "raise") -> TensorVariable:
    """numpy.take: the entries of `a` at `indices` along `axis` (of the flattened `a` when
    axis is None). `mode` 'raise' (out of range is an error), 'wrap' or 'clip'."""
    a = as_tensor_variable(a)
    indices = as_tensor_variable(indices)
    if indices.dtype not in int_dtypes:
        raise TypeError(f"take: indices must be integers; {indices.describe()} is "
                        f"{indices.type.describe_value()}")
    if axis is None:
        a, axis = _T().flatten(a, 1), 0
    if not -a.ndim <= axis < a.ndim:
        raise ValueError(f"take: axis {axis} is out of range for {a.describe()} ({a.ndim} dims)")
    axis %= a.ndim
    if mode == "wrap":
        indices = _T().mod(indices, a.shape[axis])
    elif mode == "clip":
        indices = _T().clip(indices, 0, a.shape[axis] - 1)
    elif mode != "raise":
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip'; got {mode!r}")
    return getitem(a, (slice(None),) * axis + (indices,))


class Nonzero(Op):
    """The indices of the nonzero entries of a: an int64 matrix with one row per dimension
    of a (NumPy's `np.array(np.nonzero(a))`). Its length is known only when it runs."""

    def make_node(self, a: Any) -> Apply:
        a = as_tensor_variable(a)
        if a.ndim == 0:
            raise TypeError(f"nonzero: {a.describe()} is a scalar; it needs at least one dimension")
        return Apply(self, [a], [TensorType("int64", (a.ndim, None)).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        a = node.inputs[0]
        return [(a.ndim, _int64(_T().sum(_T().neq(a, 0))))]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return [np.array(np.nonzero(inputs[0]), dtype="int64").reshape(inputs[0].ndim, -1)]

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable]:
        """Positions do not vary with the values: no gradient flows through."""
        return [disconnected_type()]

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[None]:
        return [None]


def nonzero(a: Any, return_matrix: bool = False):
    """Theano's nonzero: a tuple of int64 vectors, one per dimension of a, holding the
    indices of its nonzero entries (the (ndim, n) matrix with return_matrix)."""
    matrix = Nonzero()(a)
    if return_matrix:
        return matrix
    return tuple(matrix[i] for i in range(matrix.type.shape[0]))


def flatnonzero(a: Any) -> TensorVariable:
    """The indices of the nonzero entries of the flattened a."""
    return nonzero(_T().flatten(as_tensor_variable(a), 1))[0]


def nonzero_values(a: Any) -> TensorVariable:
    """The nonzero entries of the flattened a."""
    flat = _T().flatten(as_tensor_variable(a), 1)
    return flat[flatnonzero(flat)]


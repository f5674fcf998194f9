"""Canonicalization of shapes: the alloc/broadcast scaffolding of gradients, DimShuffles,
reshapes, subtensors and the lengths of shapes.

`ShapeKeys` (Theano's shape feature) gives each length a key, the same for two lengths
that are equal whenever the function runs: `Shape_i(0)(exp(x))` and `Shape_i(0)(x)` get
one key. The rewrites use it to see that an alloc, a sum_to or a reshape changes nothing,
and replace `Shape_i` of an op's output by the op's `infer_shape`, so a shape no longer
needs the value it is the shape of. As in canonicalize.py, a rewrite also answers to the
name of the Theano rewrite that did its work (`mode.excluding("local_elemwise_alloc")`).
Part of rewriting/, beside canonicalize.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.fg import FunctionGraph
from ..tensor.basic import constant
from ..tensor.construction import Alloc, alloc
from ..tensor.elemwise import DimShuffle, Elemwise
from ..tensor.reduction import SumTo
from ..tensor.shape import (
    MakeVector,
    Reshape,
    Shape,
    Shape_i,
    SpecifyShape,
    as_length,
    dim_length,
    lengths_of,
    static_value,
)
from ..tensor.subtensor import Index, Slice, Subtensor
from ..tensor.type import TensorType
from ..tensor.variable import TensorConstant, TensorVariable
from .basic import node_rewriter, rewrite_cache
from .canonicalize import fit, scalar_name, single_client, strong
from .db import register

# -- the shape feature: lengths as comparable keys -----------------------------------------------


class ShapeKeys:
    """Keys (small ints) for lengths: equal keys mean lengths equal at run time.

    A static length is keyed by its value; the length of a dimension of an input (or of
    the output of an op without shape inference) by (variable, dimension); an Elemwise
    output's length by the set of its operands' lengths that broadcast together (one key
    when they all agree); other ops' lengths by their `infer_shape` over their inputs'
    keys. Keys stay true as the graph is rewritten (a rewrite keeps values and shapes),
    so the table is kept for the whole rewrite of one FunctionGraph (`rewrite_cache`).
    """

    def __init__(self) -> None:
        self._ids: dict[tuple, int] = {}
        self._shapes: dict[Variable, tuple[int, ...]] = {}
        self._lengths: dict[Variable, int] = {}
        self._placeholders: dict[int, TensorVariable] = {}
        self._members: dict[int, frozenset[int]] = {}  # a broadcast key -> the lengths in it
        self._values: dict[int, int] = {}  # a constant's key -> its value
        self._lengths_of_dims: set[int] = set()  # keys of dimension lengths: never negative

    def _intern(self, key: tuple) -> int:
        return self._ids.setdefault(key, len(self._ids))

    def const(self, n: int) -> int:
        key = self._intern(("const", int(n)))
        self._values[key] = int(n)
        return key

    def _dim(self, key: tuple) -> int:
        k = self._intern(key)
        self._lengths_of_dims.add(k)
        return k

    def _arith(self, name: str, keys: list[int]) -> int:
        """The key of integer arithmetic on lengths, with the identities a shape inference
        leaves behind simplified: a length is never -1 (Reshape's guard against a -1 entry,
        e + (e == -1) * (m - e), is e), and x + 0, x * 1, x * 0."""
        values = [self._values.get(k) for k in keys]
        if name == "eq" and len(keys) == 2:
            for k, other in ((keys[0], values[1]), (keys[1], values[0])):
                if other is not None and other < 0 and \
                        (k in self._lengths_of_dims or (self._values.get(k, -1) >= 0)):
                    return self.const(0)
        if name in ("add", "mul") and len(keys) == 2:
            identity = 0 if name == "add" else 1
            for k, other in ((keys[0], values[1]), (keys[1], values[0])):
                if other == identity:
                    return k
                if name == "mul" and other == 0:
                    return self.const(0)
        if None not in values:
            from ..tensor.scalar import SCALAR_OPS
            python = SCALAR_OPS[name].python if name in SCALAR_OPS else None
            if python is not None:
                return self.const(int(python(*values)))
        return self._intern((name, *keys))

    def shape(self, var: TensorVariable) -> tuple[int, ...]:
        """The keys of `var`'s lengths."""
        stack = [var]
        while stack:
            v = stack[-1]
            if v in self._shapes:
                stack.pop()
                continue
            node = v.owner
            if node is None or None not in v.type.shape:
                self._shapes[v] = self._own(v)
                stack.pop()
                continue
            pending = [i for i in node.inputs
                       if isinstance(i.type, TensorType) and i not in self._shapes]
            if pending:
                stack.extend(pending)
                continue
            for out, keys in zip(node.outputs, self._node_shapes(node)):
                self._shapes.setdefault(out, keys)
            stack.pop()
        return self._shapes[var]

    def same(self, var: TensorVariable, lengths: list[Variable]) -> bool:
        """Whether `var` has exactly `lengths` (length variables) at run time."""
        return var.ndim == len(lengths) and \
            self.shape(var) == tuple(self.length(n) for n in lengths)

    def _own(self, v: TensorVariable) -> tuple[int, ...]:
        return tuple(self.const(s) if s is not None else self._dim(("dim", v, d))
                     for d, s in enumerate(v.type.shape))

    def _node_shapes(self, node: Apply) -> list[tuple[int, ...]]:
        op = node.op
        if isinstance(op, Elemwise) and len(node.outputs) == 1:
            return [self._broadcast(node)]
        if isinstance(op, DimShuffle):
            inner = self._shapes[node.inputs[0]]
            return [tuple(self.const(1) if o == "x" else inner[o] for o in op.new_order)]
        shapes_in = [tuple(self._placeholder(k) for k in self._shapes[i])
                     if isinstance(i.type, TensorType) else None for i in node.inputs]
        try:
            inferred = op.infer_shape(node, shapes_in)
        except Exception:  # noqa: BLE001 -- an op whose shape inference cannot take these
            inferred = None  # symbolic lengths keeps the opaque keys of its outputs
        result = []
        for j, out in enumerate(node.outputs):
            if not isinstance(out.type, TensorType):
                result.append(())
                continue
            shp = inferred[j] if inferred is not None and j < len(inferred) else None
            own = self._own(out)
            if shp is None or len(shp) != out.ndim:
                result.append(own)
                continue
            result.append(tuple(k if s is not None or n is None else self._length_of_entry(n)
                                for k, s, n in zip(own, out.type.shape, shp)))
        return result

    def _length_of_entry(self, n: Any) -> int:
        if isinstance(n, (int, np.integer)):
            return self.const(int(n))
        return self.length(n)

    def _broadcast(self, node: Apply) -> tuple[int, ...]:
        out = node.outputs[0]
        keys = []
        for d, s in enumerate(out.type.shape):
            if s is not None:
                keys.append(self.const(s))
                continue
            one = self.const(1)
            found: set[int] = set()
            for i in node.inputs:  # broadcasting is associative: flatten nested broadcasts
                if i.type.shape[d] != 1:
                    k = self._shapes[i][d]
                    found |= self._members.get(k, {k})
            found.discard(one)
            if len(found) <= 1:
                keys.append(found.pop() if found else one)
            else:
                members = frozenset(found)
                key = self._dim(("broadcast", members))
                self._members[key] = members
                keys.append(key)
        return tuple(keys)

    def _placeholder(self, key: int) -> TensorVariable:
        if key not in self._placeholders:
            v = TensorType("int64", ())(f"length{key}")
            v.tag.shape_key = key
            self._placeholders[key] = v
        return self._placeholders[key]

    def length(self, n: Variable) -> int:
        """The key of a length: an integer scalar variable."""
        if n in self._lengths:
            return self._lengths[n]
        known = static_value(n)
        if known is not None:
            key = self.const(known)
        elif "shape_key" in n.tag:
            key = n.tag.shape_key
        else:
            key = self._length_of_node(n)
        self._lengths[n] = key
        return key

    def _length_of_node(self, n: Variable) -> int:
        node = n.owner
        op = node.op if node is not None else None
        if isinstance(op, Shape_i):
            return self.shape(node.inputs[0])[op.i]
        if isinstance(op, Subtensor) and len(op.idx_list) == 1 and isinstance(op.idx_list[0], int):
            (i,), source = op.idx_list, node.inputs[0]
            if source.owner is not None and isinstance(source.owner.op, Shape):
                keys = self.shape(source.owner.inputs[0])
                if -len(keys) <= i < len(keys):
                    return keys[i]
            if source.owner is not None and isinstance(source.owner.op, MakeVector):
                entries = source.owner.inputs
                if -len(entries) <= i < len(entries):
                    return self.length(entries[i])
        name = scalar_name(n)
        if name is not None and n.dtype in ("int64", "int32", "bool") and \
                all(i.dtype in ("int64", "int32", "bool") for i in node.inputs):
            if name.startswith("Cast{") and (n.dtype != "bool" or node.inputs[0].dtype == "bool"):
                return self.length(node.inputs[0])  # an integer keeps its value
            keys = [self.length(i) for i in node.inputs]
            if node.op.scalar_op.commutative:
                keys.sort()
            return self._arith(name, keys)
        return self._intern(("var", n))


def shape_keys(fgraph: FunctionGraph) -> ShapeKeys:
    """The ShapeKeys kept on `fgraph` while it is rewritten (made on first use)."""
    return rewrite_cache(fgraph, "shape_keys", ShapeKeys)


def _vector_keys(keys: ShapeKeys, shp: Variable, n: int) -> list[int] | None:
    """The keys of the entries of a shape vector, where they can be read."""
    if isinstance(shp, TensorConstant):
        return [keys.const(int(e)) for e in shp.data.reshape(-1)]
    if shp.owner is not None and isinstance(shp.owner.op, MakeVector):
        return [keys.length(e) for e in shp.owner.inputs]
    if shp.owner is not None and isinstance(shp.owner.op, Shape):
        return list(keys.shape(shp.owner.inputs[0]))
    return None


# -- Shape and Shape_i --------------------------------------------------------------------------


@register("canonicalize", "fast_run", "fast_compile")
@node_rewriter([Shape_i])
def shape_i_of_known_length(fgraph: FunctionGraph, node: Apply):
    """Shape_i(i)(x) -> the constant length, where x's type knows it."""
    n = node.inputs[0].type.shape[node.op.i]
    return None if n is None else [constant(n, dtype="int64")]


@register("canonicalize", "fast_run", "fast_compile")
@node_rewriter([Shape])
def shape_of_known_shape(fgraph: FunctionGraph, node: Apply):
    """shape(x) -> a constant vector, where x's type knows every length."""
    shape = node.inputs[0].type.shape
    if None in shape:
        return None
    return [constant(np.asarray(shape, dtype=np.int64).reshape(len(shape)))]


def _contains(new: Variable, var: Variable, fgraph: FunctionGraph) -> bool:
    """Whether the graph of `new`, down to what `fgraph` already holds, reads `var`."""
    stack, seen = [new], set()
    while stack:
        v = stack.pop()
        if v is var:
            return True
        if v in seen or v in fgraph.variables or v.owner is None:
            continue
        seen.add(v)
        stack.extend(v.owner.inputs)
    return False


def _inferred_length(fgraph: FunctionGraph, var: TensorVariable, i: int) -> Variable | None:
    """Length i of `var` from its op's infer_shape over the op's inputs' lengths, or None
    where it cannot be had without `var` itself."""
    node = var.owner
    shapes = [tuple(lengths_of(v)) if isinstance(v.type, TensorType) else None
              for v in node.inputs]
    try:
        entry = node.op.infer_shape(node, shapes)[var.index][i]
    except Exception:  # noqa: BLE001 -- no usable shape inference: keep Shape_i
        return None
    if entry is None:
        return None
    entry = as_length(entry, f"{node.op}.infer_shape")
    return None if _contains(entry, var, fgraph) else entry


def _reads_existing(entry: Variable, fgraph: FunctionGraph) -> bool:
    """A constant, a variable of the graph, or one Shape_i/Subtensor node over them: a
    length that costs nothing new to compute."""
    if isinstance(entry, TensorConstant) or entry in fgraph.variables:
        return True
    node = entry.owner
    return node is not None and isinstance(node.op, (Shape_i, Subtensor)) and \
        all(isinstance(v, TensorConstant) or v in fgraph.variables for v in node.inputs)


def _only_shapes_read(fgraph: FunctionGraph, var: Variable) -> bool:
    return all(client != "output" and isinstance(client.op, (Shape, Shape_i))
               for client, _ in fgraph.clients.get(var, ()))


@register("canonicalize", "fast_run")
@node_rewriter([Shape_i])
def shape_i_from_infer_shape(fgraph: FunctionGraph, node: Apply):
    """Shape_i(i)(op(...)) -> the length op.infer_shape gives from op's inputs (the shape
    feature): Shape_i(0)(exp(x)) -> Shape_i(0)(x). A shape then no longer waits for, or
    keeps alive, the value it is the shape of. Where the inferred length is arithmetic
    (broadcasting lengths not known while the graph is built), only when the value
    feeds nothing but shapes, so the rewrite never adds work to a value computed anyway."""
    (x,) = node.inputs
    if x.owner is None:
        return None
    entry = _inferred_length(fgraph, x, node.op.i)
    if entry is None:
        return None
    if not _reads_existing(entry, fgraph) and not _only_shapes_read(fgraph, x):
        return None
    return [entry]


@register("canonicalize", "fast_run", "local_shape_to_shape_i")
@node_rewriter([Shape])
def shape_to_lengths(fgraph: FunctionGraph, node: Apply):
    """shape(op(...)) -> make_vector(lengths from op.infer_shape), when none of them needs
    the value itself: the shape vector no longer depends on the value."""
    (x,) = node.inputs
    if x.owner is None or x.ndim == 0 or None not in x.type.shape:
        return None
    lengths = []
    for i, s in enumerate(x.type.shape):
        entry = constant(s, dtype="int64") if s is not None else _inferred_length(fgraph, x, i)
        if entry is None or not (_reads_existing(entry, fgraph) or _only_shapes_read(fgraph, x)):
            return None
        lengths.append(entry)
    return [MakeVector("int64")(*lengths)]


@register("canonicalize", "fast_run", "fast_compile", "local_subtensor_make_vector")
@node_rewriter([Subtensor])
def entry_of_shape_vector(fgraph: FunctionGraph, node: Apply):
    """shape(x)[i] -> Shape_i(i)(x) (a constant where the type knows it), and
    make_vector(a, b, ...)[i] -> the i-th scalar."""
    idx = node.op.idx_list
    if len(idx) != 1 or not isinstance(idx[0], int) or isinstance(idx[0], bool):
        return None
    (i,), source = idx, node.inputs[0]
    if source.owner is None:
        return None
    if isinstance(source.owner.op, Shape):
        x = source.owner.inputs[0]
        return [dim_length(x, i % x.ndim)] if -x.ndim <= i < x.ndim else None
    if isinstance(source.owner.op, MakeVector):
        entries = source.owner.inputs
        return [entries[i]] if -len(entries) <= i < len(entries) else None
    return None


# -- alloc and sum_to: the scaffolding of gradients ---------------------------------------------


@register("canonicalize", "fast_run", "local_useless_alloc")
@node_rewriter([Alloc])
def useless_alloc(fgraph: FunctionGraph, node: Apply):
    """alloc(v, *lengths) -> v when v already has those lengths (a graph never writes into
    a value, so the copy is not needed; leading lengths of 1 become broadcastable
    dimensions of v); alloc(alloc(v, ...), *lengths) -> alloc(v, *lengths) (broadcasting
    twice is broadcasting once)."""
    value, *lengths = node.inputs
    out = node.outputs[0]
    keys = shape_keys(fgraph)
    pad = len(lengths) - value.ndim
    if [keys.length(n) for n in lengths] == [keys.const(1)] * pad + list(keys.shape(value)):
        new = fit(value, out)
        return None if new is None else [new]
    if value.owner is not None and isinstance(value.owner.op, Alloc):
        new = fit(alloc(value.owner.inputs[0], *lengths), out)
        return None if new is None else [new]
    return None


@register("canonicalize", "fast_run")
@node_rewriter([SumTo])
def useless_sum_to(fgraph: FunctionGraph, node: Apply):
    """sum_to(g, *lengths) -> g when g already has those lengths (nothing was broadcast,
    nothing to sum)."""
    g, *lengths = node.inputs
    if not shape_keys(fgraph).same(g, lengths):
        return None
    new = fit(g, node.outputs[0])
    return None if new is None else [new]


@register("canonicalize", "fast_run")
@node_rewriter([SumTo])
def sum_to_of_sum_to(fgraph: FunctionGraph, node: Apply):
    """sum_to(sum_to(g, *l1), *l2) -> sum_to(g, *l2): each length of l2 is 1 or l1's, each
    of l1 is 1 or g's, so summing in two steps sums over the same dimensions as one."""
    x, *lengths = node.inputs
    if x.owner is None or not isinstance(x.owner.op, SumTo):
        return None
    new = fit(SumTo()(x.owner.inputs[0], *lengths), node.outputs[0])
    return None if new is None else [new]


def _padded(value: TensorVariable, ndim: int) -> TensorVariable:
    value = strong(value)
    if value.ndim == ndim:
        return value
    return DimShuffle(value.ndim, ("x",) * (ndim - value.ndim) + tuple(range(value.ndim)))(value)


@register("canonicalize", "fast_run", "local_elemwise_alloc")
@node_rewriter([Elemwise])
def alloc_in_elemwise(fgraph: FunctionGraph, node: Apply):
    """f(alloc(v, *lengths), y) -> f(v, y) where the result's shape does not need the alloc:
    in each dimension the length given is v's own or that of another operand (as
    ones_like(y) * y -> 1 * y; the ones of a gradient). Broadcasting v inside f gives the
    same values without building the array."""
    if len(node.outputs) != 1:
        return None
    keys = shape_keys(fgraph)
    new_inputs, changed = list(node.inputs), False
    for i, inp in enumerate(node.inputs):
        if inp.owner is None or not isinstance(inp.owner.op, Alloc):
            continue
        value, *lengths = inp.owner.inputs
        v = _padded(value, inp.ndim)
        wanted = [keys.length(n) for n in lengths]
        own = [keys.const(1)] * (inp.ndim - value.ndim) + list(keys.shape(value))
        others = [keys.shape(x) for j, x in enumerate(new_inputs) if j != i]
        if all(w == o or any(s[d] == w for s in others)
               for d, (w, o) in enumerate(zip(wanted, own))):
            new_inputs[i], changed = v, True
    if not changed:
        return None
    new = fit(node.op(*new_inputs), node.outputs[0])
    return None if new is None else [new]


@register("canonicalize", "fast_run", "local_alloc_unary")
@node_rewriter([Elemwise])
def unary_of_alloc(fgraph: FunctionGraph, node: Apply):
    """f(alloc(v, *lengths)) -> alloc(f(v), *lengths) for a one-operand f, when the alloc
    feeds nothing else: f runs on v's few elements instead of the whole array."""
    if len(node.inputs) != 1 or len(node.outputs) != 1:
        return None
    (inp,) = node.inputs
    if inp.owner is None or not isinstance(inp.owner.op, Alloc) or not single_client(fgraph, inp):
        return None
    value, *lengths = inp.owner.inputs
    new = fit(alloc(node.op(strong(value)), *lengths), node.outputs[0])
    return None if new is None else [new]


# -- DimShuffle ---------------------------------------------------------------------------------


@register("canonicalize", "fast_run", "fast_compile", "local_dimshuffle_lift")
@node_rewriter([DimShuffle])
def useless_dimshuffle(fgraph: FunctionGraph, node: Apply):
    """DimShuffle{0,1,...,n-1}(x) -> x: the identity order."""
    if node.op.new_order == tuple(range(node.op.input_ndim)):
        return [node.inputs[0]]
    return None


@register("canonicalize", "fast_run", "fast_compile", "local_dimshuffle_lift")
@node_rewriter([DimShuffle])
def merge_dimshuffles(fgraph: FunctionGraph, node: Apply):
    """DimShuffle{p}(DimShuffle{q}(x)) -> DimShuffle{q composed with p}(x): one view."""
    x = node.inputs[0]
    if x.owner is None or not isinstance(x.owner.op, DimShuffle):
        return None
    inner = x.owner.op
    order = tuple("x" if o == "x" else inner.new_order[o] for o in node.op.new_order)
    source = x.owner.inputs[0]
    if order == tuple(range(source.ndim)):
        new = fit(source, node.outputs[0])
        if new is not None:
            return [new]
    return [DimShuffle(source.ndim, order)(source)]


@register("canonicalize", "fast_run", "local_dimshuffle_lift")
@node_rewriter([DimShuffle])
def lift_dimshuffle(fgraph: FunctionGraph, node: Apply):
    """DimShuffle{p}(f(a, b)) -> f(DimShuffle{p}(a), DimShuffle{p}(b)) for an elementwise
    f whose result feeds nothing else: the same elementwise work, while the DimShuffles
    travel to the inputs, where they merge with the inputs' own, fold into constants or
    vanish (transposing twice)."""
    x = node.inputs[0]
    if x.owner is None or not isinstance(x.owner.op, Elemwise) or len(x.owner.outputs) != 1 \
            or not single_client(fgraph, x):
        return None
    order = node.op.new_order
    inputs = [DimShuffle(v.ndim, order)(strong(v)) for v in x.owner.inputs]
    new = fit(x.owner.op(*inputs), node.outputs[0])
    return None if new is None else [new]


# -- reshape, subtensor, specify_shape that change nothing -------------------------------------


@register("canonicalize", "fast_run", "local_useless_reshape")
@node_rewriter([Reshape])
def useless_reshape(fgraph: FunctionGraph, node: Apply):
    """reshape(x, shape) -> x when shape is x's own (as many dimensions, each of the same
    length whenever the function runs; one -1 among lengths that match is x's length)."""
    x, shp = node.inputs
    if node.op.ndim != x.ndim:
        return None
    keys = shape_keys(fgraph)
    wanted = _vector_keys(keys, shp, x.ndim)
    if wanted is None or len(wanted) != x.ndim:
        return None
    own = keys.shape(x)
    minus_one = keys.const(-1)
    mismatched = [d for d in range(x.ndim) if wanted[d] != own[d]]
    if mismatched and (len(mismatched) > 1 or wanted[mismatched[0]] != minus_one):
        return None
    new = fit(x, node.outputs[0])
    return None if new is None else [new]


@register("canonicalize", "fast_run", "local_reshape_chain")
@node_rewriter([Reshape])
def reshape_of_reshape(fgraph: FunctionGraph, node: Apply):
    """reshape(reshape(x, s1), s2) -> reshape(x, s2): a reshape keeps the order of the
    elements, so only the last one matters."""
    x, shp = node.inputs
    if x.owner is None or not isinstance(x.owner.op, Reshape):
        return None
    new = fit(node.op(x.owner.inputs[0], shp), node.outputs[0])
    return None if new is None else [new]


def _full_slice(entry: Any, length_key: int, bound: Variable | None, keys: ShapeKeys,
                static: int | None) -> bool:
    if not isinstance(entry, Slice):
        return False
    start, stop, step = entry.parts()
    if start not in (None, 0) or step not in (None, 1) or isinstance(start, bool):
        return False
    if stop is None:
        return True
    if isinstance(stop, Index):
        return bound is not None and keys.length(bound) == length_key
    return static is not None and stop >= static


@register("canonicalize", "fast_run", "local_useless_subtensor")
@node_rewriter([Subtensor])
def useless_subtensor(fgraph: FunctionGraph, node: Apply):
    """x[:], x[0:], x[::1], x[:n] with n = len(x) (or more, known while the graph is
    built), in every dimension indexed -> x."""
    x, *args = node.inputs
    keys = shape_keys(fgraph)
    own = keys.shape(x)
    args_iter = iter(args)
    for d, entry in enumerate(node.op.idx_list):
        if not isinstance(entry, Slice):
            return None
        parts = [next(args_iter) if isinstance(p, Index) else None for p in entry.parts()]
        if isinstance(entry.start, Index) or isinstance(entry.step, Index):
            return None
        if not _full_slice(entry, own[d], parts[1], keys, x.type.shape[d]):
            return None
    new = fit(x, node.outputs[0])
    return None if new is None else [new]


@register("canonicalize", "fast_run", "fast_compile", "local_useless_specify_shape")
@node_rewriter([SpecifyShape])
def useless_specify_shape(fgraph: FunctionGraph, node: Apply):
    """specify_shape(x, shape) -> x when x's type already knows every length given."""
    x = node.inputs[0]
    if all(s is None or s == t for s, t in zip(node.op.shape, x.type.shape)):
        return [x]
    return None


__all__ = [
    "ShapeKeys", "alloc_in_elemwise", "entry_of_shape_vector", "lift_dimshuffle",
    "merge_dimshuffles", "reshape_of_reshape", "shape_i_from_infer_shape",
    "shape_i_of_known_length", "shape_keys", "shape_of_known_shape", "shape_to_lengths",
    "unary_of_alloc", "useless_alloc", "useless_dimshuffle", "useless_reshape",
    "useless_specify_shape", "useless_subtensor", "useless_sum_to",
]


# Stabilize and specialize build new graph after canonicalization has run: the final phase
# folds the constants they leave (DimShuffle{x}(1.0)) and merges or drops their DimShuffles.
# Excluding 'canonicalize' or the rewrite's own name turns these off too.
from .merge import constant_folding  # noqa: E402

for _rewriter in (constant_folding, useless_dimshuffle, merge_dimshuffles):
    register("final", "fast_run", "canonicalize", _rewriter.name,
             name=f"{_rewriter.name}_final")(_rewriter)

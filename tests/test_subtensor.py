"""Indexing: x[...] (basic and advanced), set_subtensor, inc_subtensor, take, nonzero.

Every case is checked against NumPy indexing the same values with the same index,
dtype included, in each mode; shapes against `infer_shape` and the static type;
gradients and R_ops against finite differences.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symtorch.tensor as T
from symtorch import function, shared
from symtorch.gradient import DisconnectedInputError, DisconnectedType, verify_grad
from symtorch.tensor.shape import inferred_shape, stack_shape
from symtorch.tensor.subtensor import (
    AdvancedIncSubtensor,
    AdvancedIncSubtensor1,
    AdvancedSubtensor,
    AdvancedSubtensor1,
    IncSubtensor,
    Nonzero,
    Subtensor,
)
from symtorch.testing import (
    MODES,
    assert_allclose,
    check_infer_shape,
    random_value,
    reference_eval,
    verify_rop,
)

X_SHAPE = (4, 5, 3)
I, J = -2, 2  # values of the symbolic scalars i (int64) and j (int32)


def _inputs(dtype="float64", index_dtype="int64"):
    x = T.tensor(dtype, shape=(None, None, None), name="x")
    i, j = T.lscalar("i"), T.iscalar("j")
    v = T.tensor(index_dtype, shape=(None,), name="v")
    w = T.tensor(index_dtype, shape=(None, None), name="w")
    return x, i, j, v, w


def _values(dtype="float64", index_dtype="int64", v=(3, 0, 2)):
    x = random_value(T.TensorType(dtype, X_SHAPE), rng=np.random.default_rng(1))
    return x, np.int64(I), np.int32(J), np.array(v, dtype=index_dtype), \
        np.array([[0, 1], [2, 0]], dtype=index_dtype)


def _check_indexing(index, mode, dtype="float64", index_dtype="int64", v=(3, 0, 2)):
    """x[index] compiled in `mode`, by `perform` and by NumPy agree (values, dtype, shape)."""
    sym, vals = _inputs(dtype, index_dtype), _values(dtype, index_dtype, v)
    out = index(*sym)
    expected = np.asarray(index(*vals))
    got = function(list(sym), out, mode=mode, on_unused_input="ignore")(*vals)
    assert_allclose(got, expected)
    assert got.shape == expected.shape
    assert all(s is None or s == n for s, n in zip(out.type.shape, expected.shape)), out.type
    assert_allclose(reference_eval([out], dict(zip(sym, vals)))[0], expected)
    return out


# -- basic indexing -----------------------------------------------------------------------

BASIC = {
    "int": lambda x, i, j, v, w: x[1],
    "negative ints": lambda x, i, j, v, w: x[-1, 2],
    "slice": lambda x, i, j, v, w: x[1:3],
    "negative bounds": lambda x, i, j, v, w: x[-3:-1, :, 1:],
    "steps": lambda x, i, j, v, w: x[::2, 1::3],
    "backward steps": lambda x, i, j, v, w: x[::-1, 3:0:-2],
    "new axes": lambda x, i, j, v, w: x[None, :, None, 0],
    "ellipsis": lambda x, i, j, v, w: x[..., 1],
    "ellipsis in the middle": lambda x, i, j, v, w: x[0, ..., None, 2],
    "bounds past the ends": lambda x, i, j, v, w: x[2:100, -100:2],
    "empty slice": lambda x, i, j, v, w: x[3:1],
    "whole": lambda x, i, j, v, w: x[:],
    "symbolic int": lambda x, i, j, v, w: x[i],
    "symbolic bounds": lambda x, i, j, v, w: x[i:, :j],
    "symbolic step": lambda x, i, j, v, w: x[::j, ::i],
    "symbolic int and backward slice": lambda x, i, j, v, w: x[j, i::-1],
}


@pytest.mark.parametrize("case", BASIC)
def test_basic_indexing_matches_numpy_and_is_a_subtensor(case, mode):
    out = _check_indexing(BASIC[case], mode)
    assert type(out.owner.op) is Subtensor


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "float32", "complex128"])
def test_basic_indexing_keeps_the_dtype(dtype, mode):
    _check_indexing(lambda x, i, j, v, w: x[1:, i, ::-1], mode, dtype=dtype)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "uint8"])
def test_scalar_indices_of_every_int_dtype(dtype, mode):
    x = T.dmatrix("x")
    k = T.scalar(dtype=dtype, name="k")
    out = x[k, k:]
    X = np.arange(12.0).reshape(3, 4)
    assert_allclose(function([x, k], out, mode=mode)(X, 1), X[1, 1:])


def test_static_shapes_follow_from_static_lengths():
    x = T.tensor("float64", shape=(6, None, 1))
    assert x[2:5].type.shape == (3, None, 1)
    assert x[0].type.shape == (None, 1)
    assert x[::-2, 1:3, 0].type.shape == (3, None)
    assert x[None, ..., None].type.shape == (1, 6, None, 1, 1)
    assert x[T.lscalar():].type.shape == (None, None, 1)
    assert x[:, :, ::T.lscalar()].type.shape == (6, None, 1)  # any step keeps a length of 1
    assert x[T.constant(1):T.constant(4)].type.shape == (3, None, 1)  # constants fold


def test_constant_parts_are_props_and_symbolic_parts_inputs():
    x, i = T.dmatrix("x"), T.lscalar("i")
    a, b = x[1:3], x[1:3]
    assert a.owner.op == b.owner.op and a.owner.inputs == [x]
    assert str(a.owner.op) == "Subtensor{1:3:}"
    c = x[i:, ::-1]
    assert c.owner.inputs == [x, i] and str(c.owner.op) == "Subtensor{int64::, ::-1}"
    assert x[0].owner.op != x[1].owner.op


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_random_basic_indices_match_numpy(data):
    shape = data.draw(st.lists(st.integers(0, 4), max_size=3), label="shape")
    bound = st.one_of(st.none(), st.integers(-6, 6))
    entries, n_dims = [], data.draw(st.integers(0, len(shape)))
    for n in shape[:n_dims]:
        kind = data.draw(st.sampled_from(["int", "slice", "full"] if n else ["slice", "full"]))
        if kind == "int":
            entries.append(data.draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            step = data.draw(st.one_of(st.none(), st.integers(-3, 3).filter(bool)))
            entries.append(slice(data.draw(bound), data.draw(bound), step))
        else:
            entries.append(slice(None))
        if data.draw(st.integers(0, 4)) == 0:
            entries.append(None)  # a new axis, now and then
    if entries and data.draw(st.booleans()):  # an Ellipsis stands for the dimensions left,
        # so it goes last, unless every dimension is indexed and it stands for none
        at = data.draw(st.integers(0, len(entries))) if n_dims == len(shape) else len(entries)
        entries.insert(at, Ellipsis)
    # Each int part is symbolic or a constant, by chance.
    inputs, values = [], []

    def part(p):
        if isinstance(p, int) and data.draw(st.booleans()):
            var = T.scalar(dtype=data.draw(st.sampled_from(["int8", "int32", "int64"])))
            inputs.append(var)
            values.append(p)
            return var
        return p

    index = tuple(slice(part(e.start), part(e.stop), part(e.step)) if isinstance(e, slice)
                  else part(e) for e in entries)
    X = np.arange(int(np.prod(shape)), dtype="float32").reshape(shape)
    static = [n if data.draw(st.booleans()) else None for n in shape]  # lengths known or not
    x = T.tensor("float32", shape=static, name="x")
    out = x[index]
    expected = X[tuple(entries)]
    assert all(s is None or s == n for s, n in zip(out.type.shape, expected.shape))
    mode = data.draw(st.sampled_from(MODES))
    got = function([x, *inputs], out, mode=mode)(X, *values)
    assert_allclose(got, expected)
    assert got.shape == expected.shape
    (inferred,) = reference_eval([stack_shape(inferred_shape(out))], {x: X, **dict(zip(inputs, values))})
    assert tuple(inferred) == expected.shape
    check_infer_shape([x, *inputs], [out], [X, *values])


# -- advanced indexing ---------------------------------------------------------------------

ADVANCED = {
    "vector": lambda x, i, j, v, w: x[v],
    "vector on axis 1": lambda x, i, j, v, w: x[:, v],
    "vector on the last axis": lambda x, i, j, v, w: x[..., w[0]],
    "two adjacent arrays": lambda x, i, j, v, w: x[v, v],
    "arrays apart go first": lambda x, i, j, v, w: x[v, :, v - 1],
    "an int counts as an array": lambda x, i, j, v, w: x[0, :, w],
    "a symbolic int counts as an array": lambda x, i, j, v, w: x[i, 1:, w],
    "a new axis parts arrays": lambda x, i, j, v, w: x[v, None, v],
    "slice then array": lambda x, i, j, v, w: x[1:, v],
    "matrix index": lambda x, i, j, v, w: x[w],
    "arrays broadcast": lambda x, i, j, v, w: x[w, w[0]],
    "mask": lambda x, i, j, v, w: x[x > 0],
    "mask of two dims then slice": lambda x, i, j, v, w: x[x[:, :, 0] > 0, 1:],
    "mask after a slice": lambda x, i, j, v, w: x[:, x[0, :, 0] > 0],
    "constant list": lambda x, i, j, v, w: x[[0, 2], 1:],
    "array and backward slice": lambda x, i, j, v, w: x[v, ::-1],
    "backward slice then array": lambda x, i, j, v, w: x[::-2, v],
    "arrays apart, backward slice between": lambda x, i, j, v, w: x[v[:2], ::-2, w[0]],
}


@pytest.mark.parametrize("case", ADVANCED)
def test_advanced_indexing_matches_numpy(case, mode):
    out = _check_indexing(ADVANCED[case], mode)
    assert isinstance(out.owner.op, AdvancedSubtensor)


@pytest.mark.parametrize("index_dtype", ["int8", "int16", "int32", "int64", "uint8"])
def test_index_arrays_of_every_int_dtype(index_dtype, mode):
    _check_indexing(lambda x, i, j, v, w: x[v[:2], 1:, w[:, 1]], mode, index_dtype=index_dtype)


@pytest.mark.parametrize("dtype", ["bool", "int8", "float32", "complex64"])
def test_advanced_indexing_keeps_the_dtype(dtype, mode):
    _check_indexing(lambda x, i, j, v, w: x[v[1:], ::2, w[1]], mode, dtype=dtype)


def test_negative_index_arrays_count_from_the_end(mode):
    _check_indexing(lambda x, i, j, v, w: x[v[:2], :, -1 - w], mode, v=(-1, 0, -4), index_dtype="int8")


def test_one_int_vector_is_advanced_subtensor1():
    x, v = T.dmatrix("x"), T.ivector("v")
    assert type(x[v].owner.op) is AdvancedSubtensor1
    assert type(x[v, 1:].owner.op) is AdvancedSubtensor
    assert x[v].type.shape == (None, None)
    assert T.tensor("float64", shape=(5, 3))[[0, 1, 1, 4]].type.shape == (4, 3)


def test_logistic_regression_picks_one_entry_per_row(mode):
    p, y = T.dmatrix("p"), T.lvector("y")
    nll = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    P = np.random.default_rng(0).uniform(0.1, 1, (6, 4))
    Y = np.array([0, 3, 1, 1, 2, 0])
    expected = -np.mean(np.log(P)[np.arange(6), Y])
    assert_allclose(function([p, y], nll, mode=mode)(P, Y), expected)


def test_advanced_static_shapes():
    x = T.tensor("float64", shape=(5, 4, 3))
    v, m = T.lvector("v"), T.tensor("int32", shape=(2, 3))
    assert x[m].type.shape == (2, 3, 4, 3)
    assert x[:, m, 0].type.shape == (5, 2, 3)       # adjacent: in place
    assert x[0, :, m].type.shape == (2, 3, 4)       # apart: first
    assert x[m, v].type.shape == (2, 3, 3)          # (2,3) and (?,) broadcast
    assert x[None, [[0], [1]], [0, 1, 2]].type.shape == (1, 2, 3, 3)
    assert x[x > 0].type.shape == (None,)
    assert x[np.array([True, False, True, True, False])].type.shape == (3, 4, 3)


# -- set_subtensor / inc_subtensor ---------------------------------------------------------

S = np.s_
WRITES = {  # the index, for a symbolic or a NumPy x, i, v
    "int": lambda x, i, v: 1,
    "slice": lambda x, i, v: S[1:3, ::2],
    "backward slices": lambda x, i, v: S[::-1, 4:0:-2],
    "new axis": lambda x, i, v: S[:, None, 0],
    "symbolic int": lambda x, i, v: S[i, 1:],
    "symbolic step": lambda x, i, v: S[::i],
    "vector": lambda x, i, v: v,
    "vector on axis 1": lambda x, i, v: S[:, v],
    "arrays apart": lambda x, i, v: S[v, :, v - 1],
    "int and array apart": lambda x, i, v: S[0, :, v - 1],
    "array and backward slice": lambda x, i, v: S[v, ::-1],
    "backward slice, arrays apart": lambda x, i, v: S[v, ::-2, v - 1],
    "new axis between arrays": lambda x, i, v: S[v, None, 1:, v - 1],
    "mask": lambda x, i, v: x > 0,
    "mask and slice": lambda x, i, v: S[x[:, :, 0] > 0, ::-1],
}


def _check_write(case, set_, mode, dtype="float64", v=(3, 0, 2), y_full=True, i=-1):
    """set/inc_subtensor(x[index], y) compiled, by `perform`, and by NumPy agree."""
    index = WRITES[case]
    x, iv, vv = T.tensor(dtype, shape=(None,) * 3, name="x"), T.lscalar("i"), T.lvector("v")
    X = random_value(T.TensorType(dtype, X_SHAPE), rng=np.random.default_rng(2))
    V = np.array(v)
    np_index = index(X, i, V)
    target_shape = X[np_index].shape
    y_shape = target_shape if y_full else target_shape[-1:]
    Y = random_value(T.TensorType(dtype, y_shape), rng=np.random.default_rng(3))
    y = T.tensor(dtype, shape=(None,) * len(y_shape), name="y")
    out = (T.set_subtensor if set_ else T.inc_subtensor)(x[index(x, iv, vv)], y)
    expected = X.copy()
    if set_:
        expected[np_index] = Y
    else:
        np.add.at(expected, np_index, Y)  # repeated indices accumulate
    inputs, values = [x, iv, vv, y], [X, i, V, Y]
    got = function(inputs, out, mode=mode, on_unused_input="ignore")(*values)
    assert_allclose(got, expected)
    assert_allclose(reference_eval([out], dict(zip(inputs, values)))[0], expected)
    return out


@pytest.mark.parametrize("case", WRITES)
@pytest.mark.parametrize("set_", [True, False], ids=["set", "inc"])
def test_set_and_inc_subtensor_match_numpy(case, set_, mode):
    out = _check_write(case, set_, mode)
    op = out.owner.op
    assert op.set_instead_of_inc is set_
    expected = {Subtensor: IncSubtensor, AdvancedSubtensor1: AdvancedIncSubtensor1}
    x = T.dtensor3()
    indexed = x[WRITES[case](x, T.lscalar(), T.lvector())].owner.op
    assert type(op) is expected.get(type(indexed), AdvancedIncSubtensor)


@pytest.mark.parametrize("dtype", ["bool", "int8", "float32", "complex128"])
@pytest.mark.parametrize("set_", [True, False], ids=["set", "inc"])
def test_set_and_inc_keep_the_dtype(dtype, set_, mode):
    _check_write("array and backward slice", set_, mode, dtype=dtype)
    _check_write("symbolic int", set_, mode, dtype=dtype)


@pytest.mark.parametrize("case", ["int", "vector on axis 1", "backward slice, arrays apart"])
def test_the_value_broadcasts_to_the_indexed_part(case, mode):
    _check_write(case, True, mode, y_full=False)
    _check_write(case, False, mode, y_full=False)


def test_inc_with_repeated_indices_accumulates(mode):
    x, v, y = T.dvector("x"), T.lvector("v"), T.dvector("y")
    f = function([x, v, y], T.inc_subtensor(x[v], y), mode=mode)
    got = f(np.zeros(4), [1, 1, 3, 1, -1], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert_allclose(got, np.array([0.0, 7.0, 0.0, 8.0]))
    _check_write("arrays apart", False, mode, v=(1, 1, 2, 1))
    _check_write("vector", False, mode, v=(0, 0, 0))


def test_set_with_repeated_indices_writes_one_of_the_values(mode):
    x, v, y = T.dvector("x"), T.lvector("v"), T.dvector("y")
    got = function([x, v, y], T.set_subtensor(x[v], y), mode=mode)(np.zeros(3), [1, 1], [5.0, 6.0])
    assert got[0] == 0 and got[2] == 0 and got[1] in (5.0, 6.0)


@pytest.mark.parametrize("index", [lambda s: s[1:], lambda s: s[[0, 0]]])
def test_set_and_inc_never_change_their_input(index, mode):
    s = shared(np.arange(4.0), name="s")
    x = T.dvector("x")
    f = function([x], [T.set_subtensor(index(x), 9.0), T.inc_subtensor(index(s), 1.0)], mode=mode)
    arg = torch.arange(4, dtype=torch.float64)
    f(arg)
    assert torch.equal(arg, torch.arange(4, dtype=torch.float64))
    assert np.array_equal(s.get_value(), np.arange(4.0))


def test_python_numbers_convert_to_the_tensor_dtype(mode):
    x = T.bvector("x")
    out = T.inc_subtensor(x[1:], 3)
    assert out.owner.inputs[1].dtype == "int8"
    X = np.array([1, 2, 3], dtype="int8")
    assert_allclose(function([x], out, mode=mode)(X), np.array([1, 5, 6], dtype="int8"))
    f = T.fvector("f")
    assert T.set_subtensor(f[0], 0.1).dtype == "float32"
    assert T.set_subtensor(T.dvector()[0], T.iscalar()).dtype == "float64"  # int32 fits float64


def test_theano_spellings_of_the_advanced_ops(mode):
    x, v, y = T.dmatrix("x"), T.lvector("v"), T.dmatrix("y")
    X, V, Y = np.zeros((3, 2)), np.array([2, 2]), np.ones((2, 2))
    fns = [T.advanced_subtensor1(x, v), T.advanced_inc_subtensor1(x, y, v),
           T.advanced_set_subtensor1(x, y, v), T.inc_subtensor(x[v], y, set_instead_of_inc=True)]
    got = function([x, v, y], fns, mode=mode)(X, V, Y)
    assert_allclose(got[0], X[V])
    assert_allclose(got[1], np.array([[0, 0], [0, 0], [2, 2.0]]))
    assert_allclose(got[2], np.array([[0, 0], [0, 0], [1, 1.0]]))
    assert_allclose(got[3], got[2])
    assert str(fns[1].owner.op) == "AdvancedIncSubtensor1{inc}"


# -- take, nonzero ----------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("indices", [[2, 0, -1], [[1, 1], [0, 2]], 1])
def test_take_matches_numpy(axis, indices, mode):
    a = T.dmatrix("a")
    A = np.arange(12.0).reshape(3, 4)
    assert_allclose(function([a], T.take(a, indices, axis=axis), mode=mode)(A),
                    np.take(A, indices, axis=axis))


@pytest.mark.parametrize("take_mode", ["wrap", "clip"])
def test_take_wraps_or_clips_out_of_range_indices(take_mode, mode):
    a, i = T.dvector("a"), T.lvector("i")
    A, idx = np.arange(4.0), np.array([-6, 5, 1, 9])
    got = function([a, i], T.take(a, i, mode=take_mode), mode=mode)(A, idx)
    assert_allclose(got, np.take(A, idx, mode=take_mode))


def test_nonzero_and_friends_match_numpy(mode):
    a = T.imatrix("a")
    A = np.array([[0, 3, 0], [1, 0, 2]], dtype="int32")
    outs = [*T.nonzero(a), T.nonzero(a, return_matrix=True), T.flatnonzero(a), T.nonzero_values(a)]
    got = function([a], outs, mode=mode)(A)
    expected = [*np.nonzero(A), np.array(np.nonzero(A)), np.flatnonzero(A), A[A != 0]]
    for g, e in zip(got, expected):
        assert_allclose(g, e)
    check_infer_shape([a], [outs[2]], [A], mode=mode)


# -- shapes are host values -------------------------------------------------------------------


def test_an_entry_of_a_shape_lowers_to_a_host_int(mode):
    x = T.dmatrix("x")
    f = function([x], [x.shape[0], x.shape[-1], x[: x.shape[0] - 1], T.zeros(x.shape[1:])], mode=mode)
    X = np.ones((3, 4))
    n, m, head, zeros = f(X)
    assert n == 3 and m == 4 and n.dtype == np.int64
    assert_allclose(head, X[:2])
    assert_allclose(zeros, np.zeros(4))
    code = f.code
    assert "x.size(0)" in code and "as_int" not in code and "index" not in code


def test_indexing_a_shape_with_a_symbolic_index(mode):
    x, k = T.dmatrix("x"), T.lscalar("k")
    f = function([x, k], [x.shape[k], x.shape[k:]], mode=mode)
    n, tail = f(np.ones((3, 4)), 1)
    assert n == 4 and list(tail) == [4]


# -- shape inference --------------------------------------------------------------------------


@pytest.mark.parametrize("case", [*BASIC, *ADVANCED])
def test_infer_shape_of_indexing(case, mode):
    index = {**BASIC, **ADVANCED}[case]
    sym, vals = _inputs(), _values()
    check_infer_shape(list(sym), [index(*sym)], list(vals), mode=mode)


@pytest.mark.parametrize("case", ["symbolic int", "backward slices", "vector", "arrays apart", "mask"])
def test_infer_shape_of_set_and_inc(case, mode):
    x, i, v, y = T.dtensor3("x"), T.lscalar("i"), T.lvector("v"), T.dscalar("y")
    index = WRITES[case](x, i, v)
    outs = [T.set_subtensor(x[index], y), T.inc_subtensor(x[index], y)]
    X = np.random.default_rng(0).normal(size=X_SHAPE)
    check_infer_shape([x, i, v, y], outs, [X, -1, np.array([0, 2]), 1.0], mode=mode)


def test_symbolic_slice_lengths_follow_python_for_every_sign():
    x, a, b, s = T.dvector("x"), T.lscalar("a"), T.lscalar("b"), T.lscalar("s")
    out = stack_shape(inferred_shape(x[a:b:s]))
    for n in (0, 1, 5):
        for A in (-7, -1, 0, 2, 6):
            for B in (-6, 0, 3, 9):
                for S in (-3, -1, 1, 2):
                    (length,) = reference_eval([out], {x: np.zeros(n), a: A, b: B, s: S})[0]
                    assert length == len(range(n)[A:B:S]), (n, A, B, S)


# -- bad input ----------------------------------------------------------------------------------


def test_too_many_indices_raise_index_error():
    x = T.dmatrix("x")
    with pytest.raises(IndexError, match="too many indices for 'x'"):
        x[0, 1, 2]
    with pytest.raises(IndexError, match="too many indices"):
        x[x > 0, 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., 0, ...]


@pytest.mark.parametrize("index", [1.5, np.float32(1), [0.0, 1.0], slice(0, 2.0), "a"])
def test_float_and_other_non_integer_indices_raise_type_error(index):
    with pytest.raises(TypeError, match="'x'"):
        T.dvector("x")[index]


def test_a_float_index_variable_is_named_in_the_error():
    x, f, fv = T.dvector("x"), T.dscalar("f"), T.fvector("fv")
    with pytest.raises(TypeError, match="'f'"):
        x[f]
    with pytest.raises(TypeError, match="'fv'"):
        x[fv]
    with pytest.raises(TypeError, match="'f'"):
        x[:f]
    with pytest.raises(TypeError, match="boolean scalar"):
        x[T.bscalar() > 0]


def test_static_out_of_bounds_and_mismatches_raise_at_build_time():
    x = T.tensor("float64", shape=(3, 4))
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0"):
        x[3]
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension 1"):
        x[:, -5]
    with pytest.raises(IndexError, match="out of bounds"):
        x[[0, 7]]
    with pytest.raises(IndexError, match="boolean index"):
        x[np.ones(4, dtype=bool)]
    with pytest.raises(IndexError, match="could not be broadcast"):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(ValueError, match="step cannot be zero"):
        x[::0]


def test_set_subtensor_needs_an_indexing_result():
    x = T.dvector("x")
    with pytest.raises(TypeError, match=r"set_subtensor\(x\[idx\], y\)"):
        T.set_subtensor(x, 1.0)
    with pytest.raises(TypeError, match="inc_subtensor"):
        T.inc_subtensor(x + 1, 1.0)
    with pytest.raises(TypeError, match="result of indexing"):
        T.set_subtensor(np.zeros(3), 1.0)


def test_the_written_value_must_fit():
    x = T.dmatrix("x")
    with pytest.raises(TypeError, match="3 dimensions"):
        T.set_subtensor(x[0], T.dtensor3("y"))
    with pytest.raises(TypeError, match="2 dimensions"):
        T.inc_subtensor(x[0, 1:], T.dmatrix("y"))
    with pytest.raises(ValueError, match="does not broadcast"):
        T.set_subtensor(T.tensor("float64", shape=(3, 4))[1:], np.ones((2, 3)))
    with pytest.raises(TypeError, match="losing precision"):
        T.set_subtensor(T.ivector("i")[0], T.dscalar("d"))
    with pytest.raises(TypeError, match="losing precision"):
        T.set_subtensor(T.ivector("i")[0], 1.5)
    with pytest.raises(TypeError, match="losing precision"):
        T.inc_subtensor(T.bvector("b")[0], 300)


def test_take_rejects_float_indices_and_bad_axes():
    a = T.dmatrix("a")
    with pytest.raises(TypeError, match="integers"):
        T.take(a, T.dvector("f"))
    with pytest.raises(ValueError, match="axis 2"):
        T.take(a, [0], axis=2)
    with pytest.raises(ValueError, match="mode"):
        T.take(a, [0], axis=0, mode="bogus")


def test_ops_check_their_index_inputs():
    x = T.dmatrix("x")
    with pytest.raises(TypeError, match="index inputs"):
        Subtensor(x[T.lscalar()].owner.op.idx_list)(x)
    with pytest.raises(TypeError, match="int64 index"):
        x[T.lscalar():].owner.op(x, T.iscalar())
    with pytest.raises(TypeError, match="integer vector"):
        AdvancedSubtensor1()(x, T.lmatrix())
    with pytest.raises(TypeError, match="scalar"):
        Nonzero()(T.dscalar())


# -- gradients and R_op -------------------------------------------------------------------------

GX = np.arange(24.0).reshape(4, 3, 2) / 8 - 1   # the point x (4, 3, 2) where derivatives are checked
STEP = shared(np.int64(2), name="step")           # a symbolic index input (the gradient skips it)
MASK = np.array([True, False, True, True])

READS = {  # x -> x[index]
    "int": lambda x: x[1],
    "slices and a backward step": lambda x: x[1:, ::-2],
    "new axis": lambda x: x[None, :, 1],
    "symbolic bounds": lambda x: x[STEP:, :STEP],
    "vector with repeats": lambda x: x[[0, 0, 3]],
    "arrays apart, repeated": lambda x: x[[0, 1, 1], :, [1, 0, 1]],
    "array and backward slice": lambda x: x[[2, 2], ::-1],
    "matrix index": lambda x: x[:, [[0, 1], [1, 1]]],
    "int8 vector": lambda x: x[np.array([1, 1, 0], dtype="int8")],
    "uint8 arrays apart": lambda x: x[np.array([0, 2], dtype="uint8"), :, np.array([1, 1], "uint8")],
    "mask": lambda x: x[MASK],
    "mask computed from x": lambda x: x[x > 0.3],
    "mask of two dims": lambda x: x[np.array([[True, False, True]] * 4), ::-1],
    "take with repeats": lambda x: T.take(x, [1, 1, 0], axis=1),
}

WRITES_GRAD = {  # (x, y) -> (the indexed part of x, the value written); then the shape of y
    "int": (lambda x, y: (x[1], y), (3, 2)),
    "slices; y broadcast along a missing dim": (lambda x, y: (x[1:, ::-2], y), (2,)),
    "symbolic bounds; y of length 1 broadcast": (lambda x, y: (x[STEP:, :STEP], y[:, None]), (2,)),
    "new axis": (lambda x, y: (x[None, :, 1], y), (1, 4, 2)),
    "vector": (lambda x, y: (x[[3, 0]], y), (2, 3, 2)),
    "arrays apart; y broadcast": (lambda x, y: (x[[0, 1, 3], :, [1, 0, 1]], y[None]), (3,)),
    "mask": (lambda x, y: (x[MASK], y), (3, 3, 2)),
    "vector with repeats": (lambda x, y: (x[[0, 0, 3]], y), (3, 3, 2)),
}
# set with a repeated position keeps one write, so finite differences see no dependence on the
# others: its gradient is checked for inc only.
WRITE_CASES = [(case, set_) for case in WRITES_GRAD for set_ in (True, False)
               if not (set_ and "repeats" in case)]
DTYPES = ["float32", "float64"]


def _write(case, set_):
    pick, _ = WRITES_GRAD[case]
    return lambda x, y: (T.set_subtensor if set_ else T.inc_subtensor)(*pick(x, y))


def _y(case, dtype):
    return np.linspace(-1, 2, int(np.prod(WRITES_GRAD[case][1]))).reshape(WRITES_GRAD[case][1]) \
        .astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", READS)
def test_gradient_of_indexing_matches_finite_differences(case, dtype, mode):
    verify_grad(READS[case], [GX.astype(dtype)], mode=mode)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case, set_", WRITE_CASES)
def test_gradient_of_set_and_inc_matches_finite_differences(case, set_, dtype, mode):
    verify_grad(_write(case, set_), [GX.astype(dtype), _y(case, dtype)], mode=mode)


@pytest.mark.parametrize("case", ["int", "symbolic bounds", "vector with repeats", "arrays apart, repeated",
                                  "mask of two dims"])
def test_r_op_of_indexing_matches_finite_differences(case, mode):
    verify_rop(READS[case], [GX], mode=mode)


@pytest.mark.parametrize("case, set_", [c for c in WRITE_CASES if c[0] != "vector with repeats"]
                         + [("vector with repeats", False)])
def test_r_op_of_set_and_inc_matches_finite_differences(case, set_, mode):
    verify_rop(_write(case, set_), [GX, _y(case, "float64")], mode=mode)


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_random_index_gradients_accumulate_as_np_add_at(data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3), label="shape")
    n_picked = data.draw(st.integers(1, 4), label="length of the index arrays")
    index = []
    for n in shape:
        kind = data.draw(st.sampled_from(["array", "slice", "int", "full"]))
        if kind == "array":
            picks = st.lists(st.integers(-n, n - 1), min_size=n_picked, max_size=n_picked)
            index.append(np.array(data.draw(picks)))
        elif kind == "slice":
            bound = st.one_of(st.none(), st.integers(-5, 5))
            step = st.one_of(st.none(), st.integers(-2, 2).filter(bool))
            index.append(slice(data.draw(bound), data.draw(bound), data.draw(step)))
        elif kind == "int":
            index.append(data.draw(st.integers(-n, n - 1)))
        else:
            index.append(slice(None))
    index = tuple(index)
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    out = x[index]
    u = T.tensor("float64", shape=(None,) * out.ndim, name="u")
    X = np.zeros(shape)
    U = np.random.default_rng(0).normal(size=X[index].shape)
    expected = np.zeros(shape)
    np.add.at(expected, index, U)  # every pick adds its gradient
    got = function([x, u], T.Lop(out, x, u), mode=data.draw(st.sampled_from(MODES)))(X, U)
    assert_allclose(got, expected)


def test_r_op_of_a_write_with_one_tangent_treats_the_other_as_zero(mode):
    x, y, dx, dy = T.dmatrix("x"), T.dvector("y"), T.dmatrix("dx"), T.dvector("dy")
    X, Y, DX, DY = np.zeros((3, 2)), np.ones(2), np.arange(6.0).reshape(3, 2), np.array([5.0, 7.0])
    for set_ in (True, False):
        out = (T.set_subtensor if set_ else T.inc_subtensor)(x[[2, 0]], y)
        f = function([x, y, dx, dy], [T.Rop(out, x, dx), T.Rop(out, y, dy)], mode=mode,
                     on_unused_input="ignore")
        only_x, only_y = f(X, Y, DX, DY)
        expected_x = DX.copy()
        expected_y = np.zeros((3, 2))
        expected_y[[2, 0]] = DY
        if set_:
            expected_x[[2, 0]] = 0
        assert_allclose(only_x, expected_x)
        assert_allclose(only_y, expected_y)


def test_repeated_indices_accumulate_their_gradients(mode):
    x = T.dvector("x")
    f = function([x], T.grad(T.sum(x[[0, 0, 1]]), x), mode=mode)
    assert_allclose(f(np.zeros(5)), np.array([2.0, 1.0, 0.0, 0.0, 0.0]))
    m, v = T.dmatrix("m"), T.lvector("v")
    g = function([m, v], T.grad(T.sum(m[v, v]), m), mode=mode)(np.zeros((3, 3)), [2, 0, 2, 2])
    assert_allclose(g, np.diag([1.0, 0.0, 3.0]))


def test_gradient_of_logistic_regression_loss_reaches_the_picked_probabilities(mode):
    p, y = T.dmatrix("p"), T.lvector("y")
    loss = T.mean(T.log(p)[T.arange(y.shape[0]), y])
    P = np.random.default_rng(0).uniform(0.1, 1, (5, 3))
    Y = np.array([0, 2, 1, 1, 0])
    expected = np.zeros_like(P)
    np.add.at(expected, (np.arange(5), Y), 1 / (5 * P[np.arange(5), Y]))
    assert_allclose(function([p, y], T.grad(loss, p), mode=mode)(P, Y), expected)


def test_second_derivatives_through_indexing(mode):
    def grad_of_cube(x):  # d/dx sum(x[[0, 0, 2], 1:] ** 3): indexing inside a gradient graph
        return T.grad(T.sum(x[[0, 0, 2], 1:] ** 3), x)

    X = GX[:, :, 0]
    verify_grad(grad_of_cube, [X], mode=mode)   # grad of grad
    verify_rop(grad_of_cube, [X], mode=mode)    # Rop of grad: Hessian-vector products
    u = T.dmatrix("u")
    hessian_u = T.Rop(grad_of_cube(u), u, T.ones_like(u))
    counts = np.array([2.0, 0.0, 1.0, 0.0])[:, None] * np.array([0.0, 1.0, 1.0])
    assert_allclose(function([u], hessian_u, mode=mode)(X), 6 * counts * X)


def test_lop_of_a_lop_reads_back_at_the_index(mode):
    # Lop(x[idx], x, u) writes u into zeros; its own Lop reads w at the same index.
    x, u, w = T.dmatrix("x"), T.dmatrix("u"), T.dmatrix("w")
    first = T.Lop(x[[2, 2, 0], ::-1], x, u)
    second = T.Lop(first, u, w)
    W = np.arange(6.0).reshape(3, 2)
    got = function([u, w], second, mode=mode, on_unused_input="ignore")(np.zeros((3, 2)), W)
    assert_allclose(got, W[[2, 2, 0], ::-1])


def test_gradients_are_the_matching_write_ops_and_keep_the_dtype():
    x, v = T.fmatrix("x"), T.lvector("v")
    cases = {x[1:]: IncSubtensor, x[v]: AdvancedIncSubtensor1, x[v, ::2]: AdvancedIncSubtensor}
    for out, op in cases.items():
        g = T.Lop(out, x, T.ones_like(out))
        assert type(g.owner.op) is op and not g.owner.op.set_instead_of_inc and g.dtype == "float32"
    y = T.fvector("y")
    gx, gy = T.Lop(T.set_subtensor(x[v, 0], y), [x, y], T.ones_like(x))
    assert type(gx.owner.op) is AdvancedIncSubtensor and gx.owner.op.set_instead_of_inc
    assert gy.dtype == "float32" and gy.ndim == 1


def test_index_inputs_are_disconnected(mode):
    x, i, v = T.dvector("x"), T.lscalar("i"), T.lvector("v")
    for out in (x[i:], x[v], T.inc_subtensor(x[v], 1.0), T.set_subtensor(x[i], 2.0)):
        grads = out.owner.op.L_op(out.owner.inputs, [out], [T.ones_like(out)])
        offset = 2 if isinstance(out.owner.op, (IncSubtensor, AdvancedIncSubtensor)) else 1
        assert all(isinstance(g.type, DisconnectedType) for g in grads[offset:])
        cost = T.sum(out)
        index = out.owner.inputs[offset]
        with pytest.raises(DisconnectedInputError):
            T.grad(cost, index)
        zero = T.grad(cost, index, disconnected_inputs="ignore")
        index_value = np.array(1) if index.ndim == 0 else np.array([1, 1])
        assert_allclose(function([index], zero, mode=mode, on_unused_input="ignore")(index_value),
                        np.zeros_like(index_value, dtype="float64"))


def test_gradient_of_an_indexed_integer_tensor_is_zero(mode):
    x = T.ivector("x")
    for cost in (T.sum(x[[0, 0]] * 1.5), T.sum(T.set_subtensor(x[1:], 2) * 0.5)):
        g = T.grad(cost, x)
        assert g.dtype == "float64"
        assert_allclose(function([x], g, mode=mode)(np.array([1, 2, 3], dtype="int32")), np.zeros(3))


def test_nonzero_passes_no_gradient(mode):
    x = T.dvector("x")
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(T.cast(T.nonzero(x, return_matrix=True), "float64")), x)
    with pytest.raises(DisconnectedInputError):
        T.Rop(T.nonzero(x, return_matrix=True), x, x)
    # Only the values picked carry a gradient; the positions do not.
    g = function([x], T.grad(T.sum(T.nonzero_values(x) * 3), x), mode=mode)
    assert_allclose(g(np.array([0.0, 2.0, -1.0, 0.0])), np.array([0.0, 3.0, 3.0, 0.0]))

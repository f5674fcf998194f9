"""sort, argsort, cumsum, cumprod, diff and bincount, against NumPy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symtorch.tensor as T
from symtorch import function
from symtorch.tensor.extra_ops import BinCount, CumOp, DiffOp
from symtorch.tensor.sort import ArgSort, Sort
from symtorch.testing import MODES, assert_allclose, check_infer_shape, random_value, reference_eval

DTYPES = ["bool", "int8", "int32", "int64", "uint8", "float32", "float64"]


@pytest.fixture(params=MODES)
def mode(request):
    return request.param


def value(dtype, shape, seed=0):
    return random_value(T.TensorType(dtype, shape), shape, rng=np.random.default_rng(seed))


def check(mode, inputs, outputs, values, expected):
    got = function(inputs, outputs, mode=mode)(*values)
    for g, e in zip(got, expected):
        assert_allclose(g, np.asarray(e))
    for r, e in zip(reference_eval(outputs, dict(zip(inputs, values))), expected):
        assert_allclose(r, np.asarray(e))


# -- sort, argsort -----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_and_argsort_match_numpy_stable_order(mode, dtype):
    x = T.tensor(dtype, shape=(None, None, None), name="x")
    xv = value(dtype, (3, 4, 5))  # small integers: many ties
    axes = [-1, 0, 1, 2, None]
    outs = [T.sort(x, a) for a in axes] + [T.argsort(x, a) for a in axes]
    expected = [np.sort(xv, a) for a in axes] + [np.argsort(xv, a, kind="stable") for a in axes]
    check(mode, [x], outs, [xv], expected)


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=1, max_size=3), data=st.data())
def test_sort_of_any_shape_and_axis(shape, data):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    xv = np.random.default_rng(len(shape)).integers(-2, 3, size=shape).astype("float64")
    got = function([x], [x.sort(axis), x.argsort(axis)], mode="FAST_COMPILE")(xv)
    assert_allclose(got[0], np.sort(xv, axis))
    assert_allclose(got[1], np.argsort(xv, axis, kind="stable"))


def test_nan_sorts_last(mode):
    x = T.dvector("x")
    xv = np.array([3.0, np.nan, -np.inf, 1.0, np.nan])
    check(mode, [x], [T.sort(x), T.argsort(x)], [xv], [np.sort(xv), np.argsort(xv, kind="stable")])


def test_sort_kinds_are_accepted_and_order_is_refused():
    x = T.dvector("x")
    for kind in ("quicksort", "mergesort", "heapsort", "stable"):
        assert T.sort(x, kind=kind).owner.op == Sort(0)
    with pytest.raises(ValueError, match="kind"):
        T.sort(x, kind="bogo")
    with pytest.raises(ValueError, match="order"):
        T.argsort(x, order="f")


def test_sort_errors_name_the_variable():
    with pytest.raises(ValueError, match="'m'"):
        T.sort(T.dmatrix("m"), axis=2)
    with pytest.raises(ValueError, match="'s'"):
        T.sort(T.dscalar("s"))
    with pytest.raises(TypeError, match="'z'.*complex|complex.*'z'"):
        T.argsort(T.zvector("z"))


def test_sort_of_a_scalar_over_no_axis_is_a_vector(mode):
    s = T.dscalar("s")
    check(mode, [s], [T.sort(s, None)], [np.float64(2)], [np.array([2.0])])


# -- cumsum, cumprod ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES + ["complex128"])
def test_cumsum_and_cumprod_match_numpy_values_and_dtypes(mode, dtype):
    x = T.tensor(dtype, shape=(None, None), name="x")
    xv = value(dtype, (3, 4))
    axes = [None, 0, 1, -1]
    outs = [T.cumsum(x, a) for a in axes] + [x.cumprod(a) for a in axes]

    def ref(fn, a):
        return fn(xv, a, dtype="int64" if xv.dtype.kind in "biu" else None)

    expected = [ref(np.cumsum, a) for a in axes] + [ref(np.cumprod, a) for a in axes]
    check(mode, [x], outs, [xv], expected)
    for o, e in zip(outs, expected):
        assert o.dtype == str(e.dtype)


def test_cumsum_of_a_scalar_and_of_an_empty_array(mode):
    s, v = T.dscalar("s"), T.dvector("v")
    check(mode, [s, v], [T.cumsum(s), T.cumprod(s, 0), T.cumsum(v)], [np.float64(3), np.zeros(0)],
          [np.array([3.0]), np.array([3.0]), np.zeros(0)])


def test_cumsum_bad_axis_names_the_variable():
    with pytest.raises(ValueError, match="'m'"):
        T.cumsum(T.dmatrix("m"), 2)
    with pytest.raises(ValueError):
        CumOp(0, "max")


# -- diff ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "float32", "complex128"])
def test_diff_matches_numpy(mode, dtype):
    x = T.tensor(dtype, shape=(None, None), name="x")
    xv = value(dtype, (3, 4))
    cases = [(1, -1), (2, 1), (1, 0), (3, 0), (5, 1), (0, 0)]
    outs = [T.diff(x, n, a) for n, a in cases]
    check(mode, [x], outs, [xv], [np.diff(xv, n, a) for n, a in cases])


def test_diff_static_shape_and_errors():
    x = T.tensor("float64", shape=(5, None), name="x")
    assert T.diff(x, 2, 0).type.shape == (3, None)
    assert T.diff(x, 7, 0).type.shape == (0, None)
    with pytest.raises(ValueError, match="n"):
        T.diff(x, -1)
    with pytest.raises(ValueError, match="'x'"):
        T.diff(x, 1, 2)


# -- bincount ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8"])
def test_bincount_matches_numpy(mode, dtype):
    x = T.tensor(dtype, shape=(None,), name="x")
    w = T.fvector("w")
    xv = np.array([0, 3, 3, 1, 7], dtype=dtype)
    wv = np.array([0.5, 1, 2, 3, 4], dtype="float32")
    outs = [T.bincount(x), T.bincount(x, minlength=10), T.bincount(x, w), T.bincount(x, w, 3)]
    check(mode, [x, w], outs, [xv, wv],
          [np.bincount(xv), np.bincount(xv, minlength=10), np.bincount(xv, wv),
           np.bincount(xv, wv, 3)])


def test_bincount_of_negative_values_raises_when_run(mode):
    x = T.lvector("x")
    f = function([x], T.bincount(x), mode=mode)
    with pytest.raises((ValueError, RuntimeError)):
        f(np.array([1, -1]))


def test_bincount_bad_inputs():
    with pytest.raises(TypeError, match="'f'"):
        T.bincount(T.dvector("f"))
    with pytest.raises(TypeError, match="'m'"):
        T.bincount(T.lmatrix("m"))
    with pytest.raises(ValueError, match="'w'"):
        T.bincount(T.tensor("int64", shape=(3,), name="x"), T.tensor("float64", shape=(4,), name="w"))
    with pytest.raises(ValueError, match="minlength"):
        T.bincount(T.lvector("x"), minlength=-1)


# -- shapes and printing -------------------------------------------------------------------------


def test_infer_shape(mode):
    x = T.dmatrix("x")
    i = T.lvector("i")
    outs = [T.sort(x), T.sort(x, None), T.argsort(x, 0), T.argsort(x, None), T.cumsum(x),
            T.cumprod(x, 1), T.diff(x, 2, 1), T.diff(x, 9, 0), T.bincount(i, minlength=2),
            T.bincount(i, minlength=9)]
    check_infer_shape([x, i], outs, [np.ones((3, 4)), np.array([0, 4, 2])], mode=mode)
    assert T.sort(T.tensor("float64", shape=(2, 3)), None).type.shape == (6,)
    assert T.cumsum(T.tensor("float64", shape=(2, 3))).type.shape == (6,)


def test_op_printing_and_identity():
    assert str(Sort(1)) == "Sort{axis=1}" and str(ArgSort(None)) == "ArgSort{axis=None}"
    assert Sort(0) != ArgSort(0) and Sort(0) == Sort(0)
    assert str(CumOp(1, "add")) == "Cumsum{axis=1}" and str(CumOp(None, "mul")) == "Cumprod{axis=None}"
    assert DiffOp(1, 0) == DiffOp(1, 0) and BinCount(2) != BinCount(3)

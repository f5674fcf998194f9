"""sort, argsort, cumsum, cumprod, diff and bincount, against NumPy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symtorch.tensor as T
from symtorch import function
from symtorch.gradient import DisconnectedInputError, DisconnectedType, verify_grad
from symtorch.tensor.extra_ops import BinCount, CumOp, DiffOp
from symtorch.tensor.sort import ArgSort, Sort
from symtorch.testing import (
    assert_allclose,
    check_infer_shape,
    random_value,
    reference_eval,
    verify_rop,
)

DTYPES = ["bool", "int8", "int32", "int64", "uint8", "float32", "float64"]



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


# == gradients and R_ops ======================================================================

FLOATS = ["float32", "float64"]


def _tolerances(dtype):
    return {"abs_tol": 2e-2, "rel_tol": 2e-2} if dtype == "float32" else {}


def distinct(shape, dtype, seed=0):
    """Values of both signs near 1 in size, no two within a finite-difference step of each
    other (sorting has no ties nearby) and none near 0."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    magnitudes = 0.5 + rng.permutation(n) / max(n, 1)
    return (magnitudes * rng.choice([-1.0, 1.0], n)).reshape(shape).astype(dtype)


AXIS_CASES = [((5,), -1), ((3, 4), 0), ((3, 4), 1), ((2, 3, 2), 1), ((3, 4), None), ((), None)]


# -- sort, argsort -----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, axis", [c for c in AXIS_CASES if c[0] != () or c[1] is None])
def test_sort_gradient_and_rop_match_finite_differences(mode, shape, axis, dtype):
    x = distinct(shape, dtype)
    verify_grad(lambda v: T.sort(v, axis=axis), [x], mode=mode, **_tolerances(dtype))
    verify_rop(lambda v: T.sort(v, axis=axis), [x], mode=mode)


def test_sort_gradient_goes_back_to_where_each_element_came_from(mode):
    x, g = T.dvector("x"), T.dvector("g")
    got = function([x, g], T.Lop(T.sort(x), x, g), mode=mode)(
        np.array([3.0, 1.0, 2.0]), np.array([10.0, 20.0, 30.0]))
    assert_allclose(got, np.array([30.0, 10.0, 20.0]))


def test_argsort_is_disconnected():
    x = T.dmatrix("x")
    out = T.argsort(x)
    (g,) = out.owner.op.L_op([x], [out], [T.zeros_like(out, dtype="float64")])
    assert isinstance(g.type, DisconnectedType) and out.owner.op.R_op([x], [x]) == [None]
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(T.cast(T.argsort(x), "float64")), x)


# -- cumsum, cumprod ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", [T.cumsum, T.cumprod])
@pytest.mark.parametrize("shape, axis", AXIS_CASES)
def test_cumulative_gradients_and_rops_match_finite_differences(mode, fn, shape, axis, dtype):
    x = distinct(shape, dtype)
    verify_grad(lambda v: fn(v, axis=axis), [x], mode=mode, **_tolerances(dtype))
    verify_rop(lambda v: fn(v, axis=axis), [x], mode=mode)


CUMPROD_ZEROS = np.array([[2.0, 0.0, 3.0, 0.0, 5.0],   # the first zero gets a gradient, later
                          [0.0, 4.0, 0.5, 1.5, 2.0],   # elements none, earlier ones prod / x
                          [1.0, 2.0, 3.0, 4.0, 0.0]])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [1, None])
def test_cumprod_gradient_and_rop_are_exact_where_x_has_zeros(mode, axis, dtype):
    x = CUMPROD_ZEROS.astype(dtype)  # cumprod is polynomial: finite differences still hold
    verify_grad(lambda v: T.cumprod(v, axis=axis), [x], mode=mode, **_tolerances(dtype))
    verify_rop(lambda v: T.cumprod(v, axis=axis), [x], mode=mode)
    v = T.tensor(dtype, shape=(None, None), name="v")
    got = function([v], T.grad(T.sum(T.cumprod(v, axis=1)), v), mode=mode)(x)
    # row 0: d/dx0 = 1 + x1 + ... = 1 (later products hold x1 = 0); d/dx1 = x0 (1 + x2) = 8
    assert_allclose(got[0], np.array([1.0, 8.0, 0.0, 0.0, 0.0], dtype))
    assert np.isfinite(got).all()


def test_second_derivative_of_cumprod(mode):
    verify_grad(lambda v: T.grad(T.sum(T.cumprod(v)), v), [distinct((4,), "float64")],
                mode=mode)


def test_cumsum_gradient_is_the_reversed_cumsum(mode):
    x, g = T.dvector("x"), T.dvector("g")
    got = function([x, g], T.Lop(T.cumsum(x), x, g), mode=mode)(np.zeros(3),
                                                               np.array([1.0, 2.0, 3.0]))
    assert_allclose(got, np.array([6.0, 5.0, 3.0]))


# -- diff ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, n, axis", [((5,), 1, 0), ((5,), 3, 0), ((3, 4), 2, 1),
                                            ((3, 4), 1, 0), ((2,), 3, 0), ((4, 2), 2, -1)])
def test_diff_gradient_and_rop_match_finite_differences(mode, shape, n, axis, dtype):
    x = distinct(shape, dtype)
    verify_grad(lambda v: T.diff(v, n=n, axis=axis), [x], mode=mode, **_tolerances(dtype))
    verify_rop(lambda v: T.diff(v, n=n, axis=axis), [x], mode=mode)


def test_diff_gradient_of_a_static_length_is_the_transpose(mode):
    x, g = T.tensor("float64", shape=(4,), name="x"), T.dvector("g")
    got = function([g], T.Lop(T.diff(x, 2), x, g), mode=mode)(np.array([1.0, 10.0]))
    matrix = np.diff(np.eye(4), 2, axis=0)  # rows: the second differences of each e_i
    assert_allclose(got, matrix.T @ np.array([1.0, 10.0]))


# -- bincount ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
def test_bincount_weights_get_the_gradient_of_their_bin(mode, dtype):
    values = T.constant(np.array([0, 3, 3, 1, 6]))
    w = distinct((5,), dtype)
    eps = 1e-3 if dtype == "float32" else None  # steps on float32 weights; the result is float64
    verify_grad(lambda v: T.bincount(values, v, minlength=8), [w], mode=mode, eps=eps)
    verify_rop(lambda v: T.bincount(values, v), [w], mode=mode, eps=eps,
               rtol=1e-3 if eps else None, atol=1e-3 if eps else None)
    x, wv, g = T.lvector("x"), T.tensor(dtype, shape=(None,), name="w"), T.dvector("g")
    got = function([x, g], T.Lop(T.bincount(x, wv), wv, g), mode=mode)(
        np.array([2, 0, 2]), np.array([1.0, 2.0, 3.0]))
    assert_allclose(got, np.array([3.0, 1.0, 3.0], dtype))


def test_bincount_values_are_disconnected():
    x, w = T.lvector("x"), T.dvector("w")
    out = T.bincount(x, w)
    gx, gw = out.owner.op.L_op([x, w], [out], [T.ones_like(out)])
    assert isinstance(gx.type, DisconnectedType) and gw.ndim == 1
    counts = T.bincount(x)
    assert isinstance(counts.owner.op.L_op([x], [counts], [T.ones_like(counts)])[0].type,
                      DisconnectedType)

"""Reductions: sum prod max min all any, argmax/argmin, mean var std, logsumexp, norm."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symtorch
import symtorch.tensor as T
from symtorch import function
from symtorch.gradient import DisconnectedInputError, DisconnectedType, verify_grad
from symtorch.tensor.reduction import ArgReduce, Reduce, SumTo
from symtorch.testing import (
    assert_allclose,
    check_infer_shape,
    random_value,
    reference_eval,
    verify_rop,
)

DTYPES = ["bool", "int8", "int32", "int64", "uint8", "float32", "float64", "complex128"]
AXES = [None, 0, 1, -1, (0, 2), (2, 0), (), (0, 1, 2)]
KINDS = ["sum", "prod", "max", "min", "all", "any"]



def numpy_reduce(kind, x, axis, keepdims=False):
    """NumPy's answer, with this library's dtype rule: discrete sums and products in int64."""
    axis = tuple(axis) if isinstance(axis, (tuple, list)) else axis
    fn = getattr(np, kind)
    if kind in ("sum", "prod") and x.dtype.kind in "biu":
        return fn(x, axis=axis, dtype=np.int64, keepdims=keepdims)
    return np.asarray(fn(x, axis=axis, keepdims=keepdims))


def value(dtype, shape, seed=0):
    return random_value(T.TensorType(dtype, shape), shape, rng=np.random.default_rng(seed))


# -- the Reduce table ------------------------------------------------------------------------


@pytest.mark.parametrize("kind,dtype", [(k, d) for k in KINDS for d in DTYPES
                                         if not (k in ("max", "min") and d.startswith("complex"))])
def test_reductions_match_numpy_values_and_dtypes_over_axes(mode, kind, dtype):
    x = T.tensor(dtype, shape=(None, None, None), name="x")
    xv = value(dtype, (2, 3, 4))
    outs = [getattr(T, kind)(x, axis=a, keepdims=k) for a in AXES for k in (False, True)]
    got = function([x], outs, mode=mode)(xv)
    expected = [numpy_reduce(kind, xv, a, k) for a in AXES for k in (False, True)]
    for g, e, o in zip(got, expected, outs):
        assert_allclose(g, e)
        assert o.dtype == str(e.dtype) and o.ndim == e.ndim
    for r, e in zip(reference_eval(outs, {x: xv}), expected):
        assert_allclose(r, e)


@pytest.mark.parametrize("kind", KINDS)
def test_reduction_methods_call_the_functions(kind):
    x = T.dmatrix("x")
    out = getattr(x, kind)(axis=1)
    assert isinstance(out.owner.op, Reduce) and out.owner.op == Reduce(kind, (1,))
    np.testing.assert_allclose(out.eval({x: np.ones((2, 3))}),
                               numpy_reduce(kind, np.ones((2, 3)), 1))


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=4),
       data=st.data(), keepdims=st.booleans(), dtype=st.sampled_from(["int16", "float32", "bool"]))
def test_sum_prod_all_any_of_any_shape_and_axes_match_numpy(shape, data, keepdims, dtype):
    axis = data.draw(st.one_of(st.none(), st.lists(st.integers(-len(shape), len(shape) - 1),
                                                   unique_by=lambda a: a % len(shape),
                                                   max_size=len(shape)))
                     if shape else st.none())
    x = T.tensor(dtype, shape=(None,) * len(shape), name="x")
    xv = value(dtype, tuple(shape), seed=len(shape))
    kinds = ["sum", "prod", "all", "any"]
    outs = [getattr(T, k)(x, axis=axis, keepdims=keepdims) for k in kinds]
    for g, k in zip(function([x], outs, mode="FAST_COMPILE")(xv), kinds):
        assert_allclose(g, numpy_reduce(k, xv, axis, keepdims))


@settings(max_examples=15, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_max_min_argmax_argmin_of_nonempty_arrays_match_numpy(shape, data):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    xv = np.random.default_rng(1).integers(-3, 3, size=shape).astype("float64")  # ties
    outs = [T.max(x, axis), T.min(x, axis), T.argmax(x, axis), T.argmin(x, axis)]
    got = function([x], outs, mode="FAST_COMPILE")(xv)
    for g, e in zip(got, [np.max(xv, axis), np.min(xv, axis), np.argmax(xv, axis),
                          np.argmin(xv, axis)]):
        assert_allclose(g, np.asarray(e))


def test_empty_sum_is_zero_prod_one_all_true_any_false(mode):
    x = T.dmatrix("x")
    f = function([x], [x.sum(), x.prod(), x.all(), x.any(), x.sum(axis=0), x.max(axis=1)],
                 mode=mode)
    s, p, al, an, s0, m1 = f(np.zeros((0, 3)))
    assert s == 0 and p == 1 and al and not an
    assert s0.shape == (3,) and m1.shape == (0,)


@pytest.mark.parametrize("kind", ["max", "min"])
def test_max_of_an_empty_array_raises_when_run(mode, kind):
    x = T.dvector("x")
    f = function([x], getattr(T, kind)(x), mode=mode)
    with pytest.raises((ValueError, IndexError, RuntimeError)):
        f(np.zeros(0))
    with pytest.raises(ValueError):
        reference_eval([getattr(T, kind)(x)], {x: np.zeros(0)})


def test_max_and_min_propagate_nan_and_all_counts_nan_as_true(mode):
    x = T.dvector("x")
    xv = np.array([1.0, np.nan, 3.0])
    got = function([x], [x.max(), x.min(), x.all(), T.argmax(x), T.argmin(x)], mode=mode)(xv)
    assert np.isnan(got[0]) and np.isnan(got[1]) and got[2]
    assert got[3] == np.argmax(xv) and got[4] == np.argmin(xv)


def test_integer_sums_do_not_overflow_in_the_input_dtype(mode):
    x = T.bvector("x")
    got = function([x], [x.sum(), x.prod()], mode=mode)(np.full(100, 100, dtype="int8"))
    assert got[0] == 10000 and got[0].dtype == np.int64
    assert got[1] == np.prod(np.full(100, 100, dtype="int64"))


def test_dtype_and_acc_dtype_arguments(mode):
    x = T.bvector("x")
    f32 = T.fvector("f")
    xv = np.array([100, 100, 100], dtype="int8")
    outs = [x.sum(dtype="float32"), x.sum(dtype="int8"), x.sum(acc_dtype="int32"),
            f32.sum(acc_dtype="float64"), x.prod(dtype="int16")]
    got = function([x, f32], outs, mode=mode)(xv, np.ones(3, dtype="float32"))
    assert_allclose(got[0], np.sum(xv, dtype="float32"))
    assert_allclose(got[1], np.sum(xv, dtype="int8"))  # wraps, as NumPy
    assert_allclose(got[2], np.asarray(300, dtype="int64"))
    assert_allclose(got[3], np.asarray(3, dtype="float32"))
    assert_allclose(got[4], np.prod(xv, dtype="int16"))
    with pytest.raises(TypeError, match="acc_dtype"):
        T.dvector("d").sum(acc_dtype="float32")


def test_reductions_of_a_scalar(mode):
    x = T.bscalar("x")
    got = function([x], [x.sum(), x.max(), x.all(), x.argmax(), x.mean()], mode=mode)(np.int8(-3))
    assert_allclose(got[0], np.asarray(-3, dtype="int64"))
    assert_allclose(got[1], np.asarray(-3, dtype="int8"))
    assert_allclose(got[2], np.asarray(True))
    assert_allclose(got[3], np.asarray(0, dtype="int64"))
    assert_allclose(got[4], np.asarray(-3.0))


def test_reduce_of_no_axis_returns_a_new_array_not_a_view_of_the_input(mode):
    x = T.dvector("x")
    f = function([x], T.max(x, axis=()), mode=mode, output_type="torch")
    import torch
    xv = torch.ones(3, dtype=torch.float64)
    out = f(xv)
    out[0] = 5
    assert xv[0] == 1


def test_product_of_a_shape_is_the_size(mode):
    x = T.dtensor3("x")
    f = function([x], [x.size, T.prod(x.shape), T.sum(x.shape), T.max(x.shape)], mode=mode)
    assert [int(v) for v in f(np.zeros((2, 3, 4)))] == [24, 24, 9, 4]


# -- argmax / argmin -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int64", "float32", "float64"])
def test_argmax_argmin_match_numpy_with_ties_giving_the_first_index(mode, dtype):
    x = T.tensor(dtype, shape=(None, None, None), name="x")
    xv = value(dtype, (3, 2, 4), seed=3)
    axes = [None, 0, 1, -1, 2]
    outs = [fn(x, axis=a, keepdims=k) for fn in (T.argmax, T.argmin) for a in axes
            for k in (False, True)]
    expected = [np.asarray(fn(xv, axis=a, keepdims=k)) for fn in (np.argmax, np.argmin)
                for a in axes for k in (False, True)]
    for g, e in zip(function([x], outs, mode=mode)(xv), expected):
        assert_allclose(g, e.astype("int64"))
    for r, e in zip(reference_eval(outs, {x: xv}), expected):
        assert_allclose(r, e.astype("int64"))


def test_argmax_over_several_axes_indexes_them_flattened(mode):
    x = T.dtensor3("x")
    xv = np.random.default_rng(0).normal(size=(2, 3, 4))
    got = function([x], T.argmax(x, axis=(0, 2)), mode=mode)(xv)
    expected = np.argmax(xv.transpose(1, 0, 2).reshape(3, -1), axis=-1)
    assert_allclose(got, expected)


def test_max_and_argmax_gives_both(mode):
    x = T.dmatrix("x")
    xv = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    m, a = function([x], T.max_and_argmax(x, axis=1), mode=mode)(xv)
    assert_allclose(m, np.array([5.0, 7.0]))
    assert_allclose(a, np.array([1, 0]))


# -- mean, var, std -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "uint8", "float32", "float64",
                                   "complex64"])
def test_mean_matches_numpy_values_and_dtypes(mode, dtype):
    x = T.tensor(dtype, shape=(None, None, None), name="x")
    xv = value(dtype, (2, 3, 4))
    axes = [None, 0, -1, (0, 2), ()]
    outs = [T.mean(x, axis=a, keepdims=k) for a in axes for k in (False, True)]
    expected = [np.asarray(np.mean(xv, axis=a, keepdims=k)) for a in axes for k in (False, True)]
    for g, e in zip(function([x], outs, mode=mode)(xv), expected):
        assert_allclose(g, e)
    for r, e in zip(reference_eval(outs, {x: xv}), expected):
        assert_allclose(r, e)


def test_mean_with_static_lengths_and_with_dtype(mode):
    x = T.tensor("float32", shape=(2, 3), name="x")
    xv = np.arange(6, dtype="float32").reshape(2, 3)
    outs = [x.mean(), x.mean(axis=0, dtype="float64"), x.mean(axis=1, acc_dtype="float64")]
    got = function([x], outs, mode=mode)(xv)
    assert_allclose(got[0], np.mean(xv))
    assert_allclose(got[1], np.mean(xv, axis=0, dtype="float64"))
    assert_allclose(got[2], np.mean(xv, axis=1))


def test_mean_of_an_empty_array_is_nan(mode):
    x = T.dvector("x")
    assert np.isnan(function([x], x.mean(), mode=mode)(np.zeros(0)))


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex128"])
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_and_std_match_numpy_with_ddof(mode, dtype, ddof):
    x = T.tensor(dtype, shape=(None, None, None), name="x")
    xv = value(dtype, (3, 4, 5))
    axes = [None, 1, (0, 2), -1]
    outs = [fn(x, axis=a, ddof=ddof, keepdims=k) for fn in (T.var, T.std) for a in axes
            for k in (False, True)]
    expected = [np.asarray(fn(xv, axis=a, ddof=ddof, keepdims=k)) for fn in (np.var, np.std)
                for a in axes for k in (False, True)]
    for g, e in zip(function([x], outs, mode=mode)(xv), expected):
        assert_allclose(g, e, rtol=1e-4 if dtype in ("float32",) else None)


def test_corrected_var_removes_the_rounding_error_of_the_mean(mode):
    x = T.dvector("x")
    xv = 1e8 + np.random.default_rng(0).normal(size=1000)
    plain, corrected = function([x], [x.var(corrected=True), x.var(ddof=1, corrected=True)],
                                mode=mode)(xv)
    assert_allclose(plain, np.var(xv), rtol=1e-6)
    assert_allclose(corrected, np.var(xv, ddof=1), rtol=1e-6)


# -- logsumexp and norm --------------------------------------------------------------------


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isinf(m), 0, m)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_logsumexp_matches_the_direct_formula(mode, dtype):
    x = T.tensor(dtype, shape=(None, None), name="x")
    xv = value(dtype, (3, 4))
    outs = [T.logsumexp(x), T.logsumexp(x, axis=1), T.logsumexp(x, axis=0, keepdims=True)]
    direct = xv.astype("float64" if dtype == "int64" else dtype)
    expected = [np.log(np.sum(np.exp(direct))), np.log(np.sum(np.exp(direct), axis=1)),
                np.log(np.sum(np.exp(direct), axis=0, keepdims=True))]
    for g, e in zip(function([x], outs, mode=mode)(xv), expected):
        assert_allclose(g, np.asarray(e, dtype=direct.dtype), rtol=1e-5 if dtype == "float32" else None)


def test_logsumexp_is_stable_for_large_and_infinite_inputs(mode):
    x = T.dmatrix("x")
    xv = np.array([[1000.0, 1000.0], [-np.inf, -np.inf], [np.inf, 1.0], [-1000.0, -1001.0]])
    got = function([x], T.logsumexp(x, axis=1), mode=mode)(xv)
    assert_allclose(got, _logsumexp(xv, axis=1))
    assert got[0] == pytest.approx(1000 + np.log(2)) and got[1] == -np.inf and got[2] == np.inf


@pytest.mark.parametrize("ord", [None, 1, 2, 3, 0.5, np.inf, -np.inf, 0, "fro"])
def test_norm_of_the_elements_matches_numpy_vector_norms(mode, ord):
    x = T.dmatrix("x")
    xv = np.array([[3.0, -4.0, 0.0], [1.0, 2.0, -2.0]])
    np_ord = 2 if ord == "fro" else ord
    outs = [T.norm(x, ord, axis=1), T.norm(x, ord), x.norm(ord, axis=0)]
    expected = [np.linalg.norm(xv, np_ord, axis=1), np.linalg.norm(xv.ravel(), np_ord),
                np.linalg.norm(xv, np_ord, axis=0)]
    for g, e in zip(function([x], outs, mode=mode)(xv), expected):
        assert_allclose(g, np.asarray(e))


def test_norm_rejects_an_unknown_ord():
    with pytest.raises(ValueError, match="ord"):
        T.norm(T.dvector("x"), "nuc")


# -- shapes and errors ---------------------------------------------------------------------


def test_static_shapes_and_infer_shape(mode):
    x = T.tensor("float64", shape=(2, None, 4), name="x")
    assert T.sum(x, axis=1).type.shape == (2, 4)
    assert T.max(x, axis=(0, 2), keepdims=True).type.shape == (1, None, 1)
    assert T.argmax(x, axis=0).type.shape == (None, 4)
    outs = [T.sum(x, axis=1), T.prod(x, axis=(0, 2), keepdims=True), T.argmin(x, axis=-1),
            T.argmax(x), T.mean(x, axis=1), T.var(x, axis=(1, 2), keepdims=True),
            T.logsumexp(x, axis=0), T.all(x, axis=())]
    check_infer_shape([x], outs, [np.ones((2, 3, 4))], mode=mode)


def test_op_identity_and_printing():
    assert Reduce("sum", (1, 0)) == Reduce("sum", (0, 1))
    assert hash(Reduce("max", (0,))) == hash(Reduce("max", (0,)))
    assert Reduce("sum", (0,)) != Reduce("prod", (0,))
    assert str(Reduce("sum", (0, 1))) == "Sum{axis=[0, 1]}" and str(Reduce("max")) == "Max"
    assert str(ArgReduce("max", (1,))) == "Argmax{axis=[1]}"


@pytest.mark.parametrize("fn", [T.sum, T.prod, T.max, T.min, T.all, T.any, T.argmax, T.argmin,
                                T.mean, T.var, T.std, T.logsumexp])
def test_an_out_of_range_axis_is_an_error_naming_the_variable(fn):
    x = T.dmatrix("my_x")
    with pytest.raises(ValueError, match="my_x") as err:
        fn(x, axis=2)
    assert "axis 2" in str(err.value)
    with pytest.raises(ValueError, match="my_x"):
        fn(x, axis=-3)


def test_bad_axes_are_errors():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="repeated"):
        T.sum(x, axis=(0, -2))
    with pytest.raises(TypeError, match="int"):
        T.sum(x, axis=1.5)
    with pytest.raises(TypeError, match="symbolic"):
        T.sum(x, axis=T.lscalar("a"))
    with pytest.raises(ValueError):
        Reduce("median", (0,))
    with pytest.raises(ValueError, match="x"):
        Reduce("sum", (3,))(x)
    with pytest.raises(ValueError, match="non-negative"):
        Reduce("sum", (-1,))
    with pytest.raises(ValueError, match="non-negative"):
        ArgReduce("max", (0, 0))


def test_symbolic_constant_axes_are_accepted():
    x = T.dmatrix("x")
    assert T.sum(x, axis=T.constant(1)).type.shape == (None,)
    assert T.sum(x, axis=np.array([0, 1])).ndim == 0


@pytest.mark.parametrize("fn", [T.max, T.min, T.argmax, T.argmin])
def test_complex_numbers_have_no_max_or_argmax(fn):
    with pytest.raises(TypeError, match="'z'.*complex|complex.*'z'"):
        fn(T.zvector("z"))


def test_reductions_appear_under_theano_names():
    for name in ["sum", "prod", "max", "min", "all", "any", "argmax", "argmin", "mean", "var",
                 "std", "logsumexp", "max_and_argmax", "norm"]:
        assert callable(getattr(T, name))
    assert symtorch.tensor.reduction.__all__


# == gradients and R_ops ======================================================================

FLOATS = ["float32", "float64"]


def _tolerances(dtype):
    """verify_grad tolerances: float32 finite differences are coarse."""
    return {"abs_tol": 2e-2, "rel_tol": 2e-2} if dtype == "float32" else {}


def distinct(shape, dtype, seed=0):
    """Values of both signs near 1 in size, no two within a finite-difference step of each
    other (so max/min have no ties or kinks nearby and products stay moderate)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    magnitudes = 0.5 + rng.permutation(n) / max(n, 1)
    return (magnitudes * rng.choice([-1.0, 1.0], n)).reshape(shape).astype(dtype)


GRAD_CASES = [((2, 3, 4), None, False), ((2, 3, 4), 1, False), ((2, 3, 4), (0, 2), True),
              ((2, 3, 4), (), False), ((4,), 0, True), ((), None, False)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kind", ["sum", "prod", "max", "min"])
@pytest.mark.parametrize("shape, axis, keepdims", GRAD_CASES)
def test_reduction_gradients_match_finite_differences(mode, kind, shape, axis, keepdims, dtype):
    verify_grad(lambda x: getattr(T, kind)(x, axis=axis, keepdims=keepdims),
                [distinct(shape, dtype)], mode=mode, **_tolerances(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kind", ["sum", "prod", "max", "min"])
@pytest.mark.parametrize("shape, axis, keepdims", GRAD_CASES)
def test_reduction_rops_match_finite_differences(mode, kind, shape, axis, keepdims, dtype):
    verify_rop(lambda x: getattr(T, kind)(x, axis=axis, keepdims=keepdims),
               [distinct(shape, dtype)], mode=mode)


def test_sum_gradient_spreads_the_output_gradient_over_the_reduced_axes(mode):
    x, g = T.dtensor3("x"), T.dvector("g")
    gx = T.Lop(T.sum(x, axis=(0, 2)), x, g)
    got = function([x, g], gx, mode=mode)(np.zeros((2, 3, 4)), np.array([1.0, 2.0, 3.0]))
    assert_allclose(got, np.broadcast_to(np.array([1.0, 2.0, 3.0])[:, None], (2, 3, 4)))


PROD_WITH_ZEROS = np.array([[2.0, 0.0, 3.0, 5.0],   # one zero: only it gets a gradient
                            [0.0, 4.0, 0.0, 1.0],   # two zeros: no gradient anywhere
                            [1.0, 2.0, 3.0, 4.0]])  # none: prod / x


@pytest.mark.parametrize("dtype", FLOATS)
def test_prod_gradient_is_the_product_of_the_others_even_with_zeros(mode, dtype):
    x = T.tensor(dtype, shape=(None, None), name="x")
    got = function([x], T.grad(T.sum(T.prod(x, axis=1)), x), mode=mode)(
        PROD_WITH_ZEROS.astype(dtype))
    expected = np.array([[0.0, 30.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [24.0, 12.0, 8.0, 6.0]])
    assert_allclose(got, expected.astype(dtype))
    # prod is a polynomial, so finite differences are exact enough across the zeros too
    verify_grad(lambda v: T.prod(v, axis=1), [PROD_WITH_ZEROS.astype(dtype)], mode=mode,
                **_tolerances(dtype))
    verify_grad(lambda v: T.prod(v), [PROD_WITH_ZEROS[:1].astype(dtype)], mode=mode,
                **_tolerances(dtype))
    verify_rop(lambda v: T.prod(v, axis=1), [PROD_WITH_ZEROS.astype(dtype)], mode=mode)


@pytest.mark.parametrize("dtype", FLOATS)
def test_second_derivative_of_prod_with_no_zero_and_with_one_zero(mode, dtype):
    for point in (PROD_WITH_ZEROS[2], PROD_WITH_ZEROS[0]):
        verify_grad(lambda v: T.grad(T.prod(v), v), [point.astype(dtype)], mode=mode,
                    **_tolerances(dtype))


@pytest.mark.parametrize("kind", ["max", "min"])
def test_tied_extremes_share_the_gradient_evenly_as_torch(mode, kind):
    x = T.dmatrix("x")
    xv = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]) * (1 if kind == "max" else -1)
    got = function([x], T.grad(T.sum(getattr(T, kind)(x, axis=1)), x), mode=mode)(xv)
    assert_allclose(got, np.array([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]))
    v = T.dmatrix("v")
    jvp = function([x, v], T.Rop(getattr(T, kind)(x, axis=1), x, v), mode=mode)(
        xv, np.array([[5.0, 1.0, 2.0], [3.0, 6.0, 9.0]]))
    assert_allclose(jvp, np.array([1.5, 6.0]))


def test_second_derivative_through_sum(mode):
    x = T.dvector("x")
    xv = np.array([0.5, -1.0, 2.0])
    hess_diag = T.grad(T.sum(T.grad(T.sum(x ** 3), x)), x)  # d/dx sum(3 x^2) = 6 x
    assert_allclose(function([x], hess_diag, mode=mode)(xv), 6 * xv)
    verify_grad(lambda v: T.grad(T.sum(T.max(v, axis=0) * T.sum(v, axis=0)), v),
                [distinct((3, 2), "float64")], mode=mode)


def test_all_any_and_integer_inputs_have_no_gradient():
    b, i = T.dmatrix("b"), T.lmatrix("i")
    for kind in ("all", "any"):
        out = Reduce(kind, (1,))(b)
        assert out.owner.op.L_op([b], [out], [T.zeros_like(out, dtype="float64")]) == [None]
        assert out.owner.op.R_op([b], [b]) == [None]
    for kind in ("sum", "prod", "max"):
        out = Reduce(kind, (1,))(i)
        assert out.owner.op.L_op([i], [out], [T.ones_like(out)]) == [None]
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(T.switch(T.any(b > 0, axis=1), 1.0, 0.0)), b)


def test_argmax_and_argmin_are_disconnected(mode):
    x = T.dmatrix("x")
    for fn in (T.argmax, T.argmin):
        out = fn(x, axis=1)
        (g,) = out.owner.op.L_op([x], [out], [T.zeros_like(out, dtype="float64")])
        assert isinstance(g.type, DisconnectedType)
        assert out.owner.op.R_op([x], [x]) == [None]
    # max_and_argmax: only the max carries a gradient
    top, where = T.max_and_argmax(x, axis=1)
    cost = T.sum(top) + T.sum(T.cast(where, "float64"))
    got = function([x], T.grad(cost, x), mode=mode)(np.array([[1.0, 4.0], [3.0, 2.0]]))
    assert_allclose(got, np.array([[0.0, 1.0], [1.0, 0.0]]))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", [
    lambda x: T.mean(x, axis=1), lambda x: T.var(x, axis=0, ddof=1), lambda x: T.std(x),
    lambda x: T.logsumexp(x, axis=1, keepdims=True), lambda x: T.norm(x, 2, axis=0)])
def test_graphs_of_reductions_differentiate_through_them(mode, fn, dtype):
    verify_grad(fn, [distinct((3, 4), dtype)], mode=mode, **_tolerances(dtype))


# -- sum_to: the reverse of broadcasting -------------------------------------------------------


@pytest.mark.parametrize("target", [(1, 3), (2, 1), (1, 1), (2, 3)])
def test_sum_to_sums_where_the_target_length_is_one(mode, target):
    x = T.dmatrix("x")
    xv = np.arange(6.0).reshape(2, 3)
    out = T.sum_to(x, target)
    expected = np.sum(xv, axis=tuple(d for d in range(2) if target[d] == 1), keepdims=True) \
        if 1 in target else xv
    assert_allclose(function([x], out, mode=mode)(xv), expected)
    assert_allclose(reference_eval([out], {x: xv})[0], expected)
    assert out.type.shape == target
    check_infer_shape([x], [out], [xv], mode=mode)


def test_sum_to_lengths_known_only_when_run(mode):
    x, like = T.dtensor3("x"), T.dtensor3("like")
    out = T.sum_to(x, like)
    assert isinstance(out.owner.op, SumTo) and out.type.shape == (None, None, None)
    f = function([x, like], out, mode=mode)
    xv = np.arange(24.0).reshape(2, 3, 4)
    assert_allclose(f(xv, np.zeros((1, 3, 1))), xv.sum(axis=(0, 2), keepdims=True))
    assert_allclose(f(xv, np.zeros((2, 3, 4))), xv)
    with pytest.raises(ValueError, match="summed to shape"):
        f(xv, np.zeros((2, 2, 4)))
    check_infer_shape([x, like], [out], [xv, np.zeros((1, 3, 4))], mode=mode)


def test_sum_to_gradient_and_rop(mode):
    verify_grad(lambda x: T.sum_to(x, (1, 3)), [distinct((2, 3), "float64")], mode=mode)
    verify_rop(lambda x: T.sum_to(x, (2, 1)), [distinct((2, 3), "float64")], mode=mode)


def test_sum_to_bad_targets_are_errors_naming_the_variable():
    x = T.tensor("float64", shape=(2, 3), name="my_x")
    with pytest.raises(ValueError, match="my_x"):
        T.sum_to(x, (2, 2))
    with pytest.raises(TypeError, match="my_x"):
        T.sum_to(x, (3,))
    with pytest.raises(TypeError, match="dimensions"):
        T.sum_to(x, T.dvector("v"))

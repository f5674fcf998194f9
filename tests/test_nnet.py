"""T.nnet: activations, softmax and log-softmax, cross-entropies, against NumPy;
their gradients and R_ops against finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symtorch
import symtorch.tensor as T
from symtorch.graph.traversal import io_toposort
from symtorch.tensor.nnet import (
    CrossentropyCategorical1Hot,
    CrossentropyCategorical1HotGrad,
    LogSoftmax,
    Softmax,
    crossentropy_categorical_1hot_grad,
)
from symtorch.testing import MODES, assert_allclose, check_infer_shape, reference_eval, verify_rop

FLOATS = ("float32", "float64")
rng = np.random.default_rng(42)


# -- NumPy references ------------------------------------------------------------------------

def np_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(x, axis=-1):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def np_sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def np_ultra_fast_sigmoid(x):
    """Theano's C implementation, one value at a time."""
    def one(v):
        v = 0.5 * v
        if v >= 0:
            z = 1.5 * v / (1 + v) if v < 1.7 else \
                0.935409070603099 + 0.0458812946797165 * (v - 1.7) if v < 3 else 0.99505475368673
        else:
            z = 1.5 * v / (1 - v) if v > -1.7 else \
                -0.935409070603099 + 0.0458812946797165 * (v + 1.7) if v > -3 else -0.99505475368673
        return 0.5 * z + 0.5
    return np.vectorize(one, otypes=[np.float64])(x)


def np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

ACTIVATIONS = {  # name: (symbolic, NumPy reference computed in float64)
    "sigmoid": (T.nnet.sigmoid, np_sigmoid),
    "softplus": (T.nnet.softplus, lambda x: np.logaddexp(0, x)),
    "ultra_fast_sigmoid": (T.nnet.ultra_fast_sigmoid, np_ultra_fast_sigmoid),
    "hard_sigmoid": (T.nnet.hard_sigmoid, lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
    "relu": (T.nnet.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu": (lambda x: T.nnet.relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "elu": (T.nnet.elu, np_elu),
    "elu_alpha": (lambda x: T.nnet.elu(x, 0.5), lambda x: np_elu(x, 0.5)),
    "selu": (T.nnet.selu, lambda x: SELU_SCALE * np_elu(x, SELU_ALPHA)),
    "softsign": (T.nnet.softsign, lambda x: x / (1 + np.abs(x))),
}

# Points on both sides of every break of the piecewise functions, and large values.
POINTS = np.array([-40.0, -7.0, -6.0, -4.0, -3.4, -3.3, -2.5, -1.0, -0.3, 0.0, 0.3, 1.0,
                   2.5, 3.3, 3.5, 5.0, 6.1, 40.0])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_numpy_and_keeps_the_float_dtype(name, dtype, mode):
    fn, ref = ACTIVATIONS[name]
    x = T.matrix("x", dtype=dtype)
    value = np.concatenate([POINTS, rng.normal(0, 3, POINTS.size)]).reshape(4, -1).astype(dtype)
    out = fn(x)
    assert out.dtype == dtype
    expected = ref(value.astype(np.float64)).astype(dtype)
    assert_allclose(symtorch.function([x], out, mode=mode)(value), expected)
    assert_allclose(reference_eval([out], {x: value})[0], expected)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "ultra_fast_sigmoid", "hard_sigmoid",
                                  "elu", "selu", "softsign"])
@pytest.mark.parametrize("dtype, float_dtype", [("int8", "float32"), ("int32", "float64"),
                                                ("bool", "float32")])
def test_float_activations_of_integers_follow_theanos_float_upgrade(name, dtype, float_dtype):
    x = T.vector("x", dtype=dtype)
    out = ACTIVATIONS[name][0](x)
    assert out.dtype == float_dtype
    value = np.array([0, 1, 1], dtype=dtype)
    expected = ACTIVATIONS[name][1](value.astype(np.float64)).astype(float_dtype)
    assert_allclose(symtorch.function([x], out)(value), expected)


@pytest.mark.parametrize("dtype", ["int8", "int64", "float32"])
def test_relu_keeps_the_input_dtype(dtype):
    x = T.vector("x", dtype=dtype)
    out = T.nnet.relu(x)
    assert out.dtype == dtype
    value = np.array([-3, 0, 4], dtype=dtype)
    assert_allclose(symtorch.function([x], out)(value), np.maximum(value, 0).astype(dtype))


def test_relu_with_a_symbolic_slope():
    x, a = T.dvector("x"), T.dscalar("a")
    f = symtorch.function([x, a], T.nnet.relu(x, a))
    assert_allclose(f([-2.0, 3.0], 0.25), np.array([-0.5, 3.0]))


@pytest.mark.parametrize("name", ["sigmoid", "ultra_fast_sigmoid", "relu", "elu", "softsign"])
def test_activations_keep_nan(name):
    x = T.dvector("x")
    assert np.isnan(symtorch.function([x], ACTIVATIONS[name][0](x))([np.nan])[0])


def test_ultra_fast_sigmoid_stays_within_0_03_of_sigmoid():
    x = T.dvector("x")
    values = np.linspace(-20, 20, 4001)
    got = symtorch.function([x], T.nnet.ultra_fast_sigmoid(x))(values)
    assert np.max(np.abs(got - np_sigmoid(values))) < 0.03


@pytest.mark.parametrize("what", ["sigmoid", "hard_sigmoid", "softsign", "elu", "softmax"])
def test_complex_inputs_are_rejected(what):
    with pytest.raises(TypeError, match="complex"):
        getattr(T.nnet, what)(T.zvector("z"))


# -- softmax and log-softmax -------------------------------------------------------------------

SOFTMAXES = [(T.nnet.softmax, np_softmax), (T.nnet.log_softmax, np_log_softmax)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn, ref", SOFTMAXES, ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, axis", [((3, 4), -1), ((3, 4), 0), ((3, 4), 1), ((3, 4), None),
                                         ((5,), -1), ((2, 3, 4), 1), ((2, 3, 4), -1),
                                         ((2, 3, 4), None), ((0, 3), -1)])
def test_softmax_matches_numpy(fn, ref, shape, axis, dtype, mode):
    x = T.tensor(dtype, shape=(None,) * len(shape), name="x")
    value = rng.normal(0, 4, shape).astype(dtype)
    out = fn(x, axis=axis)
    assert out.type == x.type
    expected = ref(value.astype(np.float64), axis=axis).astype(dtype) if value.size else value
    assert_allclose(symtorch.function([x], out, mode=mode)(value), expected)
    assert_allclose(reference_eval([out], {x: value})[0], expected)


@pytest.mark.parametrize("mode", MODES)
def test_softmax_of_a_matrix_is_row_wise_by_default_as_in_theano(mode):
    x = T.dmatrix("x")
    value = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    got = symtorch.function([x], T.nnet.softmax(x), mode=mode)(value)
    np.testing.assert_allclose(got.sum(axis=1), [1.0, 1.0])
    np.testing.assert_allclose(got[1], [1 / 3] * 3)


@pytest.mark.parametrize("mode", MODES)
def test_softmax_and_log_softmax_do_not_overflow(mode):
    x = T.dvector("x")
    f = symtorch.function([x], [T.nnet.softmax(x), T.nnet.log_softmax(x)], mode=mode)
    sm, lsm = f([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(sm, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(lsm, [-np.log(2), -np.log(2), -2000 - np.log(2)])


@settings(max_examples=15, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_softmax_sums_to_one_along_its_axis(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    value = np.random.default_rng(len(shape)).normal(0, 10, shape)
    got = symtorch.function([x], T.nnet.softmax(x, axis=axis))(value)
    np.testing.assert_allclose(got.sum(axis=axis), np.ones(np.delete(shape, axis % len(shape))))


def test_softmax_of_integers_is_float():
    assert T.nnet.softmax(T.ivector()).dtype == "float64"
    assert T.nnet.log_softmax(T.bmatrix()).dtype == "float32"


def test_softmax_ops_print_and_compare_by_axis():
    m = T.dmatrix("m")
    assert str(T.nnet.softmax(m).owner.op) == "Softmax{axis=1}"
    assert str(T.nnet.log_softmax(m, axis=None).owner.op) == "LogSoftmax{axis=None}"
    assert T.nnet.softmax(m, axis=-1).owner.op == T.nnet.softmax(m, axis=1).owner.op
    assert Softmax(0) != Softmax(1) and Softmax(0) != LogSoftmax(0)


@pytest.mark.parametrize("fn", [T.nnet.softmax, T.nnet.log_softmax])
def test_softmax_infer_shape(fn):
    x = T.dtensor3("x")
    check_infer_shape([x], [fn(x, axis=1), fn(x, axis=None)], [np.ones((2, 3, 4))])


@pytest.mark.parametrize("fn", [T.nnet.softmax, T.nnet.log_softmax])
def test_softmax_bad_axes_are_rejected_when_the_graph_is_built(fn):
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="axis 2 is out of range for 'x'"):
        fn(x, axis=2)
    with pytest.raises(ValueError, match="out of range"):
        fn(x, axis=-3)
    with pytest.raises(TypeError, match="axis must be an int"):
        fn(x, axis=1.0)
    with pytest.raises(TypeError, match="axis must be an int"):
        fn(x, axis=True)
    with pytest.raises(ValueError, match="0 dimensions"):
        fn(T.dscalar("s"))


@pytest.mark.parametrize("op", [Softmax(-1), LogSoftmax(-1)])
def test_softmax_ops_reject_non_floats(op):
    with pytest.raises(TypeError, match="expects a float tensor; 'i' is an? int32 vector"):
        op(T.ivector("i"))
    with pytest.raises(TypeError, match="axis must be an int"):
        type(op)("1")


def test_softmax_with_bias_adds_the_bias_to_every_row():
    x, b = T.dmatrix("x"), T.dvector("b")
    value, bias = rng.normal(size=(3, 4)), rng.normal(size=4)
    got = symtorch.function([x, b], T.nnet.softmax_with_bias(x, b))(value, bias)
    assert_allclose(got, np_softmax(value + bias))


# -- categorical cross-entropy ------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("label_dtype", ["int64", "int32", "int8", "uint8"])
def test_categorical_crossentropy_of_integer_labels_matches_numpy(label_dtype, dtype, mode):
    p, y = T.matrix("p", dtype=dtype), T.vector("y", dtype=label_dtype)
    probs = np_softmax(rng.normal(size=(5, 4))).astype(dtype)
    labels = np.array([0, 3, 1, 1, 2], dtype=label_dtype)
    out = T.nnet.categorical_crossentropy(p, y)
    assert isinstance(out.owner.op, CrossentropyCategorical1Hot) and out.dtype == dtype
    expected = -np.log(probs[np.arange(5), labels])
    assert_allclose(symtorch.function([p, y], out, mode=mode)(probs, labels), expected)
    assert_allclose(reference_eval([out], {p: probs, y: labels})[0], expected)


@pytest.mark.parametrize("mode", MODES)
def test_categorical_crossentropy_takes_the_class_axis_last_for_any_rank(mode):
    p, y = T.dtensor3("p"), T.lmatrix("y")
    probs = np_softmax(rng.normal(size=(2, 3, 4)))
    labels = rng.integers(0, 4, size=(2, 3))
    got = symtorch.function([p, y], T.nnet.categorical_crossentropy(p, y), mode=mode)(probs, labels)
    assert_allclose(got, -np.log(np.take_along_axis(probs, labels[..., None], -1)[..., 0]))
    v, k = T.dvector("v"), T.lscalar("k")
    got = symtorch.function([v, k], T.nnet.categorical_crossentropy(v, k), mode=mode)([0.2, 0.8], 1)
    assert_allclose(got, np.array(-np.log(0.8)))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_categorical_crossentropy_of_one_hot_targets_equals_the_integer_form(dtype, mode):
    p, t, y = T.matrix("p", dtype=dtype), T.matrix("t", dtype=dtype), T.lvector("y")
    probs = np_softmax(rng.normal(size=(5, 4))).astype(dtype)
    labels = np.array([0, 3, 1, 1, 2])
    f = symtorch.function([p, t, y], [T.nnet.categorical_crossentropy(p, t),
                                       T.nnet.categorical_crossentropy(p, y)], mode=mode)
    dense, sparse = f(probs, np.eye(4, dtype=dtype)[labels], labels)
    assert_allclose(dense, sparse)
    soft = np_softmax(rng.normal(size=(5, 4))).astype(dtype)
    assert_allclose(f(probs, soft, labels)[0], -(soft * np.log(probs)).sum(axis=1))


@pytest.mark.parametrize("mode", MODES)
def test_categorical_crossentropy_checks_the_labels_shape_when_it_runs(mode):
    p, y = T.dmatrix("p"), T.lvector("y")
    out = T.nnet.categorical_crossentropy(p, y)
    f = symtorch.function([p, y], out, mode=mode)
    with pytest.raises(ValueError, match=r"labels of shape \(2,\) do not match coding_dist of shape"):
        f(np.full((3, 2), 0.5), [0, 1])
    with pytest.raises(ValueError, match="do not match"):
        reference_eval([out], {p: np.full((3, 2), 0.5), y: np.array([0, 1])})


@pytest.mark.parametrize("mode", MODES)
def test_categorical_crossentropy_rejects_labels_out_of_range(mode):
    p, y = T.dmatrix("p"), T.lvector("y")
    out = T.nnet.categorical_crossentropy(p, y)
    with pytest.raises((IndexError, RuntimeError)):
        symtorch.function([p, y], out, mode=mode)(np.full((2, 2), 0.5), [0, 2])
    with pytest.raises(IndexError, match=r"labels must lie in \[0, 2\)"):
        reference_eval([out], {p: np.full((2, 2), 0.5), y: np.array([0, -1])})


def test_categorical_crossentropy_bad_inputs_are_rejected_when_the_graph_is_built():
    p = T.dmatrix("p")
    with pytest.raises(TypeError, match="true_dist must be integer labels with 1 dims"):
        T.nnet.categorical_crossentropy(p, T.dtensor3("t"))
    with pytest.raises(TypeError, match="true_dist must be"):
        T.nnet.categorical_crossentropy(p, T.dvector("float_labels"))
    with pytest.raises(TypeError, match="coding_dist must be a float tensor"):
        T.nnet.categorical_crossentropy(T.imatrix("ip"), T.ivector("y"))
    with pytest.raises(TypeError, match="integer labels must be an integer tensor with 1 dims"):
        CrossentropyCategorical1Hot()(p, T.lmatrix("y2"))
    fixed = T.tensor("float64", shape=(3, 4), name="fixed")
    with pytest.raises(ValueError, match="'y' has length 2 in dimension 0, but coding_dist 'fixed' has 3"):
        T.nnet.categorical_crossentropy(fixed, T.tensor("int64", shape=(2,), name="y"))


def test_categorical_crossentropy_static_shape_comes_from_either_input():
    p = T.tensor("float64", shape=(None, 4), name="p")
    out = T.nnet.categorical_crossentropy(p, T.tensor("int64", shape=(3,), name="y"))
    assert out.type.shape == (3,)


def test_categorical_crossentropy_infer_shape():
    p, y = T.dmatrix("p"), T.lvector("y")
    check_infer_shape([p, y], [T.nnet.categorical_crossentropy(p, y)],
                      [np.full((3, 2), 0.5), np.array([0, 1, 1])])


def test_crossentropy_ops_agree_with_their_reference_in_debug_mode():
    x, y = T.dmatrix("x"), T.lvector("y")
    outs = [T.nnet.categorical_crossentropy(T.nnet.softmax(x), y), T.nnet.log_softmax(x, axis=0)]
    f = symtorch.function([x, y], outs, mode="DebugMode")
    f(rng.normal(size=(3, 4)), np.array([0, 3, 2]))


# -- binary cross-entropies ---------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_crossentropies_match_numpy(dtype, mode):
    o, t = T.vector("o", dtype=dtype), T.vector("t", dtype=dtype)
    logits = np.array([-30.0, -3.0, -0.5, 0.0, 0.5, 3.0, 30.0]).astype(dtype)
    targets = np.array([0.0, 1.0, 0.3, 1.0, 0.0, 0.5, 1.0]).astype(dtype)
    probs = np_sigmoid(logits.astype(np.float64))
    f = symtorch.function([o, t], [T.nnet.binary_crossentropy(T.nnet.sigmoid(o), t),
                                   T.nnet.sigmoid_binary_crossentropy(o, t)], mode=mode)
    naive, stable = f(logits, targets)
    l64, t64 = logits.astype(np.float64), targets.astype(np.float64)
    assert_allclose(stable, (np.maximum(l64, 0) - l64 * t64 + np.log1p(np.exp(-np.abs(l64))))
                    .astype(dtype))
    ok = np.abs(logits) < 10  # where sigmoid is not 0 or 1 in floating point
    expected = -(t64 * np.log(probs) + (1 - t64) * np.log1p(-probs))
    assert_allclose(naive[ok], expected[ok].astype(dtype), rtol=1e-4 if dtype == "float32" else None)


@pytest.mark.parametrize("mode", MODES)
def test_sigmoid_binary_crossentropy_is_finite_where_the_naive_form_is_not(mode):
    x, t = T.dvector("x"), T.dvector("t")
    # Without rewrites: FAST_RUN's stabilization would make the naive form finite too.
    f = symtorch.function([x, t], [T.nnet.binary_crossentropy(T.nnet.sigmoid(x), t),
                                   T.nnet.sigmoid_binary_crossentropy(x, t)],
                          mode=symtorch.compile.Mode("torch", None))
    naive, stable = f([1000.0, -1000.0], [0.0, 1.0])
    assert np.all(np.isinf(naive) | np.isnan(naive))
    np.testing.assert_allclose(stable, [1000.0, 1000.0])


@pytest.mark.parametrize("target", [1, 0.25])
def test_binary_crossentropy_keeps_float32_with_a_python_target(target):
    o = T.fvector("o")
    out = T.nnet.binary_crossentropy(o, target)
    assert out.dtype == "float32"
    got = symtorch.function([o], out)(np.array([0.5, 0.9], dtype="float32"))
    p = np.array([0.5, 0.9])
    assert_allclose(got, (-(target * np.log(p) + (1 - target) * np.log1p(-p))).astype("float32"))


# == gradients and R_ops =========================================================================

def _tolerances(dtype):
    """verify_grad / verify_rop tolerances: float32 finite differences are coarse."""
    return {"abs_tol": 2e-2, "rel_tol": 2e-2} if dtype == "float32" else {}


# -- softmax and log-softmax ---------------------------------------------------------------------

SOFTMAX_AXES = [((2, 3), -1), ((2, 3), 0), ((2, 3), None), ((4,), 0), ((2, 2, 3), 1)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", [T.nnet.softmax, T.nnet.log_softmax])
@pytest.mark.parametrize("shape, axis", SOFTMAX_AXES)
def test_softmax_gradient_matches_finite_differences(fn, shape, axis, dtype, mode):
    value = rng.normal(0, 1, shape).astype(dtype)
    symtorch.gradient.verify_grad(lambda x: fn(x, axis=axis), [value], mode=mode,
                                  **_tolerances(dtype))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", [T.nnet.softmax, T.nnet.log_softmax])
@pytest.mark.parametrize("shape, axis", SOFTMAX_AXES)
def test_softmax_rop_matches_finite_differences(fn, shape, axis, dtype, mode):
    value = rng.normal(0, 1, shape).astype(dtype)
    verify_rop(lambda x: fn(x, axis=axis), [value], mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_softmax_gradients_equal_their_closed_forms(mode):
    x, w = T.dmatrix("x"), T.dmatrix("w")
    xv, wv = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    grads = [T.grad((T.nnet.softmax(x) * w).sum(), x), T.grad((T.nnet.log_softmax(x) * w).sum(), x)]
    got = symtorch.function([x, w], grads, mode=mode)(xv, wv)
    y = np_softmax(xv)
    assert_allclose(got[0], y * (wv - (wv * y).sum(axis=1, keepdims=True)))
    assert_allclose(got[1], wv - y * wv.sum(axis=1, keepdims=True))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", [T.nnet.softmax, T.nnet.log_softmax])
def test_softmax_gradient_is_finite_at_saturated_inputs(fn, mode):
    x = T.dvector("x")
    w = np.array([0.3, -1.0, 2.0])
    f = symtorch.function([x], T.grad((fn(x) * w).sum(), x), mode=mode)
    for value in ([1000.0, 0.0, -1000.0], [0.0, 1000.0, 1000.0], [-1000.0, 0.0, 1000.0]):
        got = f(value)
        assert np.all(np.isfinite(got)), (value, got)
        # the same as at the shifted inputs, where nothing saturates in float64 arithmetic
        assert_allclose(got, f(np.asarray(value) / 1000.0 * 30.0), atol=1e-12, rtol=1e-9)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", [T.nnet.softmax, T.nnet.log_softmax])
def test_softmax_second_derivative_matches_finite_differences(fn, dtype, mode):
    w = rng.normal(size=(2, 3)).astype(dtype)
    symtorch.gradient.verify_grad(lambda x: T.grad((fn(x) * w).sum(), x),
                                  [rng.normal(size=(2, 3)).astype(dtype)], mode=mode,
                                  **_tolerances(dtype))


# -- categorical cross-entropy of integer labels ----------------------------------------------

def _probs(shape, dtype):
    """Probabilities away from 0, so finite differences stay accurate."""
    return rng.uniform(0.2, 1.0, shape).astype(dtype)


CE_CASES = [((4,), 2), ((3, 4), [0, 3, 3]), ((2, 2, 3), [[0, 2], [1, 1]])]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, labels", CE_CASES)
def test_crossentropy_gradient_matches_finite_differences(shape, labels, dtype, mode):
    labels = np.array(labels)
    symtorch.gradient.verify_grad(lambda p: T.nnet.categorical_crossentropy(p, labels),
                                  [_probs(shape, dtype)], mode=mode, **_tolerances(dtype))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, labels", CE_CASES)
def test_crossentropy_rop_matches_finite_differences(shape, labels, dtype, mode):
    labels = np.array(labels)
    verify_rop(lambda p: T.nnet.categorical_crossentropy(p, labels), [_probs(shape, dtype)],
               mode=mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("label_dtype", ["int64", "int32", "uint8"])
def test_crossentropy_gradient_is_minus_one_over_p_at_the_labels(label_dtype, mode):
    p, y = T.dmatrix("p"), T.vector("y", dtype=label_dtype)
    cost = (T.nnet.categorical_crossentropy(p, y) * np.array([1.0, 2.0, 3.0])).sum()
    g = T.grad(cost, p)
    assert isinstance(g.owner.op, CrossentropyCategorical1HotGrad)
    probs = np.array([[0.5, 0.25, 0.25], [0.0, 0.0, 1.0], [0.1, 0.8, 0.1]])
    labels = np.array([0, 2, 1], dtype=label_dtype)
    expected = np.array([[-2.0, 0, 0], [0, 0, -2.0], [0, -3 / 0.8, 0]])
    assert_allclose(symtorch.function([p, y], g, mode=mode)(probs, labels), expected)
    assert_allclose(reference_eval([g], {p: probs, y: labels})[0], expected)


def test_crossentropy_labels_are_disconnected_from_the_gradient():
    p, y = T.dmatrix("p"), T.lvector("y")
    cost = T.nnet.categorical_crossentropy(p, y).sum()
    with pytest.raises(symtorch.gradient.DisconnectedInputError, match="'y'"):
        T.grad(cost, y)
    zero = T.grad(cost, y, disconnected_inputs="ignore")
    assert zero.dtype == "float64"
    assert_allclose(zero.eval({y: np.array([1, 0])}), np.zeros(2))


@pytest.mark.parametrize("mode", MODES)
def test_softmax_crossentropy_gradient_is_finite_at_saturated_logits(mode):
    x, y = T.dmatrix("x"), T.lvector("y")
    cost = T.nnet.categorical_crossentropy(T.nnet.softmax(x), y).sum()
    f = symtorch.function([x, y], [cost, T.grad(cost, x)], mode=mode)
    value, grad = f(np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]]), np.array([0, 2]))
    # softmax(x) - one_hot(y): exactly 0 on the saturated row
    assert_allclose(grad, np_softmax(np.array([[1000.0, 0, -1000], [1, 2, 3]])) - np.eye(3)[[0, 2]])
    assert np.isfinite(value)


@pytest.mark.parametrize("mode", MODES)
def test_softmax_crossentropy_hessian_vector_product_matches_the_closed_form(mode):
    """H v of the mean cross-entropy of softmax(x), by grad of grad and by Rop of grad:
    per row, (diag(p) - p p^T) v = p * v - p * (p . v)."""
    x, y, v = T.dmatrix("x"), T.lvector("y"), T.dmatrix("v")
    cost = T.nnet.categorical_crossentropy(T.nnet.softmax(x), y).sum()
    g = T.grad(cost, x)
    hv_reverse = T.grad((g * v).sum(), x)
    hv_forward = T.Rop(g, x, v)
    xv, vv, labels = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), np.array([0, 3, 1])
    got = symtorch.function([x, y, v], [hv_reverse, hv_forward], mode=mode)(xv, labels, vv)
    p = np_softmax(xv)
    expected = p * vv - p * (p * vv).sum(axis=1, keepdims=True)
    assert_allclose(got[0], expected)
    assert_allclose(got[1], expected)


def test_float32_gradients_and_second_derivatives_stay_float32_throughout():
    x, v, y = T.fmatrix("x"), T.fmatrix("v"), T.lvector("y")
    costs = [T.nnet.categorical_crossentropy(T.nnet.softmax(x), y).sum(),
             (T.nnet.log_softmax(x, axis=None) * v).sum(), (T.nnet.elu(x) * v).sum()]
    for cost in costs:
        g = T.grad(cost, x)
        for out in (g, T.grad((g * v).sum(), x), T.Rop(g, x, v)):
            dtypes = {o.dtype for node in io_toposort([x, v, y], [out]) for o in node.outputs}
            assert "float64" not in dtypes and out.dtype == "float32"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_second_derivative_matches_finite_differences(dtype, mode):
    labels = np.array([1, 0])
    symtorch.gradient.verify_grad(
        lambda p: T.grad(T.nnet.categorical_crossentropy(p, labels).sum(), p),
        [_probs((2, 3), dtype)], mode=mode, **_tolerances(dtype))


# -- CrossentropyCategorical1HotGrad, the scatter ----------------------------------------------

def np_crossentropy_grad(g, probs, labels):
    out = np.zeros_like(probs)
    index = labels[..., None].astype(np.intp)
    np.put_along_axis(out, index, -g[..., None] / np.take_along_axis(probs, index, -1), -1)
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, labels", CE_CASES)
def test_crossentropy_grad_op_matches_numpy(shape, labels, dtype, mode):
    labels = np.array(labels)
    g = T.tensor(dtype, shape=(None,) * labels.ndim, name="g")
    p = T.tensor(dtype, shape=(None,) * len(shape), name="p")
    y = T.tensor("int64", shape=(None,) * labels.ndim, name="y")
    out = crossentropy_categorical_1hot_grad(g, p, y)
    assert out.type == p.type
    gv, pv = rng.normal(size=labels.shape).astype(dtype), _probs(shape, dtype)
    expected = np_crossentropy_grad(gv, pv, labels)
    assert_allclose(symtorch.function([g, p, y], out, mode=mode)(gv, pv, labels), expected)
    assert_allclose(reference_eval([out], {g: gv, p: pv, y: labels})[0], expected)
    check_infer_shape([g, p, y], [out], [gv, pv, labels])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_grad_op_gradient_and_rop_match_finite_differences(dtype, mode):
    labels = np.array([2, 0, 2])
    values = [rng.normal(size=3).astype(dtype), _probs((3, 4), dtype)]
    fun = lambda g, p: crossentropy_categorical_1hot_grad(g, p, labels)  # noqa: E731
    symtorch.gradient.verify_grad(fun, values, mode=mode, **_tolerances(dtype))
    verify_rop(fun, values, mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_crossentropy_grad_op_checks_the_labels_shape_when_it_runs(mode):
    g, p, y = T.dvector("g"), T.dmatrix("p"), T.lvector("y")
    f = symtorch.function([g, p, y], crossentropy_categorical_1hot_grad(g, p, y), mode=mode)
    with pytest.raises(ValueError, match="do not match"):
        f(np.ones(2), np.full((3, 2), 0.5), [0, 1])


def test_crossentropy_grad_op_bad_inputs_are_rejected_when_the_graph_is_built():
    p, y = T.dmatrix("p"), T.lvector("y")
    with pytest.raises(TypeError, match="output gradient must be a float tensor with 1 dims"):
        crossentropy_categorical_1hot_grad(T.dmatrix("g"), p, y)
    with pytest.raises(TypeError, match="output gradient must be a float"):
        crossentropy_categorical_1hot_grad(T.lvector("g"), p, y)
    with pytest.raises(TypeError, match="integer labels"):
        crossentropy_categorical_1hot_grad(T.dvector("g"), p, T.dvector("y"))
    assert crossentropy_categorical_1hot_grad(T.dvector("g"), T.fmatrix("p"), y).dtype == "float32"


# -- the elementwise functions (gradients from the scalar table) -------------------------------

# Points away from the breaks of the piecewise functions (finite differences straddle none).
GRAD_POINTS = np.array([[-4.1, -2.2, -0.7, -0.2], [0.3, 1.1, 1.9, 4.3]])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradient_matches_finite_differences(name, dtype, mode):
    symtorch.gradient.verify_grad(ACTIVATIONS[name][0], [GRAD_POINTS.astype(dtype)], mode=mode,
                                  **_tolerances(dtype))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["sigmoid", "softplus", "elu", "selu", "softsign"])
def test_activation_rop_matches_finite_differences(name, mode):
    verify_rop(ACTIVATIONS[name][0], [GRAD_POINTS], mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_activation_gradients_are_finite_at_large_inputs(mode):
    x = T.dvector("x")
    outs = [T.grad(ACTIVATIONS[name][0](x).sum(), x) for name in ("sigmoid", "softplus", "elu")]
    sig, soft, elu = symtorch.function([x], outs, mode=mode)([-1000.0, 1000.0])
    assert_allclose(sig, np.zeros(2))
    assert_allclose(soft, np.array([0.0, 1.0]))
    assert_allclose(elu, np.array([0.0, 1.0]))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_crossentropy_gradients_match_finite_differences(dtype, mode):
    target = np.array([0.0, 1.0, 0.3, 0.8]).astype(dtype)
    logits = np.array([-2.0, -0.5, 0.4, 3.0]).astype(dtype)
    tol = _tolerances(dtype)
    symtorch.gradient.verify_grad(lambda o: T.nnet.binary_crossentropy(o, target),
                                  [np_sigmoid(logits).astype(dtype)], mode=mode, **tol)
    symtorch.gradient.verify_grad(T.nnet.sigmoid_binary_crossentropy, [logits, target],
                                  mode=mode, **tol)


@pytest.mark.parametrize("mode", MODES)
def test_sigmoid_binary_crossentropy_gradient_is_sigmoid_minus_target(mode):
    x, t = T.dvector("x"), T.dvector("t")
    g = T.grad(T.nnet.sigmoid_binary_crossentropy(x, t).sum(), x)
    xs, ts = np.array([-1000.0, -2.0, 0.5, 1000.0]), np.array([1.0, 0.0, 0.3, 0.0])
    assert_allclose(symtorch.function([x, t], g, mode=mode)(xs, ts), np_sigmoid(xs) - ts)

"""The stabilize phase (symtorch/rewriting/stabilize.py): one section per rewrite.

Each test shows the graph before (the naive mode, or the rewrite excluded) and after,
an input where the naive graph gives inf or nan while the rewritten one gives the true
value (checked against a float64 closed form), and ordinary values left unchanged.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symtorch
import symtorch.tensor as T
from symtorch.compile.mode import Mode, get_mode
from symtorch.testing import MODES, assert_allclose

FAST = get_mode(MODES[1])            # every FAST_RUN rewrite
NAIVE = Mode(FAST.linker, None)      # no rewrite at all
FLOATS = ("float32", "float64")


def op_names(f) -> list[str]:
    return [str(node.op) for node in f.maker.fgraph.toposort()]


def compile_pair(inputs, output, name: str, **kwargs):
    """(naive function, rewritten function, the same with `name` excluded)."""
    return (symtorch.function(inputs, output, mode=NAIVE, **kwargs),
            symtorch.function(inputs, output, mode=FAST, **kwargs),
            symtorch.function(inputs, output, mode=FAST.excluding(name), **kwargs))


def has(f, *names: str) -> bool:
    ops = op_names(f)
    return all(any(name in op for op in ops) for name in names)


# -- log1p, expm1, softplus ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("form", ["1 + x", "x + 1", "matrix constant + x"])
def test_log_of_one_plus_x_becomes_log1p_and_is_exact_for_tiny_x(form, dtype):
    x = T.vector("x", dtype=dtype)
    one = {"1 + x": 1, "x + 1": 1, "matrix constant + x": T.constant(np.ones((1, 1), dtype))}[form]
    out = T.log(x + one) if form == "x + 1" else T.log(one + x)
    naive, fast, excluded = compile_pair([x], out, "log1p_from_log_one_plus")
    assert has(naive, "log", "add") and not has(naive, "log1p")
    assert op_names(fast)[-1] == "Elemwise{log1p}" and not has(fast, "add")
    assert has(excluded, "Elemwise{log}")
    value = np.array([1e-20, 0.5, 3.0], dtype)
    assert naive(value).reshape(-1)[0] == 0  # 1 + 1e-20 rounds to 1
    assert_allclose(fast(value), np.log1p(value).reshape(np.shape(naive(value))))


@pytest.mark.parametrize("dtype", FLOATS)
def test_log_of_one_minus_x_becomes_log1p_of_minus_x(dtype):
    x = T.vector("x", dtype=dtype)
    naive, fast, _ = compile_pair([x], T.log(1 - x), "log1p_from_log_one_minus")
    assert has(fast, "log1p") and not has(fast, "Elemwise{log}", "sub")
    value = np.array([1e-20, 0.5, -2.0], dtype)
    assert naive(value)[0] == 0
    assert_allclose(fast(value), np.log1p(-value))


def test_log_of_one_plus_exp_becomes_softplus_and_does_not_overflow():
    x = T.dvector("x")
    naive, fast, excluded = compile_pair([x], T.log(1 + T.exp(x)), "softplus_from_log1p_exp")
    assert op_names(fast) == ["Elemwise{softplus}"]
    assert has(excluded, "log1p", "exp")
    value = np.array([800.0, 1.0, -800.0])
    assert np.isinf(naive(value)[0])
    assert_allclose(fast(value), np.logaddexp(0, value))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("form", ["exp(x) - 1", "exp(x) + -1", "-1 + exp(x)"])
def test_exp_minus_one_becomes_expm1_and_is_exact_for_tiny_x(form, dtype):
    x = T.vector("x", dtype=dtype)
    out = {"exp(x) - 1": lambda: T.exp(x) - 1, "exp(x) + -1": lambda: T.exp(x) + -1,
           "-1 + exp(x)": lambda: -1 + T.exp(x)}[form]()
    naive, fast, excluded = compile_pair([x], out, "expm1_from_exp_minus_one")
    assert op_names(fast) == ["Elemwise{expm1}"]
    assert has(excluded, "Elemwise{exp}")
    value = np.array([1e-20, 0.5, -3.0], dtype)
    assert naive(value)[0] == 0
    assert_allclose(fast(value), np.expm1(value))


def test_integer_operands_are_left_alone():
    """1 + int8 wraps around in int8, where log1p of the int8 would not: no rewrite."""
    i = T.bvector("i")
    f = symtorch.function([i], T.log(1 + i), mode=FAST)
    assert has(f, "Elemwise{log}", "add") and not has(f, "log1p")
    with np.errstate(invalid="ignore"):
        expected = np.log(np.array([-128.0, 4.0], "float32"))  # 127 + 1 wrapped to -128
    assert_allclose(f(np.array([127, 3], "int8")), expected)


# -- logs of sigmoids ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
def test_log_sigmoid_becomes_minus_softplus_of_minus_x(dtype):
    x = T.vector("x", dtype=dtype)
    naive, fast, excluded = compile_pair([x], T.log(T.nnet.sigmoid(x)), "log_sigmoid_to_softplus")
    assert has(fast, "softplus") and not has(fast, "sigmoid", "Elemwise{log}")
    assert has(excluded, "sigmoid")
    value = np.array([-800.0, -1.0, 2.0], dtype)
    assert np.isneginf(naive(value)[0])
    assert_allclose(fast(value), -np.logaddexp(0, -value.astype(np.float64)).astype(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("form", ["log(1 - s)", "log1p(-s)", "log(1 + -s)"])
def test_log_one_minus_sigmoid_becomes_minus_softplus(form, dtype):
    x = T.vector("x", dtype=dtype)
    s = T.nnet.sigmoid(x)
    out = {"log(1 - s)": lambda: T.log(1 - s), "log1p(-s)": lambda: T.log1p(-s),
           "log(1 + -s)": lambda: T.log(1 + -s)}[form]()
    naive, fast, _ = compile_pair([x], out, "log_one_minus_sigmoid_to_softplus")
    # 1 - s also becomes sigmoid(-x) (whose log is softplus too): exclude both to see s stay.
    excluded = symtorch.function([x], out, mode=FAST.excluding(
        "log_one_minus_sigmoid_to_softplus", "sigmoid_of_minus_from_one_minus_sigmoid"))
    assert has(fast, "softplus") and not has(fast, "sigmoid")
    assert has(excluded, "sigmoid")
    value = np.array([800.0, 1.0, -3.0], dtype)
    assert np.isneginf(naive(value)[0])
    closed = -np.logaddexp(0, value.astype(np.float64))  # log(1 - sigmoid(x)) = -softplus(x)
    assert_allclose(fast(value), closed.astype(dtype))
    assert fast(value)[0] == -800


# -- logsumexp -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis, keepdims", [(None, False), (1, False), (-1, True), (0, True),
                                            ((0, 1), True)])
def test_log_sum_exp_becomes_a_max_shifted_logsumexp(axis, keepdims, dtype):
    x = T.matrix("x", dtype=dtype)
    out = T.log(T.sum(T.exp(x), axis=axis, keepdims=keepdims))
    naive, fast, excluded = compile_pair([x], out, "logsumexp_from_log_sum_exp")
    assert has(fast, "Max") and not has(naive, "Max") and not has(excluded, "Max")
    value = np.array([[1000.0, 1000.0], [1000.0, 1000.0]], dtype)
    assert np.isinf(naive(value)).all()
    n = 4 if axis in (None, (0, 1)) else 2
    expected = np.full(np.shape(naive(value)), 1000 + np.log(n))
    assert_allclose(fast(value), expected.astype(dtype))
    ordinary = np.random.default_rng(0).normal(size=(3, 2)).astype(dtype)
    assert_allclose(fast(ordinary), naive(ordinary))


def test_logsumexp_of_all_minus_inf_rows_stays_minus_inf():
    x = T.dmatrix("x")
    f = symtorch.function([x], T.log(T.exp(x).sum(axis=1)), mode=FAST)
    assert_allclose(f(np.array([[-np.inf, -np.inf], [0.0, 0.0]])), np.array([-np.inf, np.log(2)]))


def test_logsumexp_already_shifted_is_not_rewritten_again():
    """The graph T.logsumexp builds contains log(sum(exp(x - max))): left as it is."""
    x = T.dmatrix("x")
    f = symtorch.function([x], T.logsumexp(x, axis=1), mode=FAST)
    assert op_names(f).count("Max{axis=[1]}") == 1
    assert f.maker.fgraph.rewrite_stats.applied.get("logsumexp_from_log_sum_exp", 0) == 0
    assert_allclose(f(np.array([[1000.0, 1000.0]])), np.array([1000 + np.log(2)]))


# -- softmax and categorical cross-entropy --------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
def test_log_of_softmax_becomes_log_softmax(dtype):
    x = T.matrix("x", dtype=dtype)
    naive, fast, excluded = compile_pair([x], T.log(T.nnet.softmax(x)), "log_softmax_from_log_of_softmax")
    assert op_names(fast) == ["LogSoftmax{axis=1}"]
    assert has(excluded, "Softmax{axis=1}", "Elemwise{log}")
    value = np.array([[1000.0, 0.0], [1.0, 2.0]], dtype)
    assert np.isneginf(naive(value)[0, 1])
    v64 = value.astype(np.float64)
    shifted = v64 - v64.max(1, keepdims=True)
    closed = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    assert_allclose(fast(value), closed.astype(dtype))


def _saturated():
    """Logits whose softmax rounds to exactly 0 at the label of the first row."""
    return np.array([[1000.0, 0.0, -5.0], [0.5, 1.5, -0.5]]), np.array([1, 0])


def _crossentropy_closed_form(logits, labels):
    lse = np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1)) + logits.max(1)
    return lse - logits[np.arange(len(labels)), labels]


@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_op_of_softmax_becomes_log_softmax_indexing(dtype):
    x, y = T.matrix("x", dtype=dtype), T.lvector("y")
    out = T.nnet.categorical_crossentropy(T.nnet.softmax(x), y)
    naive, fast, excluded = compile_pair([x, y], out, "crossentropy_of_softmax_to_log_softmax")
    assert has(naive, "CrossentropyCategorical1Hot")
    assert has(fast, "LogSoftmax", "AdvancedSubtensor") and not has(fast, "Crossentropy")
    assert has(excluded, "CrossentropyCategorical1Hot")
    logits, labels = _saturated()
    assert np.isinf(naive(logits.astype(dtype), labels)[0])
    expected = _crossentropy_closed_form(logits, labels)  # [1000, ...]
    assert_allclose(fast(logits.astype(dtype), labels), expected.astype(dtype))


@pytest.mark.parametrize("labels_dtype", ["int32", "int64", "uint8"])
def test_crossentropy_rewrite_keeps_any_label_dtype_and_rejects_bad_labels(labels_dtype):
    x, y = T.dmatrix("x"), T.vector("y", dtype=labels_dtype)
    fast = symtorch.function([x, y], T.nnet.categorical_crossentropy(T.nnet.softmax(x), y), mode=FAST)
    logits, labels = _saturated()
    assert_allclose(fast(logits, labels.astype(labels_dtype)), _crossentropy_closed_form(logits, labels))
    with pytest.raises((IndexError, RuntimeError)):
        fast(logits, np.array([3, 0], labels_dtype))
    if labels_dtype != "uint8":  # a negative label is an error as in the op, not x[..., -1]
        with pytest.raises((IndexError, RuntimeError)):
            fast(logits, np.array([-1, 0], labels_dtype))


@pytest.mark.parametrize("ndim", [1, 3])
def test_crossentropy_rewrite_for_one_example_and_for_batches_of_sequences(ndim):
    x = T.tensor("float64", shape=(None,) * ndim, name="x")
    y = T.tensor("int64", shape=(None,) * (ndim - 1), name="y")
    fast = symtorch.function([x, y], T.nnet.categorical_crossentropy(T.nnet.softmax(x), y), mode=FAST)
    assert not has(fast, "Crossentropy")
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 3, 4)[3 - ndim:]) * 3
    logits.reshape(-1, 4)[0, 0] = 1000.0
    labels = rng.integers(0, 4, size=logits.shape[:-1])
    labels.reshape(-1)[0] = 1
    flat = _crossentropy_closed_form(logits.reshape(-1, 4), labels.reshape(-1))
    assert_allclose(fast(logits, labels), flat.reshape(labels.shape))


def test_indexing_crossentropy_of_log_softmax_is_finite():
    x, y = T.dmatrix("x"), T.lvector("y")
    out = -T.log(T.nnet.softmax(x))[T.arange(y.shape[0]), y]
    naive, fast, _ = compile_pair([x, y], out, "log_softmax_from_log_of_softmax")
    assert has(fast, "LogSoftmax") and not has(fast, "Elemwise{log}")
    logits, labels = _saturated()
    assert np.isinf(naive(logits, labels)[0])
    assert_allclose(fast(logits, labels), _crossentropy_closed_form(logits, labels))


def test_dense_crossentropy_of_softmax_is_finite():
    x, t = T.dmatrix("x"), T.dmatrix("t")
    out = T.nnet.categorical_crossentropy(T.nnet.softmax(x), t)  # -sum(t * log(softmax(x)), -1)
    naive, fast, _ = compile_pair([x, t], out, "log_softmax_from_log_of_softmax")
    assert has(fast, "LogSoftmax") and not has(fast, "Elemwise{log}")
    logits, labels = _saturated()
    onehot = np.eye(3)[labels]
    assert not np.isfinite(naive(logits, onehot)[0])
    assert_allclose(fast(logits, onehot), _crossentropy_closed_form(logits, labels))


CROSSENTROPY_COSTS = {
    "categorical_crossentropy(softmax(x), y)":
        lambda x, y, t: T.nnet.categorical_crossentropy(T.nnet.softmax(x), y).mean(),
    "-log(softmax(x))[arange(n), y]":
        lambda x, y, t: -T.log(T.nnet.softmax(x))[T.arange(y.shape[0]), y].mean(),
    "-sum(t * log(softmax(x)), -1)":
        lambda x, y, t: T.nnet.categorical_crossentropy(T.nnet.softmax(x), t).mean(),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("cost", list(CROSSENTROPY_COSTS))
def test_gradient_of_the_crossentropy_of_a_saturated_softmax_is_finite(cost, dtype):
    x, y, t = T.matrix("x", dtype=dtype), T.lvector("y"), T.matrix("t", dtype=dtype)
    gx = T.grad(CROSSENTROPY_COSTS[cost](x, y, t), x)
    naive, fast, excluded = compile_pair([x, y, t], gx, "log_softmax_grad_from_softmax_grad",
                                         on_unused_input="ignore")
    logits, labels = _saturated()
    args = [logits.astype(dtype), labels, np.eye(3, dtype=dtype)[labels]]
    assert np.isnan(naive(*args)).any()
    assert np.isnan(excluded(*args)).any()
    shifted = np.exp(logits - logits.max(1, keepdims=True))
    closed = (shifted / shifted.sum(1, keepdims=True) - np.eye(3)[labels]) / len(labels)
    assert_allclose(fast(*args), closed.astype(dtype))
    assert fast.maker.fgraph.rewrite_stats.applied["log_softmax_grad_from_softmax_grad"] == 1


@pytest.mark.parametrize("weight", ["number", "row known to broadcast", "row broadcast at run time"])
def test_gradient_through_log_softmax_with_a_broadcast_weight(weight):
    """sum(w * log(softmax(x))) with w broadcast over the rows: the rewritten gradient
    counts every copy of w in its sum (u - y * sum(u) for u broadcast to y's shape)."""
    x = T.dmatrix("x")
    w = {"number": 2.0, "row known to broadcast": T.drow("w"),
         "row broadcast at run time": T.dmatrix("w")}[weight]
    gx = T.grad(T.sum(w * T.log(T.nnet.softmax(x))), x)
    inputs = [x] if weight == "number" else [x, w]
    xv, wv = np.array([[1000.0, 0.0, 1.0], [0.0, 0.5, 1.0]]), np.array([[1.0, 2.0, 3.0]])
    args = [xv] if weight == "number" else [xv, wv]
    f = symtorch.function(inputs, gx, mode=FAST)
    assert f.maker.fgraph.rewrite_stats.applied["log_softmax_grad_from_softmax_grad"] == 1
    sm = np.exp(xv - xv.max(1, keepdims=True))
    sm /= sm.sum(1, keepdims=True)
    wfull = np.broadcast_to(2.0 if weight == "number" else wv, xv.shape)
    assert_allclose(f(*args), wfull - sm * wfull.sum(1, keepdims=True))


def test_other_gradients_of_a_softmax_are_left_alone():
    x, w = T.dmatrix("x"), T.dmatrix("w")
    gx = T.grad(T.sum(T.nnet.softmax(x) * w), x)
    f = symtorch.function([x, w], gx, mode=FAST)
    assert f.maker.fgraph.rewrite_stats.applied.get("log_softmax_grad_from_softmax_grad", 0) == 0
    xv, wv = np.array([[1.0, 2.0, 0.5]]), np.array([[0.3, -1.0, 2.0]])
    sm = np.exp(xv) / np.exp(xv).sum()
    assert_allclose(f(xv, wv), sm * (wv - (wv * sm).sum()))


# -- binary cross-entropy of a sigmoid ---------------------------------------------------------


def _bce_closed_form(x, t):
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


BCE_FORMS = {
    "T.nnet.binary_crossentropy": lambda x, t: T.nnet.binary_crossentropy(T.nnet.sigmoid(x), t),
    "-(t log s + (1-t) log(1-s))": lambda x, t: -(t * T.log(T.nnet.sigmoid(x)) +
                                                  (1 - t) * T.log(1 - T.nnet.sigmoid(x))),
    "-t log s - (1-t) log(1-s)": lambda x, t: -t * T.log(T.nnet.sigmoid(x)) -
                                              (1 - t) * T.log(1 - T.nnet.sigmoid(x)),
    "(1-t) log1p(-s) swapped": lambda x, t: -(T.log1p(-T.nnet.sigmoid(x)) * (1 - t) +
                                              T.log(T.nnet.sigmoid(x)) * t),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("form", list(BCE_FORMS))
def test_binary_crossentropy_of_sigmoid_becomes_the_softplus_form(form, dtype):
    x, t = T.matrix("x", dtype=dtype), T.matrix("t", dtype=dtype)
    naive, fast, excluded = compile_pair([x, t], BCE_FORMS[form](x, t),
                                         "sigmoid_binary_crossentropy_from_bce")
    assert op_names(fast).count("Elemwise{softplus}") == 1
    assert not has(fast, "sigmoid") and not has(fast, "Elemwise{log}")
    assert has(excluded, "softplus")  # the per-term rewrites still make it finite
    logits = np.array([[800.0, -800.0, 0.5], [3.0, -2.0, 0.0]])
    target = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.5]])
    assert not np.isfinite(naive(logits.astype(dtype), target.astype(dtype))[0, :2]).any()
    expected = _bce_closed_form(logits, target).astype(dtype)  # 800 at both saturated points
    assert_allclose(fast(logits.astype(dtype), target.astype(dtype)), expected)
    assert_allclose(excluded(logits.astype(dtype), target.astype(dtype)), expected,
                    rtol=1e-5 if dtype == "float32" else 1e-12)


def test_binary_crossentropy_with_a_number_as_target_and_mixed_dtypes():
    x = T.fvector("x")
    fast = symtorch.function([x], T.nnet.binary_crossentropy(T.nnet.sigmoid(x), 1.0), mode=FAST)
    assert fast.maker.fgraph.outputs[0].dtype == "float32"
    value = np.array([-800.0, 2.0], "float32")
    assert_allclose(fast(value), _bce_closed_form(value.astype(np.float64), 1.0).astype("float32"))


def test_a_plain_weighted_sum_of_log_sigmoids_is_not_taken_for_a_crossentropy():
    """t log s + (1 - u) log(1 - s) with u not t: only the per-term rewrites apply."""
    x, t, u = T.dvectors("x", "t", "u")
    s = T.nnet.sigmoid(x)
    out = -(t * T.log(s) + (1 - u) * T.log(1 - s))
    f = symtorch.function([x, t, u], out, mode=FAST)
    assert op_names(f).count("Elemwise{softplus}") == 2
    assert f.maker.fgraph.rewrite_stats.applied.get("sigmoid_binary_crossentropy_from_bce", 0) == 0
    xv, tv, uv = np.array([1.0, -2.0]), np.array([0.2, 0.7]), np.array([0.9, 0.1])
    sp = np.logaddexp(0, xv)
    assert_allclose(f(xv, tv, uv), tv * np.logaddexp(0, -xv) + (1 - uv) * sp)


# -- everything together ----------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=2, max_size=6))
def test_ordinary_values_keep_their_value_and_become_more_accurate(values):
    """The rewritten graphs agree with exact float64 formulas to a few ulps (the naive ones
    lose digits: log(1 - sigmoid(20)) comes out as -19.99999997)."""
    x = T.dvector("x")
    s = T.nnet.sigmoid(x)
    outs = [T.log(1 + T.abs(x)), T.exp(x) - 1, T.log(s), T.log(1 - s), T.log(T.exp(x).sum()),
            T.log(T.nnet.softmax(x)), T.nnet.binary_crossentropy(s, 0.25)]
    v = np.array(values)
    m = v.max()
    exact = [np.log1p(np.abs(v)), np.expm1(v), -np.logaddexp(0, -v), -np.logaddexp(0, v),
             m + np.log(np.exp(v - m).sum()), v - m - np.log(np.exp(v - m).sum()),
             _bce_closed_form(v, 0.25)]
    got = symtorch.function([x], outs, mode=FAST)(v)
    for a, b in zip(got, exact):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_fast_compile_runs_no_stabilization():
    x, y = T.dmatrix("x"), T.lvector("y")
    outs = [T.log(1 + x), T.exp(x) - 1, T.log(T.nnet.sigmoid(x)), T.log(T.exp(x).sum(1)),
            T.nnet.categorical_crossentropy(T.nnet.softmax(x), y)]
    f = symtorch.function([x, y], outs, mode="FAST_COMPILE")
    ops = op_names(f)
    assert "Elemwise{log1p}" not in ops and "Elemwise{expm1}" not in ops
    assert not any(name in op for op in ops for name in ("softplus", "LogSoftmax", "Max"))
    assert "CrossentropyCategorical1Hot" in ops
    assert np.isinf(f(np.array([[1000.0, 0.0]]), np.array([1]))[4][0])


def test_each_stabilization_is_tagged_for_fast_run_only():
    from symtorch.rewriting import NodeRewriter, rewrite_db, stabilize
    names = [name for name, obj in vars(stabilize).items() if isinstance(obj, NodeRewriter)]
    assert len(names) == 14
    for name in names:
        entry = rewrite_db.entries[name]
        assert entry.phase == "stabilize"
        assert {"fast_run", "stabilize"} <= entry.tags and "fast_compile" not in entry.tags
        assert entry.rewriter.__doc__ and "->" in entry.rewriter.__doc__


# -- the logistic function written out --------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
def test_inverse_of_one_plus_exp_becomes_a_sigmoid(dtype):
    x = T.vector("x", dtype=dtype)
    naive, fast, without = compile_pair([x], 1 / (1 + T.exp(-x)), "sigmoid_from_inverse_of_one_plus_exp")
    assert has(fast, "sigmoid") and not has(without, "sigmoid")
    xv = np.array([-800.0, -3.0, 0.0, 2.0, 800.0], dtype=dtype)
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-xv.astype("float64")))
    assert_allclose(fast(xv), expected.astype(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_one_minus_sigmoid_keeps_its_value_where_it_would_round_to_zero(dtype):
    x = T.vector("x", dtype=dtype)
    naive, fast, without = compile_pair([x], 1 - T.nnet.sigmoid(x),
                                        "sigmoid_of_minus_from_one_minus_sigmoid")
    xv = np.array([40.0, 60.0], dtype=dtype)
    assert np.all(naive(xv) == 0) and np.all(without(xv) == 0)
    assert_allclose(fast(xv), (1 / (1 + np.exp(xv.astype("float64")))).astype(dtype))


def test_inverse_of_a_sigmoid_becomes_one_plus_exp():
    x = T.dvector("x")
    naive, fast, without = compile_pair([x], 1 / T.nnet.sigmoid(x),
                                        "one_plus_exp_from_inverse_sigmoid")
    assert not has(fast, "sigmoid") and has(without, "sigmoid")
    xv = np.array([-5.0, 0.0, 3.0])
    assert_allclose(fast(xv), 1 + np.exp(-xv))


def test_the_tutorial_logistic_regression_gradient_is_finite_when_saturated():
    x, y = T.dmatrix("x"), T.dvector("y")
    w = symtorch.shared(np.array([40.0, -40.0]), name="w")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w)))
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    gw = T.grad(xent.mean(), w)
    xv, yv = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, 1.0])
    naive = symtorch.function([x, y], [xent, gw], mode=NAIVE)(xv, yv)
    assert not np.all(np.isfinite(naive[0]))
    cost, grad = symtorch.function([x, y], [xent, gw], mode=FAST)(xv, yv)
    # z = [40, 40] with the wrong labels: each cross-entropy is softplus(40), about 40.
    assert_allclose(cost, np.logaddexp(0, [40.0, 40.0]))
    p = 1 / (1 + np.exp(-(xv @ np.array([40.0, -40.0]))))
    assert_allclose(grad, (p - yv) @ xv / 2, rtol=1e-9)  # (p - y) x / n

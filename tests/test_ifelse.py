"""ifelse: the lazy conditional (symtorch/ifelse.py, link/torch/ifelse.py)."""

import pickle
import warnings

import numpy as np
import pytest
import torch

import symtorch
import symtorch.tensor as T
from symtorch import function, torch_op
from symtorch.gradient import DisconnectedInputError, Rop, grad, hessian, verify_grad
from symtorch.ifelse import IfElse, ifelse
from symtorch.testing import assert_allclose, check_infer_shape, reference_eval, verify_rop

FLOATS = ("float32", "float64")



def _explode_op(dtype="float64"):
    """A torch op that records its calls and raises: a branch using it must not run."""
    calls = []

    def explode(x):
        calls.append(1)
        raise RuntimeError("the untaken branch ran")

    vector = T.TensorType(dtype, (None,))
    return torch_op(explode, itypes=[vector], otypes=[vector]), calls


# -- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
def test_each_branch_gives_its_value(mode, dtype):
    c = T.scalar("c", dtype=dtype)
    x, y = T.vector("x", dtype=dtype), T.vector("y", dtype=dtype)
    f = function([c, x, y], ifelse(c > 0, x * 2, T.exp(y) - x), mode=mode)
    xv, yv = np.array([1, 2], dtype), np.array([0.5, -1], dtype)
    assert_allclose(f(1, xv, yv), xv * 2)
    assert_allclose(f(-1, xv, yv), np.exp(yv) - xv)
    assert_allclose(f(0, xv, yv), np.exp(yv) - xv)  # zero is false


def test_lists_of_outputs_pair_up(mode):
    c = T.bscalar("c")
    x, m = T.dvector("x"), T.fmatrix("m")
    a, b = ifelse(c, [x + 1, m * 2], [x - 1, m.T])
    f = function([c, x, m], [a, b], mode=mode)
    mv = np.arange(4, dtype="float32").reshape(2, 2)
    got = f(1, [1.0, 2.0], mv)
    assert_allclose(got[0], np.array([2.0, 3.0]))
    assert_allclose(got[1], mv * 2)
    got = f(0, [1.0, 2.0], mv)
    assert_allclose(got[0], np.array([0.0, 1.0]))
    assert_allclose(got[1], mv.T)
    assert isinstance(ifelse(c, [x], [x]), list)


@pytest.mark.parametrize("condition", [True, 1, 2.5, np.bool_(True), "int8", "bool", "float32"])
def test_the_condition_is_any_real_scalar(mode, condition):
    x = T.dvector("x")
    if isinstance(condition, str):
        cv = T.scalar("cv", dtype=condition)
        f = function([cv, x], ifelse(cv, x, -x), mode=mode)
        true, false = np.array([1, 0], dtype=condition)
        assert_allclose(f(true, [1.0]), np.array([1.0]))
        assert_allclose(f(false, [1.0]), np.array([-1.0]))
    else:
        f = function([x], ifelse(condition, x, -x), mode=mode)
        assert_allclose(f([1.0]), np.array([1.0]))


def test_python_values_take_the_other_branchs_dtype(mode):
    c = T.dscalar("c")
    x = T.fvector("x")
    out = ifelse(c > 0, x, np.zeros(2))
    assert out.dtype == "float32"
    f = function([c, x], out, mode=mode)
    assert_allclose(f(-1, np.ones(2, "float32")), np.zeros(2, "float32"))
    assert ifelse(c > 0, 1, 2).dtype == "int64"


def test_nested_ifelse_chooses_among_three(mode):
    c = T.dscalar("c")
    x, y = T.dvectors("x", "y")
    out = ifelse(c > 0, ifelse(c > 1, x, y), x + y)
    f = function([c, x, y], out, mode=mode)
    xv, yv = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    assert_allclose(f(2, xv, yv), xv)
    assert_allclose(f(0.5, xv, yv), yv)
    assert_allclose(f(-1, xv, yv), xv + yv)


def test_shared_variables_in_branches_and_in_updates(mode):
    w = symtorch.shared(np.array([1.0, 2.0]), name="w")
    count = symtorch.shared(np.int64(0), name="count")
    c = T.dscalar("c")
    x = T.dvector("x")
    out = ifelse(c > 0, x * w, x - w)
    f = function([c, x], out, mode=mode,
                 updates=[(w, ifelse(c > 0, w + 1, w * 0)), (count, count + 1)])
    assert_allclose(f(1, [1.0, 1.0]), np.array([1.0, 2.0]))
    assert_allclose(w.get_value(), np.array([2.0, 3.0]))
    assert_allclose(f(-1, [1.0, 1.0]), np.array([-1.0, -2.0]))
    assert_allclose(w.get_value(), np.zeros(2))
    assert count.get_value() == 2


def test_an_output_that_is_an_input_is_a_copy(mode):
    c = T.dscalar("c")
    x = T.dvector("x")
    f = function([c, x], ifelse(c > 0, x, x * 2), mode=mode, output_type="torch")
    xt = torch.tensor([1.0, 2.0], dtype=torch.float64)
    out = f(1, xt)
    out += 1
    assert xt.tolist() == [1.0, 2.0]


# -- types --------------------------------------------------------------------------------------


def test_a_broadcastable_difference_leaves_the_length_unknown(mode):
    c = T.dscalar("c")
    row, m = T.drow("row"), T.dmatrix("m")
    out = ifelse(c > 0, row, m)
    assert out.type.shape == (None, None)
    f = function([c, row, m], out, mode=mode)
    assert f(1, np.ones((1, 3)), np.zeros((2, 3))).shape == (1, 3)
    assert f(-1, np.ones((1, 3)), np.zeros((2, 3))).shape == (2, 3)


def test_static_lengths_both_branches_agree_on_are_kept():
    c = T.dscalar("c")
    a = T.tensor("float64", shape=(2, 3), name="a")
    b = T.tensor("float64", shape=(2, None), name="b")
    row = T.tensor("float64", shape=(1, 3), name="row")
    assert ifelse(c > 0, a, b).type.shape == (2, None)
    assert ifelse(c > 0, a, row).type.shape == (None, 3)
    assert ifelse(c > 0, a, a + 1).type.shape == (2, 3)


@pytest.mark.parametrize("c", [1.0, -1.0])
def test_infer_shape_follows_the_branch_taken(mode, c):
    cv = T.dscalar("c")
    x, y = T.dvectors("x", "y")
    m = T.dmatrix("m")
    outs = ifelse(cv > 0, [x, m, x[:2] * 1], [y[1:], m.T, x[1:] + 1])
    check_infer_shape([cv, x, y, m], outs, [c, np.ones(3), np.ones(5), np.ones((2, 4))], mode)


def test_the_reference_perform_is_lazy_and_agrees():
    explode, calls = _explode_op()
    c = T.dscalar("c")
    x = T.dvector("x")
    out = ifelse(c > 0, x * 3, explode(x))
    (got,) = reference_eval([out], {c: np.array(1.0), x: np.array([1.0, 2.0])})
    assert_allclose(got, np.array([3.0, 6.0]))
    assert not calls


def test_debug_mode_checks_each_branch():
    c = T.dscalar("c")
    x = T.dvector("x")
    f = function([c, x], ifelse(c > 0, T.exp(x), T.log(x)), mode="DebugMode")
    assert_allclose(f(1, [1.0]), np.exp([1.0]))
    assert_allclose(f(-1, [2.0]), np.log([2.0]))


# -- laziness -----------------------------------------------------------------------------------


def test_the_untaken_branch_is_not_computed(mode):
    explode, calls = _explode_op()
    c = T.dscalar("c")
    x = T.dvector("x")
    f = function([c, x], ifelse(c > 0, x * 2, explode(T.exp(x))), mode=mode)
    assert_allclose(f(1, [1.0, 2.0]), np.array([2.0, 4.0]))
    assert not calls
    with pytest.raises(RuntimeError, match="untaken branch ran"):
        f(-1, [1.0, 2.0])
    assert calls == [1]


def test_an_out_of_range_index_in_the_untaken_branch_does_not_raise(mode):
    c = T.dscalar("c")
    x, y = T.dvectors("x", "y")
    f = function([c, x, y], ifelse(c > 0, x * 2, y[[10, 0]]), mode=mode)
    assert_allclose(f(1, [1.0, 2.0], [3.0, 4.0]), np.array([2.0, 4.0]))
    with pytest.raises(IndexError):
        f(-1, [1.0, 2.0], [3.0, 4.0])


def test_the_gradient_of_the_untaken_branch_is_not_computed(mode):
    explode, calls = _explode_op()
    c = T.dscalar("c")
    x = T.dvector("x")
    g = grad(T.sum(ifelse(c > 0, x ** 2, explode(x))), x)
    f = function([c, x], g, mode=mode)
    assert_allclose(f(1, [1.0, 3.0]), np.array([2.0, 6.0]))
    assert not calls


# -- gradients ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("c", [1.0, -1.0])
def test_gradient_through_either_branch(mode, dtype, c):
    cond = T.constant(c) > 0

    def fun(a, b):
        return ifelse(cond, [a * b, T.sum(a)], [T.exp(b) * T.sum(a), T.sum(b ** 2)])[0] + 1

    rng = np.random.default_rng(3)
    verify_grad(fun, [rng.uniform(0.5, 1.5, 3).astype(dtype),
                      rng.uniform(0.5, 1.5, 3).astype(dtype)], mode=mode)


@pytest.mark.parametrize("c", [1.0, -1.0])
def test_gradients_of_several_outputs_add_up(mode, c):
    cond = T.constant(c) > 0

    def fun(a):
        p, q = ifelse(cond, [a ** 2, T.sin(a)], [T.cos(a), a * 3])
        return p * q

    verify_grad(fun, [np.array([0.3, 0.7, 1.1])], mode=mode)


@pytest.mark.parametrize("c", [1.0, -1.0])
def test_rop_through_either_branch(mode, c):
    cond = T.constant(c) > 0
    verify_rop(lambda a, b: ifelse(cond, a * T.sin(b), T.exp(a) + b), [
        np.array([0.2, 0.5]), np.array([1.0, -0.5])], mode=mode)


def test_second_derivatives_go_through_ifelse(mode):
    c = T.dscalar("c")
    x = T.dvector("x")
    cost = T.sum(ifelse(c > 0, x ** 3, T.exp(x)))
    hess = hessian(cost, x, vectorize=True)
    f = function([c, x], hess, mode=mode)
    xv = np.array([1.0, 2.0])
    assert_allclose(f(1, xv), np.diag(6 * xv))
    assert_allclose(f(-1, xv), np.diag(np.exp(xv)))
    # Rop of the gradient: a Hessian-vector product
    v = T.dvector("v")
    hv = function([c, x, v], Rop(grad(cost, x), x, v), mode=mode)
    assert_allclose(hv(1, xv, [1.0, -1.0]), 6 * xv * np.array([1.0, -1.0]))


def test_the_condition_is_disconnected(mode):
    c = T.dscalar("c")
    x = T.dvector("x")
    cost = T.sum(ifelse(c > 0, x * c, x))
    with pytest.raises(DisconnectedInputError):
        grad(T.sum(ifelse(c > 0, x, -x)), c)
    # c also used inside a branch: that use has a gradient, the condition adds none
    f = function([c, x], grad(cost, c), mode=mode)
    assert_allclose(f(2.0, [1.0, 2.0]), np.array(3.0))
    assert_allclose(f(-2.0, [1.0, 2.0]), np.array(0.0))
    g_only_cond = grad(T.sum(ifelse(c > 0, x, -x)), c, disconnected_inputs="ignore")
    assert_allclose(function([c], g_only_cond, mode=mode, on_unused_input="ignore")(1.0),
                    np.array(0.0))


def test_an_integer_input_of_a_branch_gets_a_zero_gradient(mode):
    c = T.dscalar("c")
    x, k = T.dvector("x"), T.lscalar("k")
    g = grad(T.sum(ifelse(c > 0, x * k, x)), k)
    assert g.dtype == symtorch.config.floatX
    f = function([c, x, k], g, mode=mode, on_unused_input="ignore")
    assert_allclose(f(1, [1.0, 2.0], 3), np.array(0.0))


def test_the_gradient_reaches_shared_variables_used_in_a_branch(mode):
    w = symtorch.shared(np.array([1.0, 2.0]), name="w")
    c = T.dscalar("c")
    x = T.dvector("x")
    gw = grad(T.sum(ifelse(c > 0, x * w, w ** 2)), w)
    f = function([c, x], gw, mode=mode)
    assert_allclose(f(1, [3.0, 4.0]), np.array([3.0, 4.0]))
    assert_allclose(f(-1, [3.0, 4.0]), np.array([2.0, 4.0]))


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("build, error, match", [
    (lambda c, x, m: ifelse(x, x, x), TypeError, "condition 'x'.*must be a scalar"),
    (lambda c, x, m: ifelse(T.zscalar("z"), x, x), TypeError, "complex"),
    (lambda c, x, m: ifelse(c, x, m), TypeError, "output 0: the then branch 'x'.*else branch 'm'"),
    (lambda c, x, m: ifelse(c, x, T.fvector("f")), TypeError, "same dtype"),
    (lambda c, x, m: ifelse(c, [x], x), TypeError, "both as lists"),
    (lambda c, x, m: ifelse(c, [x, x], [x]), ValueError, "2 outputs.*1"),
    (lambda c, x, m: ifelse(c, [], []), ValueError, "empty"),
    (lambda c, x, m: ifelse(c, x, "text"), TypeError, "not a tensor expression"),
])
def test_bad_input_raises_when_the_graph_is_built(build, error, match):
    c, x, m = T.dscalar("c"), T.dvector("x"), T.dmatrix("m")
    with pytest.raises(error, match=match):
        build(c, x, m)


def test_the_op_checks_its_inputs():
    c = T.dscalar("c")
    x = T.dvector("x")
    op = ifelse(c > 0, x, x + 1).owner.op
    assert isinstance(op, IfElse)
    with pytest.raises(TypeError, match="expects a float64 vector"):
        op(c, T.fvector("f"))
    with pytest.raises(TypeError, match="takes the condition and 1"):
        op(c, x, x)


# -- FAST_RUN through Inductor ------------------------------------------------------------------


def test_a_data_dependent_condition_keeps_the_program_plain_torch_under_inductor():
    explode, calls = _explode_op()
    c = T.dscalar("c")
    x = T.dvector("x")
    f = function([c, x], ifelse(c > 0, x * 2, explode(x)), mode="FAST_RUN")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert_allclose(f(1, [1.0, 2.0]), np.array([2.0, 4.0]))
        assert_allclose(f(1, [1.0, 2.0]), np.array([2.0, 4.0]))
    assert "data-dependent" in f._forward.fallback_reason
    assert not calls
    with pytest.raises(RuntimeError, match="untaken branch ran"):
        f(-1, [1.0, 2.0])


def test_functions_with_ifelse_pickle(mode):
    c = T.dscalar("c")
    x = T.dvector("x")
    f = pickle.loads(pickle.dumps(function([c, x], ifelse(c > 0, x * 2, x - 1), mode=mode)))
    assert_allclose(f(1, [1.0]), np.array([2.0]))
    assert_allclose(f(-1, [1.0]), np.array([0.0]))


def test_an_exported_program_keeps_both_branches_and_tracing_refuses():
    c = T.dscalar("c")
    x = T.dvector("x")
    f = function([c, x], ifelse(c > 0, x * 2, x - 1), mode="FAST_COMPILE")
    xt = torch.ones(2, dtype=torch.float64)
    yes, no = (torch.tensor(v, dtype=torch.float64) for v in (1.0, -1.0))
    exported = f.to_exported_program(yes, xt).module()
    assert exported(yes, xt).tolist() == [2.0, 2.0]
    assert exported(no, xt).tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="torch.jit.trace"):
        f.to_torchscript(yes, xt)

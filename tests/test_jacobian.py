"""jacobian and hessian (symtorch/gradient.py), vectorized with BatchedGraph, or by scan."""

import importlib.util
import warnings

import numpy as np
import pytest
import torch
from torch.func import hessian as torch_hessian
from torch.func import jacrev

import symtorch
import symtorch.tensor as T
from symtorch import function
from symtorch.gradient import BatchedGraph, DisconnectedInputError, grad, hessian, jacobian, verify_grad
from symtorch.graph.traversal import io_toposort
from symtorch.testing import assert_allclose, check_infer_shape, reference_eval, verify_rop

HAS_SCAN = importlib.util.find_spec("symtorch.scan") is not None
FORMS = [True, pytest.param(False, marks=pytest.mark.skipif(
    not HAS_SCAN, reason="the row-by-row form needs symtorch.scan"))]



def _ops(var):
    return [type(node.op).__name__ for node in io_toposort([], [var])]


# -- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("vectorize", FORMS)
def test_the_jacobian_of_a_square_is_diagonal(mode, vectorize):
    x = T.dvector("x")
    f = function([x], jacobian(x ** 2, x, vectorize=vectorize), mode=mode)
    assert_allclose(f([4, 4]), np.array([[8.0, 0.0], [0.0, 8.0]]))


@pytest.mark.parametrize("vectorize", FORMS)
def test_the_hessian_of_a_sum_of_squares_is_twice_the_identity(mode, vectorize):
    x = T.dvector("x")
    f = function([x], hessian(T.sum(x ** 2), x, vectorize=vectorize), mode=mode)
    assert_allclose(f([1.0, -2.0, 3.0]), 2 * np.eye(3))


def _fun_vector(t):
    return torch.tanh(t) * t.sum() + t[:1] ** 3


def _fun_matrix(a, b):
    return torch.tanh(a @ b) * a.sum()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("vectorize", FORMS)
def test_matrix_valued_expressions_and_matrix_wrt_match_torch_func(mode, dtype, vectorize):
    a, b = T.matrix("a", dtype=dtype), T.matrix("b", dtype=dtype)
    out = T.tanh(T.dot(a, b)) * T.sum(a)
    ja, jb = jacobian(out, [a, b], vectorize=vectorize)
    assert (ja.ndim, jb.ndim) == (4, 4)
    rng = np.random.default_rng(0)
    av, bv = rng.standard_normal((2, 3)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    got_a, got_b = function([a, b], [ja, jb], mode=mode)(av, bv)
    want_a, want_b = jacrev(_fun_matrix, argnums=(0, 1))(torch.from_numpy(av), torch.from_numpy(bv))
    assert got_a.shape == (2, 4, 2, 3) and got_b.shape == (2, 4, 3, 4)
    assert_allclose(got_a, want_a, rtol=1e-4 if dtype == "float32" else None)
    assert_allclose(got_b, want_b, rtol=1e-4 if dtype == "float32" else None)


def test_a_vector_expression_with_shared_work_matches_torch_func(mode):
    x = T.dvector("x")
    out = T.tanh(x) * T.sum(x) + x[:1] ** 3
    xv = np.array([0.3, -0.8, 1.2])
    got = function([x], jacobian(out, x, vectorize=True), mode=mode)(xv)
    assert_allclose(got, jacrev(_fun_vector)(torch.from_numpy(xv)))


def test_a_list_of_wrt_gives_a_list(mode):
    x, y = T.dvectors("x", "y")
    s = T.dscalar("s")
    out = x * y * s
    jx, jy, js = jacobian(out, [x, y, s], vectorize=True)
    f = function([x, y, s], [jx, jy, js], mode=mode)
    xv, yv = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    got = f(xv, yv, 2.0)
    assert_allclose(got[0], np.diag(yv * 2))
    assert_allclose(got[1], np.diag(xv * 2))
    assert_allclose(got[2], xv * yv)
    assert isinstance(jacobian(out, (x,), vectorize=True), list)


def test_a_scalar_expression_gives_the_gradient(mode):
    x = T.dvector("x")
    j = jacobian(T.sum(x ** 2), x, vectorize=True)
    assert_allclose(function([x], j, mode=mode)([1.0, 2.0]), np.array([2.0, 4.0]))


def test_an_empty_expression_has_no_rows(mode):
    x = T.dvector("x")
    f = function([x], jacobian(x[:0] * 2, x, vectorize=True), mode=mode)
    assert f([1.0, 2.0, 3.0]).shape == (0, 3)


def test_the_hessian_of_a_list_of_matrices(mode):
    w, v = T.dmatrices("w", "v")
    cost = T.sum(T.tanh(w) ** 2) + T.sum(w * v ** 2)
    hw, hv = hessian(cost, [w, v], vectorize=True)
    rng = np.random.default_rng(1)
    wv, vv = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    got_w, got_v = function([w, v], [hw, hv], mode=mode)(wv, vv)

    def fun(a, b):
        return (torch.tanh(a) ** 2).sum() + (a * b ** 2).sum()

    hess = torch_hessian(fun, argnums=(0, 1))(torch.from_numpy(wv), torch.from_numpy(vv))
    assert_allclose(got_w, hess[0][0])
    assert_allclose(got_v, hess[1][1])


def test_a_cost_linear_in_wrt_has_a_zero_hessian(mode):
    x = T.dvector("x")
    f = function([x], hessian(T.sum(x * 3), x, vectorize=True), mode=mode)
    assert_allclose(f([1.0, 2.0]), np.zeros((2, 2)))


# -- disconnected inputs -----------------------------------------------------------------------


def test_disconnected_inputs_raise_warn_or_give_zeros(mode):
    x, y = T.dvectors("x", "y")
    with pytest.raises(DisconnectedInputError, match="does not depend"):
        jacobian(x * 2, y, vectorize=True)
    with pytest.warns(UserWarning, match="does not depend"):
        jacobian(x * 2, y, disconnected_inputs="warn", vectorize=True)
    jy = jacobian(x * 2, [x, y], disconnected_inputs="ignore", vectorize=True)[1]
    f = function([x, y], jy, mode=mode)
    assert_allclose(f([1.0, 2.0], [1.0, 2.0, 3.0]), np.zeros((2, 3)))
    with pytest.raises(DisconnectedInputError):
        hessian(T.sum(x ** 2), y, vectorize=True)


# -- the vectorized form --------------------------------------------------------------------------


def test_the_vectorized_form_is_one_batched_op_over_the_rows():
    x = T.dvector("x")
    j = jacobian(T.tanh(x) * T.sum(T.exp(x)), x, vectorize=True)
    (node,) = [n for n in io_toposort([], [j]) if isinstance(n.op, BatchedGraph)]
    assert "Scan" not in _ops(j)
    # What the rows share (tanh, exp) is computed once, outside the batched op.
    inner = {type(n.op).__name__ + str(n.op) for n in io_toposort([], node.op.inner.outputs)}
    assert not any("tanh" in s or "exp" in s for s in inner)
    assert "batched_jacobian" in function([x], j, mode="FAST_COMPILE").code


def test_the_jacobian_infers_its_shape(mode):
    x, y = T.dvector("x"), T.dmatrix("y")
    j = jacobian(T.dot(y, x) ** 2, [x, y], vectorize=True)
    check_infer_shape([x, y], j, [np.ones(3), np.ones((2, 3))], mode)


def test_the_reference_perform_agrees():
    x = T.dvector("x")
    j = jacobian(T.sin(x) * T.sum(x), x, vectorize=True)
    xv = np.array([0.1, 0.4])
    (got,) = reference_eval([j], {x: xv})
    assert_allclose(got, jacrev(lambda t: torch.sin(t) * t.sum())(torch.from_numpy(xv)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_vectorized_jacobian_can_be_differentiated(mode, dtype):
    rng = np.random.default_rng(5)
    verify_grad(lambda a: jacobian(T.tanh(a) * T.sum(a ** 2), a, vectorize=True),
                [rng.uniform(-1, 1, 3).astype(dtype)], mode=mode)
    verify_rop(lambda a: jacobian(T.sin(a) * T.sum(a), a, vectorize=True),
               [rng.uniform(-1, 1, 3).astype(dtype)], mode=mode)


def test_the_jacobian_of_a_jacobian_matches_torch_func(mode):
    x = T.dvector("x")
    j = jacobian(T.tanh(x) * T.sum(x), x, vectorize=True)
    jj = jacobian(j, x, vectorize=True)
    xv = np.array([0.3, 0.5, -0.2])
    got = function([x], jj, mode=mode)(xv)
    want = jacrev(jacrev(lambda t: torch.tanh(t) * t.sum()))(torch.from_numpy(xv))
    assert_allclose(got, want)


def test_an_integer_expression_has_no_jacobian():
    x = T.lvector("x")
    with pytest.raises(TypeError, match="floating-point"):
        jacobian(x * 2, x, vectorize=True)


def test_the_batched_op_checks_its_inputs():
    x = T.dvector("x")
    j = jacobian(x ** 2, x, vectorize=True)
    node = next(n for n in io_toposort([], [j]) if isinstance(n.op, BatchedGraph))
    with pytest.raises(TypeError, match="rows first"):
        node.op(*[T.dscalar() if b else v for v, b in zip(node.inputs, node.op.batched)])
    with pytest.raises(TypeError, match="inputs"):
        node.op(node.inputs[0])


def test_the_row_by_row_form_uses_scan_or_says_it_needs_it():
    x = T.dvector("x")
    if HAS_SCAN:
        f = function([x], jacobian(T.exp(x), x, vectorize=False), mode="FAST_COMPILE")
        assert_allclose(f([0.0, 1.0]), np.diag(np.exp([0.0, 1.0])))
    else:
        with pytest.raises(NotImplementedError, match="vectorize=True"):
            jacobian(T.exp(x), x)


# -- FAST_RUN through Inductor ----------------------------------------------------------------


def test_the_vectorized_jacobian_compiles_with_inductor():
    x = T.dvector("x")
    f = function([x], jacobian(T.tanh(x) * T.sum(x), x, vectorize=True), mode="FAST_RUN")
    xv = np.array([0.3, -0.4])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        got = f(xv)
    assert f._forward.fallback_reason is None and f._forward.compiles == 1
    assert_allclose(got, jacrev(lambda t: torch.tanh(t) * t.sum())(torch.from_numpy(xv)))


def test_top_level_names():
    assert symtorch.jacobian is jacobian and T.hessian is hessian and symtorch.grad is grad

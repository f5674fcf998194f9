"""Torch callables as ops inside symbolic graphs."""

import numpy as np
import pytest
import torch

import symtorch
import symtorch.tensor as T
from symtorch import function, torch_op
from symtorch.gradient import verify_grad


@torch_op(itypes=[T.dvector], otypes=[T.dvector])
def soft_clip(x):
    return torch.tanh(x) * 3


def test_a_decorated_torch_function_is_an_op(mode):
    x = T.dvector("x")
    y = soft_clip(x * 2) + 1
    assert str(y.owner.inputs[0].owner.op) == "TorchOp{soft_clip}"
    out = function([x], y, mode=mode)([0.1, -2.0])
    np.testing.assert_allclose(out, np.tanh(np.array([0.2, -4.0])) * 3 + 1)


def test_output_types_from_a_trial_run(mode):
    op = torch_op(lambda a, b: (a @ b, (a * 2).to(torch.float32)), itypes=[T.dmatrix, T.dmatrix])
    assert [t.dtype for t in op.otypes] == ["float64", "float32"]
    a, b = T.dmatrices("a", "b")
    p, q = op(a, b)
    f = function([a, b], [p, q], mode=mode)
    pv, qv = f(np.eye(2), np.ones((2, 2)))
    np.testing.assert_array_equal(pv, np.ones((2, 2)))
    assert qv.dtype == np.float32


def test_gradient_from_torch_autograd_in_a_larger_graph(mode):
    x = T.dvector("x")
    cost = T.sum(soft_clip(x) ** 2)
    g = function([x], symtorch.grad(cost, x), mode=mode)
    xv = np.array([0.3, -0.7])
    expected = 2 * (3 * np.tanh(xv)) * 3 * (1 - np.tanh(xv) ** 2)
    np.testing.assert_allclose(g(xv), expected)
    verify_grad(lambda v: soft_clip(v) * v, [xv], mode=mode)


def test_second_derivative_through_autograd(mode):
    x = T.dscalar("x")
    op = torch_op(torch.sin, itypes=[T.dscalar], otypes=[T.dscalar])
    d2 = symtorch.grad(symtorch.grad(op(x), x), x)
    np.testing.assert_allclose(function([x], d2, mode=mode)(0.5), -np.sin(0.5))


def test_a_given_gradient_is_used(mode):
    calls = []

    def my_grad(inputs, output_grads):
        calls.append(1)
        return [output_grads[0] * 100]

    op = torch_op(lambda v: v * 2, itypes=[T.dvector], otypes=[T.dvector], grad=my_grad)
    x = T.dvector("x")
    g = function([x], symtorch.grad(T.sum(op(x)), x), mode=mode)
    np.testing.assert_array_equal(g([1.0, 2.0]), [100.0, 100.0])
    assert calls


def test_rop_through_a_torch_op_uses_the_double_lop_fallback(mode):
    x, v = T.dvectors("x", "v")
    jvp = symtorch.Rop(soft_clip(x), x, v)
    xv = np.array([0.2, 0.4])
    out = function([x, v], jvp, mode=mode)(xv, [1.0, 2.0])
    np.testing.assert_allclose(out, 3 * (1 - np.tanh(xv) ** 2) * [1.0, 2.0])


def test_wrong_input_types_are_refused():
    with pytest.raises(TypeError, match="input 0 .*'x'.*float32"):
        soft_clip(T.fvector("x"))
    with pytest.raises(TypeError, match="takes 1 inputs"):
        soft_clip(T.dvector(), T.dvector())
    with pytest.raises(TypeError, match="itypes"):
        torch_op(lambda v: v)

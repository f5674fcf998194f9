"""The gradient engine: grad's options and errors, Lop, Rop, modifiers, verify_grad."""

import numpy as np
import pytest

import symtorch
import symtorch.tensor as T
from symtorch import function
from symtorch.gradient import (
    DisconnectedInputError,
    DisconnectedType,
    GradientError,
    Lop,
    NullTypeGradError,
    Rop,
    disconnected_grad,
    grad,
    grad_clip,
    grad_scale,
    grad_undefined,
    verify_grad,
    zero_grad,
)
from symtorch.graph import Apply, Op
from symtorch.link.torch import lower
from symtorch.testing import verify_rop


def test_grad_of_x_squared_is_2x(mode):
    x = T.dscalar("x")
    f = function([x], grad(x ** 2, x), mode=mode)
    assert f(4) == 8.0
    assert np.allclose(f(94.2), 188.4)


def test_grad_of_the_logistic_function(mode):
    x = T.dmatrix("x")
    s = T.sum(1 / (1 + T.exp(-x)))
    f = function([x], grad(s, x), mode=mode)
    expected = np.array([[0.25, 0.19661193], [0.19661193, 0.10499359]])
    np.testing.assert_allclose(f([[0, 1], [-1, -2]]), expected, rtol=1e-7)


def test_grad_of_a_list_gives_a_list_in_order(mode):
    x, y = T.dscalars("x", "y")
    gx, gy = grad(x * y + x, [x, y])
    assert function([x, y], [gx, gy], mode=mode)(2.0, 3.0) == [4.0, 2.0]


def test_the_cost_must_be_a_float_scalar():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="scalar"):
        grad(x * 2, x)
    with pytest.raises(TypeError, match="floating-point"):
        grad(T.lscalar("i") * 2, T.lscalar("j"))


def test_disconnected_inputs_raise_warn_or_are_ignored(mode):
    x, y = T.dscalars("x", "y")
    with pytest.raises(DisconnectedInputError, match="'y'"):
        grad(x * 2, y)
    with pytest.warns(UserWarning, match="'y'"):
        gy = grad(x * 2, y, disconnected_inputs="warn")
    assert function([y], gy, mode=mode, on_unused_input="ignore")(1.0) == 0.0
    assert grad(x * 2, y, disconnected_inputs="ignore", return_disconnected="none") is None
    d = grad(x * 2, y, disconnected_inputs="ignore", return_disconnected="disconnected")
    assert isinstance(d.type, DisconnectedType)


def test_consider_constant_stops_the_gradient(mode):
    x = T.dscalar("x")
    y = x * x
    assert function([x], grad(y * x, x, consider_constant=[y]), mode=mode)(3.0) == 9.0
    assert function([x], grad(disconnected_grad(y) * x, x), mode=mode)(3.0) == 9.0


def test_known_grads_seed_the_backward_pass(mode):
    x = T.dvector("x")
    y = x * 3
    g = grad(None, x, known_grads={y: T.as_tensor_variable(np.array([1.0, 2.0]))})
    np.testing.assert_array_equal(function([x], g, mode=mode)([5.0, 5.0]), [3.0, 6.0])


def test_gradient_wrt_an_integer_input_is_a_float_zero(mode):
    x = T.dscalar("x")
    i = T.lscalar("i")
    g = grad(x * i, i)
    assert g.dtype == "float64"
    assert function([x, i], g, mode=mode, on_unused_input="ignore")(2.0, 3) == 0.0


class Floor2(Op):
    """An op with an undefined gradient, for the NullType path."""

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs):
        return [np.floor(inputs[0] / 2)]

    def L_op(self, inputs, outputs, grads):
        return [grad_undefined(self, 0, inputs[0], "it is a test")]


@lower(Floor2)
def _floor2(ctx, node, x):
    return (x / 2).floor()


def test_an_undefined_gradient_raises_only_when_needed(mode):
    x, y = T.dscalars("x", "y")
    cost = Floor2()(x) + y * 2
    with pytest.raises(NullTypeGradError, match="is undefined. it is a test"):
        grad(cost, x)
    assert function([y], grad(cost, y), mode=mode, on_unused_input="ignore")(1.0) == 2.0


def test_gradient_modifiers(mode):
    x = T.dscalar("x")
    f = function([x], [grad(zero_grad(x) * x, x), grad(grad_scale(x, 3) * 2, x),
                       grad(grad_clip(x * 10, -1, 1), x)], mode=mode)
    assert f(5.0) == [5.0, 6.0, 10.0]
    with pytest.raises(ValueError):
        grad_clip(x, 1, -1)


def test_second_derivatives(mode):
    x = T.dscalar("x")
    y = T.sin(x) * x
    d2 = grad(grad(y, x), x)
    value = 0.7
    expected = 2 * np.cos(value) - value * np.sin(value)
    np.testing.assert_allclose(function([x], d2, mode=mode)(value), expected)


def test_gradient_with_respect_to_shared_variables(mode):
    w = symtorch.shared(np.array([1.0, -2.0]), name="w")
    x = T.dvector("x")
    cost = T.sum((w * x) ** 2)
    gw = grad(cost, w)
    np.testing.assert_allclose(function([x], gw, mode=mode)([3.0, 1.0]), [18.0, -4.0])


def test_gradients_through_broadcasting_sum_over_broadcast_dims(mode):
    x = T.dmatrix("x")
    b = T.dvector("b")
    r = T.drow("r")
    cost = T.sum((x + b) * r)
    gb, gr = grad(cost, [b, r])
    f = function([x, b, r], [gb, gr], mode=mode)
    xv = np.arange(6.0).reshape(2, 3)
    gbv, grv = f(xv, np.ones(3), np.full((1, 3), 2.0))
    np.testing.assert_allclose(gbv, [4.0, 4.0, 4.0])
    np.testing.assert_allclose(grv, (xv + 1).sum(axis=0, keepdims=True))


def test_rop_and_lop_of_the_tutorial(mode):
    W, V = T.dmatrices("W", "V")
    x = T.dvector("x")
    y = T.dot(x, W)
    f = function([W, V, x], Rop(y, W, V), mode=mode)
    np.testing.assert_array_equal(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]), [2.0, 2.0])
    v = T.dvector("v")
    g = function([v, x], Lop(y, W, v), mode=mode)
    np.testing.assert_array_equal(g([2, 2], [0, 1]), [[0.0, 0.0], [2.0, 2.0]])


def test_hessian_times_vector_two_ways(mode):
    x, v = T.dvectors("x", "v")
    gy = grad(T.sum(x ** 2), x)
    vH = grad(T.sum(gy * v), x)
    Hv = Rop(gy, x, v)
    f = function([x, v], [vH, Hv], mode=mode)
    for out in f([4, 4], [2, 2]):
        np.testing.assert_array_equal(out, [4.0, 4.0])


def test_rop_falls_back_to_double_lop_for_ops_without_r_op(mode):
    x, v = T.dvectors("x", "v")
    out = Rop(T.exp(x) * 3, x, v, use_op_rop_implementation=False)
    np.testing.assert_allclose(function([x, v], out, mode=mode)([0.0, 1.0], [1.0, 2.0]),
                               [3.0, 6 * np.e])


def test_rop_checks_the_shape_of_eval_points(mode):
    x, v = T.dvectors("x", "v")
    f = function([x, v], Rop(T.exp(x), x, v), mode=mode)
    with pytest.raises(ValueError, match="eval point for 'x' has shape"):
        f([1.0, 2.0], [1.0, 2.0, 3.0])


def test_verify_grad_accepts_correct_gradients_and_reports_wrong_ones(mode):
    verify_grad(lambda a: T.tanh(a) * a, [np.array([0.1, -0.5, 2.0])], mode=mode)

    class WrongGrad(Op):
        def make_node(self, x):
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs):
            return [inputs[0] ** 2]

        def L_op(self, inputs, outputs, grads):
            return [grads[0] * 3 * inputs[0]]  # should be 2x

    @lower(WrongGrad)
    def _wrong(ctx, node, x):
        return x * x

    with pytest.raises(GradientError, match="gradient of input 0 disagrees"):
        verify_grad(lambda a: WrongGrad()(a), [np.array([1.0, 2.0])], mode=mode)


def test_verify_rop_checks_forward_mode(mode):
    verify_rop(lambda a, b: T.exp(a) * b, [np.array([0.1, 0.2]), np.array([1.0, -1.0])], mode=mode)

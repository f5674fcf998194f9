"""Loops (symtorch/scan): every example of Theano's loop tutorial against NumPy, taps on
sequences and outputs, shared-variable updates from the step, until, go_backwards,
map/reduce/foldl/foldr; gradients through loops (BPTT, truncated), R_op, second
derivatives; shape inference and the NumPy reference; the loop rewrites; bad input."""

import pickle

import numpy as np
import pytest

import symtorch
import symtorch.tensor as T
from symtorch import function
from symtorch.compile import Mode
from symtorch.gradient import Rop, disconnected_grad, grad, verify_grad
from symtorch.scan import Scan, foldl, foldr, reduce, scan, until
from symtorch.scan import map as scan_map
from symtorch.testing import MODES, assert_allclose, check_infer_shape, reference_eval, verify_rop

rng = np.random.default_rng(3)



def scans_of(f):
    return [n for n in f.maker.fgraph.toposort() if isinstance(n.op, Scan)]


# -- Theano's loop tutorial ------------------------------------------------------------------------


def test_power_by_repeated_multiplication(mode):
    k, A = T.iscalar("k"), T.vector("A")
    result, updates = scan(lambda prior, A: prior * A, outputs_info=T.ones_like(A),
                           non_sequences=A, n_steps=k)
    power = function([A, k], result[-1], updates=updates, mode=mode)
    assert_allclose(power(np.arange(10.0), 2), np.arange(10.0) ** 2)
    assert_allclose(power(np.arange(10.0), 4), np.arange(10.0) ** 4)
    assert_allclose(function([A, k], result, mode=mode)([2.0, 3.0], 3),
                    np.array([[2.0, 3.0], [4.0, 9.0], [8.0, 27.0]]))


def test_polynomial_with_coefficients_as_a_sequence(mode):
    coefficients, x = T.vector("coefficients"), T.scalar("x")
    components, _ = scan(lambda c, power, free_var: c * (free_var ** power),
                         outputs_info=None, sequences=[coefficients, T.arange(10000)],
                         non_sequences=x)
    f = function([coefficients, x], components.sum(), mode=mode)
    assert_allclose(f(np.asarray([1, 0, 2], dtype="float64"), 3), np.asarray(19.0))


def test_tanh_of_x_dot_w_plus_b_over_a_sequence(mode):
    X, W, b = T.matrix("X"), T.matrix("W"), T.vector("b")
    results, _ = scan(lambda v: T.tanh(T.dot(v, W) + b), sequences=X)
    f = function([X, W, b], results, mode=mode)
    x, w, bv = np.eye(2), np.ones((2, 2)), np.array([1.0, 2.0])
    assert_allclose(f(x, w, bv), np.tanh(x.dot(w) + bv))


def test_recurrence_with_a_reversed_sequence(mode):
    """x(t) = tanh(x(t - 1).W + y(t).U + p(T - t).V), the tutorial's second example."""
    X, W, Y, U, P, V = (T.matrix(n) for n in "XWYUPV")
    X = T.vector("X")
    results, _ = scan(lambda y, p, x_tm1: T.tanh(T.dot(x_tm1, W) + T.dot(y, U) + T.dot(p, V)),
                      sequences=[Y, P[::-1]], outputs_info=[X])
    f = function([X, W, Y, U, P, V], results, mode=mode)
    x, w = np.zeros(2), np.ones((2, 2))
    y, u = np.ones((5, 2)), np.ones((2, 2))
    y[0, :] = -3
    p, v = np.ones((5, 2)), np.ones((2, 2))
    p[0, :] = 3
    expected = np.zeros((5, 2))
    expected[0] = np.tanh(x.dot(w) + y[0].dot(u) + p[4].dot(v))
    for i in range(1, 5):
        expected[i] = np.tanh(expected[i - 1].dot(w) + y[i].dot(u) + p[4 - i].dot(v))
    assert_allclose(f(x, w, y, u, p, v), expected)


def test_norms_of_rows_and_columns_and_trace(mode):
    X = T.matrix("X")
    rows, _ = scan(lambda x_i: T.sqrt((x_i ** 2).sum()), sequences=[X])
    cols, _ = scan(lambda x_i: T.sqrt((x_i ** 2).sum()), sequences=[X.T])
    diag, _ = scan(lambda i, j, t_f: X[i, j] + t_f, sequences=[T.arange(X.shape[0]),
                                                               T.arange(X.shape[1])],
                   outputs_info=np.asarray(0.0))
    x = np.diag(np.arange(1.0, 6.0))
    x[0, 1] = 2.0
    got = function([X], [rows, cols, diag[-1]], mode=mode)(x)
    assert_allclose(got[0], np.sqrt((x ** 2).sum(1)))
    assert_allclose(got[1], np.sqrt((x ** 2).sum(0)))
    assert_allclose(got[2], np.asarray(np.trace(x)))


def test_taps_on_outputs_two_steps_back(mode):
    """x(t) = x(t - 2).U + x(t - 1).V + tanh(x(t - 1).W + b): a state read at taps -2, -1."""
    X, W, b, U, V = T.matrix("X"), T.matrix("W"), T.vector("b"), T.matrix("U"), T.matrix("V")
    n = T.iscalar("n")
    results, _ = scan(lambda x_tm2, x_tm1: T.dot(x_tm2, U) + T.dot(x_tm1, V)
                      + T.tanh(T.dot(x_tm1, W) + b),
                      n_steps=n, outputs_info=[dict(initial=X, taps=[-2, -1])])
    f = function([X, U, V, W, b, n], results, mode=mode)
    x = np.zeros((2, 2))
    x[1, 1] = 1
    w, u, v = 0.5 * np.ones((2, 2)), -0.5 * np.ones((2, 2)), 0.5 * np.ones((2, 2))
    bv = np.ones(2)
    expected = np.zeros((10, 2))
    expected[0] = x[0].dot(u) + x[1].dot(v) + np.tanh(x[1].dot(w) + bv)
    expected[1] = x[1].dot(u) + expected[0].dot(v) + np.tanh(expected[0].dot(w) + bv)
    for i in range(2, 10):
        expected[i] = expected[i - 2].dot(u) + expected[i - 1].dot(v) + \
            np.tanh(expected[i - 1].dot(w) + bv)
    assert_allclose(f(x, u, v, w, bv, 10), expected)


def test_taps_on_sequences(mode):
    x = T.dvector("x")
    out, _ = scan(lambda prev, cur, nxt: prev + 2 * cur + nxt,
                  sequences=dict(input=x, taps=[-1, 0, 1]))
    v = np.arange(6.0) ** 2
    assert_allclose(function([x], out, mode=mode)(v), v[:-2] + 2 * v[1:-1] + v[2:])
    out, _ = scan(lambda a, b: a - b, sequences=dict(input=x, taps=[-2, 3]))
    assert_allclose(function([x], out, mode=mode)(v), v[:1] - v[5:])


def test_jacobian_of_tanh_by_scan(mode):
    v, A = T.vector("v"), T.matrix("A")
    y = T.tanh(T.dot(v, A))
    J, _ = scan(lambda i: T.grad(y[i], v), sequences=[T.arange(y.shape[0])])
    f = function([A, v], J, mode=mode)
    a, x = np.eye(5) * 2.0, np.arange(5.0) / 5
    assert_allclose(f(a, x), ((1 - np.tanh(x.dot(a)) ** 2) * a).T)


def test_shared_variable_updates_from_the_step_count_the_steps(mode):
    k = symtorch.shared(0, name="k")
    n = T.iscalar("n")
    _, updates = scan(lambda: {k: k + 1}, n_steps=n)
    accumulator = function([n], [], updates=updates, mode=mode)
    accumulator(5)
    assert k.get_value() == 5
    accumulator(3)
    assert k.get_value() == 8
    assert list(updates) == [k]


def test_until_stops_early_and_cuts_the_outputs(mode):
    def power_of_2(previous_power, max_value):
        return previous_power * 2, until(previous_power * 2 > max_value)
    max_value = T.scalar("max_value")
    values, _ = scan(power_of_2, outputs_info=T.constant(1.0), non_sequences=max_value,
                     n_steps=1024)
    f = function([max_value], values, mode=mode)
    assert_allclose(f(45), np.array([2.0, 4.0, 8.0, 16.0, 32.0, 64.0]))
    assert_allclose(f(0.5), np.array([2.0]))
    x = T.dvector("x")
    partial, _ = scan(lambda x_t, s: (s + x_t, until(s + x_t > 5)), sequences=x,
                      outputs_info=T.constant(0.0))
    assert_allclose(function([x], partial, mode=mode)([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 6.0]))
    assert_allclose(function([x], partial, mode=mode)([1.0, 1.0]), np.array([1.0, 2.0]))


def test_go_backwards_reads_the_sequences_from_the_end(mode):
    x = T.dvector("x")
    digits, _ = scan(lambda x_t, acc: acc * 10 + x_t, sequences=x, outputs_info=T.constant(0.0),
                     go_backwards=True)
    assert_allclose(function([x], digits, mode=mode)([1.0, 2.0, 3.0]),
                    np.array([3.0, 32.0, 321.0]))
    n_back, _ = scan(lambda x_t: x_t, sequences=x, n_steps=-2)  # Theano: negative runs backwards
    assert_allclose(function([x], n_back, mode=mode)([1.0, 2.0, 3.0]), np.array([3.0, 2.0]))


def test_map_reduce_foldl_foldr(mode):
    x = T.dvector("x")
    doubled, _ = scan_map(lambda v: v * 2, x)
    total, _ = reduce(lambda v, acc: acc + v, x, T.constant(0.0))
    left, _ = foldl(lambda v, acc: acc * 10 + v, x, T.constant(0.0))
    right, _ = foldr(lambda v, acc: acc * 10 + v, x, T.constant(0.0))
    got = function([x], [doubled, total, left, right], mode=mode)([1.0, 2.0, 3.0])
    for g, e in zip(got, [np.array([2.0, 4.0, 6.0]), 6.0, 123.0, 321.0]):
        assert_allclose(g, np.asarray(e))


def test_states_and_outputs_not_fed_back_mix_in_the_order_given(mode):
    x = T.dvector("x")
    (acc, sq, count), _ = scan(lambda x_t, a, c: (a + x_t, x_t ** 2, c + 1), sequences=x,
                               outputs_info=[T.constant(0.0), None, T.constant(0, dtype="int64")])
    got = function([x], [acc, sq, count], mode=mode)([1.0, 2.0, 3.0])
    assert_allclose(got[0], np.array([1.0, 3.0, 6.0]))
    assert_allclose(got[1], np.array([1.0, 4.0, 9.0]))
    assert_allclose(got[2], np.array([1, 2, 3]))
    (only,), _ = scan(lambda x_t: x_t + 1, sequences=x, return_list=True)
    assert only.ndim == 1
    assert scan(lambda: {}, n_steps=3)[0] is None


def test_variables_the_step_uses_become_inputs_of_the_node(mode):
    x, W = T.dmatrix("x"), T.dmatrix("W")
    s = symtorch.shared(np.array([1.0, -1.0]), name="s")
    out, _ = scan(lambda x_t: T.dot(x_t, W) * s, sequences=x)
    node = out.owner.inputs[0].owner if not isinstance(out.owner.op, Scan) else out.owner
    assert isinstance(node.op, Scan) and W in node.inputs and s in node.inputs
    assert not any(v.owner is None and not isinstance(v, symtorch.Constant)
                   for v in node.op.inner.fgraph.variables if v not in node.op.inner.inputs)
    xv, wv = rng.standard_normal((3, 2)), rng.standard_normal((2, 2))
    assert_allclose(function([x, W], out, mode=mode)(xv, wv), xv.dot(wv) * [1.0, -1.0])


def test_default_updates_of_shared_variables_in_the_step_run_every_step(mode):
    state = symtorch.shared(np.float64(1.0), name="state")
    state.default_update = state * 2
    out, updates = scan(lambda: state + 0.5, n_steps=3)
    f = function([], out, updates=updates, mode=mode)
    assert_allclose(f(), np.array([1.5, 2.5, 4.5]))
    assert state.get_value() == 8.0


def test_non_sequences_are_passed_to_the_step_as_themselves(mode):
    """The seed's manual Jacobian and Hessian: fn differentiates a non-sequence."""
    x = T.dvector("x")
    y = x ** 2
    J, updates = scan(lambda i, y, x: T.grad(y[i], x), sequences=T.arange(y.shape[0]),
                      non_sequences=[y, x])
    assert_allclose(function([x], J, updates=updates, mode=mode)([4, 4]),
                    np.array([[8.0, 0.0], [0.0, 8.0]]))
    gy = T.grad(y.sum(), x)
    H, updates = scan(lambda i, gy, x: T.grad(gy[i], x), sequences=T.arange(gy.shape[0]),
                      non_sequences=[gy, x])
    assert_allclose(function([x], H, updates=updates, mode=mode)([4, 4]),
                    np.array([[2.0, 0.0], [0.0, 2.0]]))


def test_loops_nest_and_differentiate(mode):
    def nested(X, w):
        def row(x_row, w):
            inner, _ = scan(lambda v, acc, w: acc * v + w, sequences=x_row,
                            outputs_info=T.constant(1.0), non_sequences=w)
            return inner[-1]
        return scan(row, sequences=X, non_sequences=w)[0]

    xv, w = rng.standard_normal((3, 4)), 0.5
    expected = []
    for r in xv:
        acc = 1.0
        for v in r:
            acc = acc * v + w
        expected.append(acc)
    X, W = T.dmatrix("X"), T.dscalar("w")
    assert_allclose(function([X, W], nested(X, W), mode=mode)(xv, w), np.array(expected))
    verify_grad(nested, [xv, np.asarray(w)], mode=mode)
    verify_rop(nested, [xv, np.asarray(w)], mode=mode)


def test_a_shared_variable_passed_and_updated_is_read_as_a_state(mode):
    k = symtorch.shared(1.0, name="k")
    out, updates = scan(lambda k: (k * 2, {k: k + 1}), non_sequences=k, n_steps=3)
    assert_allclose(function([], out, updates=updates, mode=mode)(), np.array([2.0, 4.0, 6.0]))
    assert k.get_value() == 4.0


# -- the Scan node: shapes, reference, structure -------------------------------------------------------


def test_shapes_are_inferred_and_the_reference_agrees():
    x, W = T.dmatrix("x"), T.dmatrix("W")
    n = T.lscalar("n")
    (h, y), _ = scan(lambda x_t, h: (T.tanh(x_t + h), T.dot(x_t, W)), sequences=x,
                     outputs_info=[T.zeros_like(x[0]), None])
    fib, _ = scan(lambda a, b: a + b, outputs_info=dict(initial=T.ones((2,)), taps=[-2, -1]),
                  n_steps=n)
    values = [rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), 6]
    outs = [h, y, fib, h.owner.inputs[0]]
    check_infer_shape([x, W, n], outs, values)
    got = function([x, W, n], outs)(*values)
    for g, r in zip(got, reference_eval(outs, dict(zip([x, W, n], values)))):
        assert_allclose(g, r)
    assert y.type.shape == (None, None) and fib.type.shape == (None,)
    static, _ = scan(lambda a: a * 2, outputs_info=T.ones((3,)), n_steps=4)
    assert static.type.shape == (4, 3)


def test_debug_mode_checks_the_loop_against_its_reference():
    x = T.dvector("x")
    out, _ = scan(lambda x_t, a: a * x_t + 1, sequences=x, outputs_info=T.constant(1.0))
    assert_allclose(function([x], out, mode="DebugMode")([2.0, 3.0]), np.array([3.0, 10.0]))


def test_loops_with_the_same_step_are_equal_ops_and_merge():
    x = T.dvector("x")
    a, _ = scan(lambda v: T.exp(v) + 1, sequences=x)
    b, _ = scan(lambda w: T.exp(w) + 1, sequences=x)
    c, _ = scan(lambda w: T.exp(w) + 2, sequences=x)
    assert a.owner.op == b.owner.op and hash(a.owner.op) == hash(b.owner.op)
    assert a.owner.op != c.owner.op
    f = function([x], [a, b], mode="FAST_COMPILE")
    assert len(scans_of(f)) <= 1


def test_compiled_loops_pickle():
    x = T.dvector("x")
    out, _ = scan(lambda x_t, a: a + x_t, sequences=x, outputs_info=T.constant(0.0))
    f = pickle.loads(pickle.dumps(function([x], out)))
    assert_allclose(f([1.0, 2.0]), np.array([1.0, 3.0]))
    assert "scan_loop" in f.code


# -- gradients --------------------------------------------------------------------------------------


def _rnn(x, W, U, h0, **kw):
    h, _ = scan(lambda x_t, h, W, U: T.tanh(T.dot(x_t, W) + T.dot(h, U)), sequences=x,
                outputs_info=h0, non_sequences=[W, U], **kw)
    return h


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_backpropagation_through_time_matches_finite_differences(mode, dtype):
    values = [rng.standard_normal(s).astype(dtype) * 0.5 for s in [(4, 3), (3, 2), (2, 2), (2,)]]
    verify_grad(_rnn, values, mode=mode)
    verify_rop(_rnn, values, mode=mode)


def test_gradient_through_taps_go_backwards_and_until(mode):
    w = rng.standard_normal((3, 3)) * 0.5

    def two_back(a, W):
        out, _ = scan(lambda hm2, hm1, W: T.tanh(T.dot(hm2, W) + hm1),
                      outputs_info=dict(initial=a, taps=[-2, -1]), non_sequences=W, n_steps=3)
        return out

    def seq_taps(x):
        out, _ = scan(lambda a, b, c: a * b + c, sequences=dict(input=x, taps=[-2, 0, 1]))
        return out

    def backwards(x, W):
        h, _ = scan(lambda x_t, h, W: T.tanh(x_t + T.dot(h, W)), sequences=x,
                    outputs_info=T.zeros_like(x[0]), non_sequences=W, go_backwards=True)
        return h

    def while_loop(x0):
        out, _ = scan(lambda p: (p * 1.5, until(T.sum(p) > 10)), outputs_info=x0, n_steps=50)
        return out

    for fun, vals in [(two_back, [rng.standard_normal((2, 3)), w]),
                      (seq_taps, [rng.standard_normal(6)]),
                      (backwards, [rng.standard_normal((4, 3)), w]),
                      (while_loop, [np.array([1.0, 2.0])])]:
        verify_grad(fun, vals, mode=mode)
        verify_rop(fun, vals, mode=mode)


def test_truncate_gradient_stops_backpropagation_after_that_many_steps(mode):
    x, W = T.dmatrix("x"), T.dmatrix("W")
    truncated = _rnn(x, W, T.eye(3), T.zeros_like(x[0]), truncate_gradient=2)
    h = T.zeros_like(x[0])
    for t in range(5):
        if t == 3:  # the state before the last two steps is a constant
            h = disconnected_grad(h)
        h = T.tanh(T.dot(x[t], W) + T.dot(h, T.eye(3)))
    xv, wv = rng.standard_normal((5, 3)), rng.standard_normal((3, 3)) * 0.5
    got, expected, full = function([x, W], [grad(truncated[-1].sum(), W), grad(h.sum(), W),
                                            grad(_rnn(x, W, T.eye(3), T.zeros_like(x[0]))[-1].sum(), W)],
                                   mode=mode)(xv, wv)
    assert_allclose(got, expected)
    assert not np.allclose(got, full)
    gx = function([x, W], grad(truncated[-1].sum(), x), mode=mode)(xv, wv)
    assert np.all(gx[:3] == 0) and np.any(gx[3:] != 0)


def test_second_derivatives_through_loops(mode):
    xv, wv = rng.standard_normal((3, 2)), rng.standard_normal((2, 2)) * 0.5

    def grad_of_loop(W):
        h = _rnn(T.constant(xv), W, T.eye(2), T.zeros((2,)))
        return grad((h ** 2).sum(), W)

    verify_grad(grad_of_loop, [wv], mode=mode)
    W, v = T.dmatrix("W"), T.dmatrix("v")
    g = grad((_rnn(T.constant(xv), W, T.eye(2), T.zeros((2,))) ** 2).sum(), W)
    hv = function([W, v], Rop(g, W, v), mode=mode)(wv, np.ones((2, 2)))
    eps = 1e-6
    gf = function([W], g, mode=mode)
    assert_allclose(hv, (gf(wv + eps) - gf(wv - eps)) / (2 * eps), rtol=1e-5, atol=1e-7)


def test_gradient_of_a_loop_whose_step_takes_gradients(mode):
    """The manual Jacobian differentiated again: d/dx sum(J ** 2) with J = diag(2x) is 8x."""
    x = T.dvector("x")
    y = x ** 2
    J, _ = scan(lambda i, y, x: T.grad(y[i], x), sequences=T.arange(y.shape[0]),
                non_sequences=[y, x])
    assert_allclose(function([x], grad((J ** 2).sum(), x), mode=mode)([1.0, 3.0]),
                    np.array([8.0, 24.0]))


def test_integer_inputs_get_no_gradient_and_initial_states_do(mode):
    x, h0 = T.dvector("x"), T.dscalar("h0")
    n = T.lscalar("n")
    out, _ = scan(lambda x_t, h: h * x_t, sequences=x, outputs_info=h0, n_steps=n)
    gx, gh0, gn = grad(out[-1], [x, h0, n], disconnected_inputs="ignore")
    got = function([x, h0, n], [gx, gh0, gn], mode=mode)([2.0, 3.0, 4.0], 1.5, 2)
    assert_allclose(got[0], np.array([4.5, 3.0, 0.0]))
    assert_allclose(got[1], np.asarray(6.0))
    assert_allclose(got[2], np.asarray(0.0))


# -- rewrites --------------------------------------------------------------------------------------------


def _loop_and_inner_ops(f):
    (node,) = scans_of(f)
    return node, [type(n.op).__name__ for n in node.op.inner.fgraph.toposort()]


def test_only_the_last_value_is_stored_when_only_it_is_read(mode):
    A, k = T.dvector("A"), T.lscalar("k")
    result, _ = scan(lambda prior, A: prior * A, outputs_info=T.ones_like(A), non_sequences=A,
                     n_steps=k)
    f = function([A, k], result[-1], mode=mode)
    node, _ = _loop_and_inner_ops(f)
    assert node.op.traces == (False,)
    assert_allclose(f([2.0, 3.0], 3), np.array([8.0, 27.0]))
    assert_allclose(f([2.0, 3.0], 0), np.array([1.0, 1.0]))  # no step: the initial value
    assert scans_of(function([A, k], result, mode=mode))[0].op.traces == (True,)


def test_loop_invariants_and_sequence_products_move_out_of_the_loop():
    x, W, U, b = T.dmatrix("x"), T.dmatrix("W"), T.dmatrix("U"), T.dvector("b")
    h, _ = scan(lambda x_t, h, W, U, b: T.tanh(T.dot(x_t, W) + T.dot(h, U.T * 2) + b),
                sequences=x, outputs_info=T.zeros((2,)), non_sequences=[W, U, b])
    values = [rng.standard_normal((5, 3)), rng.standard_normal((3, 2)),
              rng.standard_normal((2, 2)), rng.standard_normal(2)]
    plain = function([x, W, U, b], h, mode=Mode("torch", None))
    _, before = _loop_and_inner_ops(plain)
    assert before.count("Dot") == 2 and "DimShuffle" in before
    for mode in MODES:
        f = function([x, W, U, b], h, mode=mode)
        node, inner = _loop_and_inner_ops(f)
        # left in the step: h . (2 U^T), plus (x_t . W + b), tanh
        assert [str(n.op) for n in node.op.inner.fgraph.toposort()] == \
            ["Dot", "Elemwise{add}", "Elemwise{tanh}"]
        outer = [type(n.op).__name__ for n in f.maker.fgraph.toposort()]
        assert "Dot" in outer[:outer.index("Scan")]  # x . W for all steps, before the loop
        assert_allclose(f(*values), plain(*values))


def test_the_step_gets_the_rewrites_of_the_mode():
    y = T.dvector("y")
    out, _ = scan(lambda y_t, a: a + T.log(1 + y_t * a), sequences=y, outputs_info=T.constant(1.0))
    fast = function([y], out, mode="FAST_RUN_TORCH")
    assert "log1p" in str([n.op for n in scans_of(fast)[0].op.inner.fgraph.toposort()])
    cheap = function([y], out, mode="FAST_COMPILE")
    assert "log1p" not in str([n.op for n in scans_of(cheap)[0].op.inner.fgraph.toposort()])
    v = np.array([0.5, 1e-17, 2.0])
    assert_allclose(fast(v), cheap(v))


def test_gradient_sums_over_steps_become_one_product_after_the_loop():
    x, W, U = T.dmatrix("x"), T.dmatrix("W"), T.dmatrix("U")
    cost = (_rnn(x, W, U, T.zeros((2,))) ** 2).sum()
    gW, gU = grad(cost, [W, U])
    values = [rng.standard_normal((5, 3)), rng.standard_normal((3, 2)),
              rng.standard_normal((2, 2)) * 0.5]
    f = function([x, W, U], [gW, gU], mode="FAST_RUN_TORCH")
    backward = [n for n in scans_of(f) if n.op.reverse][0]
    assert len(backward.op.state_taps) == 1  # only the gradient owed to h is carried
    inner = [type(n.op).__name__ for n in backward.op.inner.fgraph.toposort()]
    assert sum(name in ("Dot", "Einsum", "MatMul") for name in inner) == 1
    plain = function([x, W, U], [gW, gU], mode=Mode("torch", None))
    for g, e in zip(f(*values), plain(*values)):
        assert_allclose(g, e)


def test_unused_outputs_and_inputs_are_dropped(mode):
    x, y = T.dvector("x"), T.dvector("y")
    (a, b, c), _ = scan(lambda x_t, y_t, s: (s + x_t, y_t * 2, x_t * 3), sequences=[x, y],
                        outputs_info=[T.constant(0.0), None, None])
    f = function([x, y], c, mode=mode, on_unused_input="ignore")
    for node in scans_of(f):
        assert len(node.op.state_taps) == 0 and node.op.n_seqs == 1
    assert_allclose(f([1.0, 2.0], [5.0, 6.0]), np.array([3.0, 6.0]))


# -- bad input ------------------------------------------------------------------------------------------


def test_strict_requires_every_variable_the_step_uses_in_non_sequences():
    x, W = T.dvector("x"), T.dscalar("W")
    with pytest.raises(ValueError, match="'W'.*non_sequences"):
        scan(lambda x_t: x_t * W, sequences=x, strict=True)
    s = symtorch.shared(1.0, name="s")
    with pytest.raises(ValueError, match="'s'"):
        scan(lambda x_t: x_t * s, sequences=x, strict=True)
    out, _ = scan(lambda x_t, W: x_t * W, sequences=x, non_sequences=W, strict=True)
    assert_allclose(function([x, W], out)([1.0, 2.0], 3.0), np.array([3.0, 6.0]))


def test_bad_arguments_raise_clear_errors():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="n_steps"):
        scan(lambda: T.constant(1.0), outputs_info=None)
    with pytest.raises(TypeError, match="scalar.*first dimension"):
        scan(lambda v: v, sequences=T.dscalar("s"))
    with pytest.raises(ValueError, match="outputs_info has 2 entries.*1 outputs"):
        scan(lambda x_t, a, b: a + x_t, sequences=x, outputs_info=[T.constant(0.0)] * 2)
    with pytest.raises(TypeError, match="dtype.*float32.*T.cast"):
        scan(lambda x_t, a: a + x_t, sequences=x, outputs_info=T.constant(np.float32(0)))
    with pytest.raises(TypeError, match="dims"):
        scan(lambda x_t, a: a + x, sequences=x, outputs_info=T.constant(0.0))
    with pytest.raises(ValueError, match="negative"):
        scan(lambda a: a, outputs_info=dict(initial=x, taps=[1]), n_steps=2)
    with pytest.raises(ValueError, match="needs at least 3 entries"):
        scan(lambda a, b: a, outputs_info=dict(initial=T.ones((2,)), taps=[-3, -1]), n_steps=2)
    with pytest.raises(ValueError, match="truncate_gradient"):
        scan(lambda v: v, sequences=x, truncate_gradient=0)
    with pytest.raises(TypeError, match="callable"):
        scan(None, sequences=x)
    with pytest.raises(TypeError, match="not a shared variable"):
        scan(lambda v: (v, {x: v}), sequences=x)
    with pytest.raises(ValueError, match="must return its outputs"):
        scan(lambda v: "no", sequences=x)
    with pytest.raises(TypeError, match="scalar"):
        until(x)
    with pytest.raises(TypeError, match="n_steps"):
        scan(lambda: T.constant(1.0), n_steps=T.dvector("n"))


def test_bad_values_raise_when_the_loop_runs(mode):
    x, n = T.dvector("x"), T.lscalar("n")
    out, _ = scan(lambda x_t: x_t * 2, sequences=x, n_steps=n)
    f = function([x, n], out, mode=mode)
    with pytest.raises(ValueError, match="fewer than the 3 steps"):
        f([1.0, 2.0], 3)
    with pytest.raises(ValueError, match="-1"):
        f([1.0, 2.0], -1)
    grow, _ = scan(lambda h: T.concatenate([h, h]), outputs_info=x, n_steps=2)
    with pytest.raises(ValueError, match="keep their shape"):
        function([x], grow, mode=mode)([1.0])


# -- lowering: a loop, or written out when the steps are few and known ----------------------------


@pytest.fixture(params=["loop", "written out"])
def lowering(request, monkeypatch):
    import symtorch.link.torch.scan as rule
    if request.param == "loop":
        monkeypatch.setattr(rule, "UNROLL_MAX_STEPS", 0)
    else:
        monkeypatch.setattr(rule, "UNROLL_MAX_NODES", 10 ** 6)
    return request.param


def test_a_loop_of_known_length_runs_the_same_looped_or_written_out(mode, lowering):
    a, x, W = T.dmatrix("a"), T.dmatrix("x"), T.dmatrix("W")
    (h, y), _ = scan(lambda x_t, hm2, hm1, W: (T.tanh(T.dot(hm2, W) + hm1 * x_t), x_t.sum()),
                     sequences=x, outputs_info=[dict(initial=a, taps=[-2, -1]), None],
                     non_sequences=W, n_steps=3)
    back, _ = scan(lambda x_t, acc: acc * 10 + x_t, sequences=x[:, 0], outputs_info=T.constant(0.0),
                   go_backwards=True, n_steps=3)
    cost = (h ** 2).sum() + y[-1] + back[-1]
    outs = [h, y, back[-1], *grad(cost, [a, x, W])]
    f = function([a, x, W], outs, mode=mode)
    assert ("scan_loop" in f.code) == (lowering == "loop")
    values = [rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), rng.standard_normal((3, 3))]
    for g, e in zip(f(*values), reference_eval(outs, dict(zip([a, x, W], values)))):
        assert_allclose(g, e)
    grow, _ = scan(lambda h: T.concatenate([h, h]), outputs_info=x[0], n_steps=2)
    with pytest.raises(ValueError, match="keep their shape"):
        function([x], grow, mode=mode)(values[1])


def test_a_sum_of_products_over_the_steps_becomes_one_product(mode):
    x, y, c = T.dmatrix("x"), T.dmatrix("y"), T.dmatrix("c")
    total, _ = scan(lambda x_t, y_t, acc: acc + T.dot(x_t.dimshuffle(0, "x"), y_t.dimshuffle("x", 0)),
                    sequences=[x, y], outputs_info=c)
    f = function([x, y, c], total[-1], mode="FAST_RUN_TORCH")
    assert not any(n.op.state_taps for n in scans_of(f))
    xv, yv, cv = rng.standard_normal((5, 3)), rng.standard_normal((5, 2)), rng.standard_normal((3, 2))
    assert_allclose(f(xv, yv, cv), cv + xv.T.dot(yv))
    assert_allclose(function([x, y, c], total[-1], mode=mode)(xv, yv, cv), cv + xv.T.dot(yv))

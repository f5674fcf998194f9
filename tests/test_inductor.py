"""FAST_RUN with the real Inductor backend, on a representative set of programs.

(The rest of the suite runs FAST_RUN's rewrites on plain torch for compile speed;
`SYMTORCH_TEST_FAST_RUN=inductor pytest -m "not slow"` runs all of it through Inductor.)
"""

import numpy as np
import pytest
import torch

import symtorch
import symtorch.tensor as T
from symtorch import function, shared
from symtorch.compile import Mode
from symtorch.link.torch.backends import InductorProgram


def test_accumulator_updates_in_place_through_inductor():
    state = shared(0, name="state")
    tensor = state.get_value(return_internal_type=True)
    inc = T.lscalar("inc")
    acc = function([inc], state, updates=[(state, state + inc)], mode="FAST_RUN")
    assert isinstance(acc._forward, InductorProgram)
    assert [int(acc(1)), int(acc(300)), int(acc(-1))] == [0, 1, 301]
    assert state.get_value() == 300 and state.get_value(return_internal_type=True) is tensor


def test_logistic_regression_step_matches_plain_torch():
    rng = np.random.default_rng(3)
    xv, yv = rng.standard_normal((40, 7)), rng.integers(0, 2, 40).astype("float64")
    results = []
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        x, y = T.dmatrix("x"), T.dvector("y")
        w = shared(np.linspace(-1, 1, 7), name="w")
        b = shared(0.0, name="b")
        p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
        xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
        cost = xent.mean() + 0.01 * (w ** 2).sum()
        gw, gb = T.grad(cost, [w, b])
        train = function([x, y], [p_1 > 0.5, xent], mode=mode,
                         updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)])
        for _ in range(3):
            pred, err = train(xv, yv)
        results.append((pred, err, w.get_value(), b.get_value()))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_new_lengths_compile_once_each_and_the_same_graph_is_shared():
    x = T.fvector("x")
    expr = T.tanh(x * 2) + T.exp(-x)
    f = function([x], expr, mode="FAST_RUN")
    for n in (3, 5, 3, 5, 3):
        np.testing.assert_allclose(f(np.ones(n, "float32")), np.tanh(2) + np.exp(-1) * np.ones(n),
                                   rtol=1e-6)
    assert f._forward.compiles == 2  # one per length seen
    g = function([x], expr, mode="FAST_RUN")
    g(np.ones(3, "float32"))
    assert g._forward.compiles == 0  # the same program, compiled before in this process


def test_the_public_torch_compile_route_gives_the_same_results():
    x, y = T.dvectors("x", "y")
    s = shared(np.zeros(2), name="s")
    f = function([x, y], x * y + s, updates=[(s, s + x)], mode=Mode(linker="torch_compile"))
    np.testing.assert_array_equal(f([1.0, 2.0], [3.0, 4.0]), [3.0, 8.0])
    np.testing.assert_array_equal(f([1.0, 2.0], [3.0, 4.0]), [4.0, 10.0])
    np.testing.assert_array_equal(s.get_value(), [2.0, 4.0])


def test_a_call_that_raises_changes_nothing_under_inductor():
    a = shared(np.zeros(3), name="a")
    x = T.dvector("x")
    f = function([x], [], updates=[(a, a + x)], mode="FAST_RUN")
    f(np.ones(3))
    with pytest.raises(TypeError):
        f("nonsense")
    with pytest.raises(Exception):  # noqa: B017 - torch's own shape error
        f(np.ones(4))
    np.testing.assert_array_equal(a.get_value(), np.ones(3))


def test_an_elementwise_chain_becomes_one_kernel():
    from torch._inductor import metrics
    x, y = T.fmatrices("x", "y")
    expr = (T.tanh(x * 2 + y) * T.exp(-y) - T.sqrt(x * x + 1)) / (1 + abs(y)) + 0.5
    f = function([x, y], expr, mode="FAST_RUN", output_type="torch")
    xv, yv = torch.rand(64, 64), torch.rand(64, 64)
    metrics.reset()
    out = f(xv, yv)
    assert metrics.generated_kernel_count == 1
    expected = (torch.tanh(xv * 2 + yv) * torch.exp(-yv) - torch.sqrt(xv * xv + 1)) / (1 + yv.abs()) + 0.5
    torch.testing.assert_close(out, expected)


def test_compiled_functions_pickle_and_recompile():
    import pickle
    x = T.dvector("x")
    f = function([x], T.exp(x) * 2, mode="FAST_RUN")
    g = pickle.loads(pickle.dumps(f))
    np.testing.assert_allclose(g([0.0, 1.0]), [2.0, 2 * np.e])
    assert symtorch.config.mode in ("FAST_RUN", "FAST_RUN_TORCH")


def test_a_program_with_data_dependent_lengths_runs_as_plain_torch():
    x = T.dvector("x")
    i = T.lscalar("i")
    f = function([x, i], x[i:] * 2, mode="FAST_RUN")
    np.testing.assert_array_equal(f([1.0, 2.0, 3.0], 1), [4.0, 6.0])
    np.testing.assert_array_equal(f([1.0, 2.0, 3.0], 2), [6.0])
    assert "data-dependent" in f._forward.fallback_reason


def test_a_borrowed_output_is_written_into_the_same_storage_each_call():
    x = T.fmatrix("x")
    f = function([x], symtorch.Out(T.exp(x) * 2, borrow=True), mode="FAST_RUN",
                 output_type="torch")
    a = f(torch.zeros(4, 3))
    ptr = a.data_ptr()
    b = f(torch.ones(4, 3))
    assert b.data_ptr() == ptr  # reused: the previous result was overwritten (Theano's borrow)
    torch.testing.assert_close(b, torch.full((4, 3), 2 * np.e, dtype=torch.float32))
    c = f(torch.ones(2, 2))  # a new signature gets its own buffer
    assert c.shape == (2, 2)


def test_a_swap_of_two_shared_variables_is_right_under_fast_run():
    a, b = shared(np.array([1.0, 2.0]), name="a"), shared(np.array([10.0, 20.0]), name="b")
    f = function([], [a, b], updates=[(a, b), (b, a)], mode="FAST_RUN")
    old_a, old_b = f()
    np.testing.assert_array_equal(old_a, [1.0, 2.0])
    np.testing.assert_array_equal(old_b, [10.0, 20.0])
    np.testing.assert_array_equal(a.get_value(), [10.0, 20.0])
    np.testing.assert_array_equal(b.get_value(), [1.0, 2.0])


def test_programs_of_the_same_code_for_different_fixed_lengths_are_compiled_apart():
    results = []
    for n in (1, 0, 2):  # x.clone() for float32[1], float32[0], float32[2]: one code, three programs
        x = T.tensor("float32", shape=(n,), name="x")
        results.append(function([x], x, mode="FAST_RUN")(np.arange(n, dtype="float32")))
    assert [r.tolist() for r in results] == [[0.0], [], [0.0, 1.0]]


def test_non_contiguous_tensor_arguments_are_accepted_after_a_contiguous_compile():
    x = T.fmatrix("x")
    f = function([x], x * 2, mode="FAST_RUN", output_type="torch")
    torch.testing.assert_close(f(torch.ones(3, 4)), torch.full((3, 4), 2.0))
    transposed = torch.arange(12.0).reshape(4, 3).t()
    torch.testing.assert_close(f(transposed), transposed * 2)

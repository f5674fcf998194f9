"""Joining and cutting (tensor/join.py) against NumPy: join/concatenate, stack, split,
tile, repeat, roll; values, dtypes, static shapes, shape inference, the NumPy references,
every bad input, the gradients and the R_ops."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_checks import (
    FLOATS,
    check_grad_and_rop,
    check_second_derivative,
    point,
    rop_applies_the_op_to_the_tangent,
    verify,
)

import symtorch.tensor as T
from symtorch import function
from symtorch.gradient import DisconnectedInputError, DisconnectedType, Lop, Rop, grad
from symtorch.tensor.join import Join, Repeat, Roll, Split
from symtorch.testing import random_value

rng = np.random.default_rng(7)



def value(dtype, shape):
    return random_value(T.TensorType(dtype, (None,) * len(shape)), shape, rng)


# -- join, stack, split, tile, repeat, roll -------------------------------------------------------


@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("int8", "float32"),
                                    ("bool", "int16"), ("uint8", "int8"), ("int64", "complex128")])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_join_and_concatenate_match_numpy(mode, dtypes, axis):
    a = T.tensor(dtypes[0], shape=(None, None), name="a")
    b = T.tensor(dtypes[1], shape=(None, None), name="b")
    shapes = {0: ((2, 3), (4, 3)), 1: ((2, 3), (2, 1)), -1: ((2, 0), (2, 2))}[axis]
    va, vb = value(dtypes[0], shapes[0]), value(dtypes[1], shapes[1])
    expected = np.concatenate([va, vb], axis)
    outs = [T.join(axis, a, b), T.concatenate([a, b], axis), T.concatenate((b, a, b), axis=axis)]
    verify([a, b], outs, [va, vb], [expected, expected, np.concatenate([vb, va, vb], axis)], mode)


def test_join_infers_static_shapes_and_returns_a_lone_tensor():
    a = T.TensorType("float64", (2, None))("a")
    b = T.TensorType("float64", (3, 4))("b")
    assert T.join(0, a, b).type.shape == (5, 4)
    assert T.join(1, T.TensorType("float64", (2, 1))(), a).type.shape == (2, None)
    assert T.join(0, a) is a
    assert isinstance(T.concatenate([a, b]).owner.op, Join)


def test_join_refuses_bad_inputs():
    a = T.TensorType("float64", (2, 3))("a")
    with pytest.raises(ValueError, match=r"dimension 1 differs: 'a' \(2, 3\), 'b' \(2, 4\)"):
        T.join(0, a, T.TensorType("float64", (2, 4))("b"))
    with pytest.raises(TypeError, match="'a' has 2, 'v' has 1"):
        T.concatenate([a, T.dvector("v")])
    with pytest.raises(TypeError, match="cannot join scalars such as 's'; use stack"):
        T.join(0, T.dscalar("s"), T.dscalar("t"))
    with pytest.raises(ValueError, match="axis 2 is out of range for 'a'"):
        T.join(2, a, a)
    with pytest.raises(TypeError, match="axis must be a Python int"):
        T.join(T.lscalar("k"), a, a)
    with pytest.raises(TypeError, match="list or tuple"):
        T.concatenate(a)
    with pytest.raises(ValueError, match="nothing to join"):
        T.join(0)


def test_join_errors_at_run_time_when_lengths_differ(mode):
    a, b = T.dmatrices("a", "b")
    with pytest.raises(RuntimeError):
        function([a, b], T.join(0, a, b), mode=mode)(np.ones((2, 3)), np.ones((2, 4)))


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack_adds_a_dimension(mode, axis):
    a, b = T.lmatrices("a", "b")
    c = T.fmatrix("c")
    va, vb, vc = value("int64", (2, 3)), value("int64", (2, 3)), value("float32", (2, 3))
    outs = [T.stack([a, b], axis=axis), T.stack([a, c, b], axis)]
    verify([a, b, c], outs, [va, vb, vc],
           [np.stack([va, vb], axis), np.stack([va, vc, vb], axis)], mode)


def test_stack_in_theanos_old_form_and_bad_inputs(mode):
    a, b = T.dvectors("a", "b")
    verify([a, b], T.stack(a, b), [np.ones(2), np.zeros(2)], np.stack([np.ones(2), np.zeros(2)]),
           mode)
    with pytest.raises(TypeError, match="'a' has 1, 'm' has 2"):
        T.stack([a, T.dmatrix("m")])
    with pytest.raises(ValueError, match="nothing to stack"):
        T.stack([])
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        T.stack([a, b], axis=3)


def test_split_cuts_into_views_of_the_given_sizes(mode):
    x = T.TensorType("float64", (None, 6))("x")
    s = T.lvector("s")
    v = rng.normal(size=(4, 6))
    parts = T.split(x, [1, 2, 3], 3, axis=1)
    assert [p.type.shape for p in parts] == [(None, 1), (None, 2), (None, 3)]
    sym = T.split(x, s, 2, axis=0)
    one = T.split(x, [6], 1, axis=-1)
    assert isinstance(one, T.TensorVariable)
    verify([x, s], parts + sym + [one], [v, np.array([3, 1])],
           np.split(v, [1, 3], axis=1) + np.split(v, [3], axis=0) + [v], mode)


def test_split_refuses_sizes_that_do_not_add_up(mode):
    x = T.TensorType("float64", (None, 6))("x")
    with pytest.raises(ValueError, match="add up to 5, but dimension 1 of 'x' has length 6"):
        T.split(x, [2, 3], 2, axis=1)
    with pytest.raises(ValueError, match="split into 3 pieces: 2 sizes given"):
        T.split(x, [2, 4], 3, axis=1)
    with pytest.raises(ValueError, match="negative size"):
        T.split(x, [-1, 7], 2, axis=1)
    with pytest.raises(TypeError, match="'d' is a float64 vector"):
        T.split(x, T.dvector("d"), 2)
    s = T.lvector("s")
    f = function([x, s], T.split(x, s, 2), mode=mode)
    with pytest.raises(RuntimeError):
        f(np.ones((3, 6)), np.array([1, 1]))


@pytest.mark.parametrize("shape, reps", [((3,), 2), ((2, 3), (2, 1)), ((2, 3), (3,)),
                                          ((2,), (2, 1, 3)), ((), (4,)), ((2, 0), (2, 2))])
def test_tile_matches_numpy(mode, shape, reps):
    x = T.tensor("int16", shape=(None,) * len(shape), name="x")
    v = value("int16", shape)
    verify([x], T.tile(x, reps), [v], np.tile(v, reps), mode)


def test_tile_with_symbolic_repetitions(mode):
    x = T.dmatrix("x")
    r = T.lscalar("r")
    v = rng.normal(size=(2, 3))
    verify([x, r], [T.tile(x, (r, 2)), T.tile(x, x.shape)], [v, np.int64(3)],
           [np.tile(v, (3, 2)), np.tile(v, (2, 3))], mode)
    with pytest.raises(TypeError, match="'f' is a float64 scalar"):
        T.tile(x, (T.dscalar("f"), 1))
    with pytest.raises(ValueError, match="ndim=1 is less than 2"):
        T.tile(x, 2, ndim=1)


@pytest.mark.parametrize("dtype", ["bool", "int32", "float64", "complex128"])
def test_repeat_matches_numpy(mode, dtype):
    x = T.tensor(dtype, shape=(None, 3), name="x")
    v = value(dtype, (2, 3))
    outs = [T.repeat(x, 2), x.repeat(3, axis=1), T.repeat(x, [1, 0, 2], axis=-1),
            T.repeat(x, [2], axis=0), T.repeat(x, np.array([1, 3]), axis=0)]
    assert outs[1].type.shape == (None, 9) and outs[2].type.shape == (None, 3)
    verify([x], outs, [v], [np.repeat(v, 2), np.repeat(v, 3, 1), np.repeat(v, [1, 0, 2], -1),
                            np.repeat(v, [2], 0), np.repeat(v, [1, 3], 0)], mode)


def test_repeat_with_symbolic_counts_and_bad_inputs(mode):
    x = T.dvector("x")
    r = T.lscalar("r")
    rv = T.ivector("rv")
    v = np.array([1.0, 2.0, 3.0])
    verify([x, r, rv], [T.repeat(x, r), T.repeat(x, rv)], [v, np.int64(2), np.array([0, 2, 1], "int32")],
           [np.repeat(v, 2), np.repeat(v, [0, 2, 1])], mode)
    with pytest.raises(TypeError, match="repeats 'f' is a float64 scalar"):
        T.repeat(x, T.dscalar("f"))
    with pytest.raises(ValueError, match="2 counts for 3 elements"):
        T.repeat(T.TensorType("float64", (3,))("y"), [1, 2])
    with pytest.raises(ValueError, match="negative count"):
        T.repeat(x, -1)
    with pytest.raises(ValueError, match="axis 1 is out of range for 'x'"):
        T.repeat(x, 2, axis=1)


@pytest.mark.parametrize("shift, axis", [(1, None), (-2, None), (1, 0), (2, 1), (7, -1),
                                         ((1, -1), (0, 1)), (1, (0, 1))])
def test_roll_matches_numpy(mode, shift, axis):
    x = T.tensor("float32", shape=(None, None), name="x")
    v = value("float32", (3, 4))
    verify([x], T.roll(x, shift, axis), [v], np.roll(v, shift, axis), mode)


def test_roll_with_a_symbolic_shift_and_bad_inputs(mode):
    x = T.lmatrix("x")
    s = T.lscalar("s")
    v = value("int64", (3, 4))
    verify([x, s], [T.roll(x, s), T.roll(x, s, 1)], [v, np.int64(-5)],
           [np.roll(v, -5), np.roll(v, -5, 1)], mode)
    with pytest.raises(ValueError, match="one shift when axis is None"):
        T.roll(x, (1, 2))
    with pytest.raises(ValueError, match="2 shifts for 3 axes"):
        T.roll(T.ltensor3("t"), (1, 2), (0, 1, 2))
    with pytest.raises(TypeError, match="'f' is a float64 scalar"):
        T.roll(x, T.dscalar("f"))


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple), data=st.data())
def test_join_of_random_shapes_matches_numpy(shape, data):
    axis = data.draw(st.integers(0, len(shape) - 1))
    lengths = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    xs = [T.tensor("float32", shape=(None,) * len(shape), name=f"x{i}") for i in range(len(lengths))]
    vs = [value("float32", shape[:axis] + (n,) + shape[axis + 1:]) for n in lengths]
    out = T.concatenate(xs, axis)
    verify(xs, out, vs, np.concatenate(vs, axis) if len(vs) > 1 else vs[0], "FAST_COMPILE")


# -- gradients and R_ops ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis, shapes", [(0, [(2, 3), (1, 3)]), (1, [(2, 1), (2, 3), (2, 2)]),
                                          (-1, [(3,), (2,)]), (0, [(0, 2), (2, 2)])])
def test_join_gradient_is_cut_by_the_inputs_lengths(mode, dtype, axis, shapes):
    check_grad_and_rop(lambda *xs: T.concatenate(xs, axis), [point(dtype, s) for s in shapes], mode)


def test_join_rop_treats_a_missing_tangent_as_zero(mode):
    a, b = T.dvectors("a", "b")
    v = T.dvector("v")
    jvp = Rop(T.concatenate([a, b]), a, v)
    assert isinstance(jvp.owner.op, Join)
    # Rop checks that v has a's shape, so a is an input too.
    got = function([a, b, v], jvp, mode=mode)(np.zeros(2), np.ones(3), np.array([4.0, 5.0]))
    np.testing.assert_array_equal(got, [4.0, 5.0, 0.0, 0.0, 0.0])


def test_join_of_an_integer_and_a_float_sends_no_gradient_to_the_integer():
    i, d = T.lvector("i"), T.dvector("d")
    y = T.concatenate([i, d])
    gi, gd = y.owner.op.L_op([i, d], [y], [T.dvector("g")])
    assert gi is None and gd.ndim == 1


def test_join_and_split_second_derivatives(mode):
    check_second_derivative(lambda x: T.concatenate([x, x[:1]], 0), point("float64", (2, 3)), mode)
    check_second_derivative(lambda x: T.split(x, [2, 1], 2, axis=1)[1], point("float64", (2, 3)),
                            mode)


@pytest.mark.parametrize("dtype", FLOATS)
def test_stack_gradient(mode, dtype):
    check_grad_and_rop(lambda a, b: T.stack([a, b], axis=1), [point(dtype, (2, 3))] * 2, mode)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [0, 1])
def test_split_gradient_joins_the_pieces_gradients(mode, dtype, axis):
    v = point(dtype, (3, 3))
    # one piece used: the others' gradients are zeros
    check_grad_and_rop(lambda x: T.split(x, [1, 2], 2, axis=axis)[1], [v], mode)
    check_grad_and_rop(lambda x: T.join(axis, *T.split(x, [2, 0, 1], 3, axis=axis)[::-1]), [v],
                       mode)
    check_grad_and_rop(lambda x: T.split(x, [3], 1, axis=axis), [v], mode)


def test_split_gradient_fills_pieces_without_gradient_with_zeros(mode):
    x = T.dvector("x")
    a, b = T.split(x, [2, 1], 2)
    g = T.dvector("g")
    gx, gs = a.owner.op.L_op(a.owner.inputs, [a, b], [g, None])
    assert isinstance(gs.type, DisconnectedType)
    got = function([x, g], gx, mode=mode, on_unused_input="ignore")(np.ones(3), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(got, [1.0, 2.0, 0.0])
    with pytest.raises(DisconnectedInputError):
        Lop(a, a.owner.inputs[1], T.dvector("u"))
    jvp = a.owner.op.R_op(a.owner.inputs, [T.dvector("v"), None])
    assert len(jvp) == 2 and all(isinstance(j.owner.op, Split) for j in jvp)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, reps", [((3,), 2), ((2, 3), (2, 1)), ((2,), (2, 1, 3)),
                                          ((), (3,)), ((2, 2), (1, 2))])
def test_tile_gradient_sums_over_the_repetitions(mode, dtype, shape, reps):
    check_grad_and_rop(lambda x: T.tile(x, reps), [point(dtype, shape)], mode)


def test_tile_second_derivative(mode):
    check_second_derivative(lambda x: T.tile(x, (2, 1)), point("float64", (2, 3)), mode)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("repeats, axis", [(2, None), (3, 1), ([1, 0, 2], 1), ([2], 0),
                                           (np.array([0, 3]), 0)])
def test_repeat_gradient_sums_over_each_elements_repetitions(mode, dtype, repeats, axis):
    check_grad_and_rop(lambda x: T.repeat(x, repeats, axis), [point(dtype, (2, 3))], mode)


def test_repeat_counts_are_disconnected_and_second_derivatives(mode):
    x, r, rv = T.dvector("x"), T.lscalar("r"), T.lvector("rv")
    for counts in (r, rv):
        y = T.repeat(x, counts)
        assert isinstance(y.owner.op.L_op([x, counts], [y], [T.dvector("g")])[1].type,
                          DisconnectedType)
        with pytest.raises(DisconnectedInputError):
            Lop(y, counts, T.dvector("u"))
    check_second_derivative(lambda a: T.repeat(a, 2, axis=0), point("float64", (2, 2)), mode)
    check_second_derivative(lambda a: T.repeat(a, [2, 1], axis=0), point("float64", (2, 2)), mode)
    assert isinstance(rop_applies_the_op_to_the_tangent(lambda a: T.repeat(a, 2, 0), x).owner.op,
                      Repeat)


def test_repeat_gradient_with_counts_known_only_when_it_runs(mode):
    x, rv = T.dvector("x"), T.lvector("rv")
    g = T.dvector("g")
    gx = Lop(T.repeat(x, rv), x, g)
    f = function([x, rv, g], gx, mode=mode, on_unused_input="ignore")
    np.testing.assert_array_equal(f(np.zeros(3), np.array([2, 0, 1]), np.array([1.0, 2.0, 4.0])),
                                  [3.0, 0.0, 4.0])
    np.testing.assert_array_equal(f(np.zeros(2), np.array([2]), np.array([1.0, 2.0, 4.0, 8.0])),
                                  [3.0, 12.0])  # one count for all, as NumPy broadcasts it


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shift, axis", [(1, None), (-2, None), (2, 1), ((1, -1), (0, 1))])
def test_roll_gradient_rolls_back(mode, dtype, shift, axis):
    check_grad_and_rop(lambda x: T.roll(x, shift, axis), [point(dtype, (2, 3))], mode)


def test_roll_shift_is_disconnected_and_second_derivative(mode):
    x, s = T.dmatrix("x"), T.lscalar("s")
    y = T.roll(x, s, 1)
    gx, gs = y.owner.op.L_op([x, s], [y], [T.dmatrix("g")])
    assert isinstance(gx.owner.op, Roll) and isinstance(gs.type, DisconnectedType)
    with pytest.raises(DisconnectedInputError):
        Lop(y, s, T.dmatrix("u"))
    f = function([x, s], grad(T.sum(y * T.arange(3.0)), x), mode=mode, on_unused_input="ignore")
    np.testing.assert_array_equal(f(np.zeros((1, 3)), 1), [[1.0, 2.0, 0.0]])
    check_second_derivative(lambda a: T.roll(a, -1), point("float64", (2, 2)), mode)
    rop_applies_the_op_to_the_tangent(lambda a: T.roll(a, 1, 0), x)


def test_tile_of_an_integer_input_gets_a_zero_gradient(mode):
    x = T.lmatrix("x")
    cost = T.sum(T.cast(T.tile(x, (2, 1)), "float64"))
    gx = grad(cost, x, disconnected_inputs="ignore")
    out = function([x], gx, mode=mode, on_unused_input="ignore")(np.ones((2, 3), "int64"))
    np.testing.assert_array_equal(out, np.zeros((2, 3)))

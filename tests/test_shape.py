"""Shape ops (tensor/shape.py) against NumPy: values, dtypes, static shapes, shape
inference, the NumPy references, every bad input, and the gradients and R_ops of Shape,
Shape_i, MakeVector, Reshape and SpecifyShape."""

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
from symtorch.graph import ancestors
from symtorch.tensor.construction import TensorCopy
from symtorch.tensor.shape import (
    MakeVector,
    Reshape,
    Shape,
    Shape_i,
    SpecifyShape,
    broadcast_symbolic_shape,
    inferred_shape,
    stack_shape,
)
from symtorch.testing import assert_allclose, check_infer_shape, random_value

DTYPES = ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64", "complex128")
rng = np.random.default_rng(7)



def value(dtype, shape):
    return random_value(T.TensorType(dtype, (None,) * len(shape)), shape, rng)


# -- shape, Shape_i, inferred_shape -----------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 1, 5)])
def test_shape_is_an_int64_vector_of_the_lengths(mode, shape):
    x = T.tensor("float32", shape=(None,) * len(shape), name="x")
    s = T.shape(x)
    assert s.type == T.TensorType("int64", (len(shape),))
    verify([x], [s, x.shape], [value("float32", shape)] * 1, [np.array(shape, dtype="int64")] * 2,
           mode)


def test_static_lengths_are_python_ints_in_the_program(mode):
    x = T.TensorType("float64", (None, 3))("x")
    f = function([x], x.shape, mode=mode)
    assert "size(1)" not in f.code and "size(0)" in f.code
    np.testing.assert_array_equal(f(np.zeros((5, 3))), [5, 3])


def test_shape_i_gives_one_length_and_constants_when_known(mode):
    x = T.TensorType("int8", (None, 4))("x")
    assert isinstance(T.shape_i(x, 1), T.TensorConstant) and T.shape_i(x, -1).data == 4
    assert isinstance(T.shape_i(x, 0).owner.op, Shape_i)
    verify([x], T.shape_i(x, 0), [value("int8", (6, 4))], np.array(6), mode)
    with pytest.raises(ValueError, match="axis 2 is out of range for 'x'"):
        T.shape_i(x, 2)
    with pytest.raises(ValueError, match="only 2 dimensions"):
        Shape_i(2)(x)


def test_inferred_shape_does_not_compute_the_variable(mode):
    x = T.dmatrix("x")
    y = T.exp(x).T + 1
    shp = inferred_shape(y)
    assert len(shp) == 2 and all(s.dtype == "int64" and s.ndim == 0 for s in shp)
    assert not any(v.owner is not None and v.owner.op == T.exp(x).owner.op
                   for v in ancestors(shp))
    np.testing.assert_array_equal(function([x], stack_shape(shp), mode=mode)(np.ones((2, 5))),
                                  [5, 2])


def test_inferred_shape_broadcasts_a_length_zero_against_a_length_one(mode):
    x, y = T.dmatrices("x", "y")
    check_infer_shape([x, y], [x + y], [np.ones((0, 3)), np.ones((1, 3))], mode)
    check_infer_shape([x, y], [x * y], [np.ones((1, 1)), np.ones((4, 3))], mode)


def test_inferred_shape_uses_static_lengths_as_constants():
    x = T.TensorType("float64", (None, 7))("x")
    shp = inferred_shape(T.exp(x))
    assert isinstance(shp[1], T.TensorConstant) and shp[1].data == 7


def test_inferred_shape_falls_back_to_shape_i_without_infer_shape(mode):
    class NoInferShape(TensorCopy):
        def infer_shape(self, node, input_shapes):
            raise NotImplementedError

    x = T.dmatrix("x")
    y = NoInferShape()(x) * 2
    shp = inferred_shape(y)
    assert any(isinstance(v.owner.op, Shape_i) for v in ancestors(shp) if v.owner)
    check_infer_shape([x], [y], [np.ones((3, 4))], mode)


def test_inferred_shape_walks_deep_graphs_without_recursion():
    x = T.dvector("x")
    y = x
    for _ in range(3000):
        y = y + 1.0
    (n,) = inferred_shape(y)
    assert function([x], n)(np.ones(4)) == 4


def test_broadcast_symbolic_shape_prefers_a_static_length():
    x = T.TensorType("float64", (None, 1))("x")
    y = T.TensorType("float64", (5, None))("y")
    out = broadcast_symbolic_shape([x, y], [None, None])
    assert out[0] == 5 and isinstance(out[1], T.TensorVariable)
    z = T.TensorType("float64", (1, 1))("z")
    assert broadcast_symbolic_shape([z, z], [None, None]) == (1, 1)


def test_stack_shape_of_nothing_is_an_empty_int64_vector(mode):
    out = function([], stack_shape(()), mode=mode)()
    assert out.dtype == np.int64 and out.shape == (0,)


# -- MakeVector, stack of scalars ---------------------------------------------------------------


@pytest.mark.parametrize("dtypes, expected", [
    (("int8", "int8"), "int8"), (("int8", "int32"), "int32"), (("int64", "float64"), "float64"),
    (("float32", "float32"), "float32"), (("bool", "bool"), "bool")])
def test_stack_of_scalars_is_a_vector_of_the_common_dtype(mode, dtypes, expected):
    a, b = (T.tensor(d, shape=(), name=n) for d, n in zip(dtypes, "ab"))
    va, vb = value(dtypes[0], ()), value(dtypes[1], ())
    out = T.stack([a, b])
    assert out.dtype == expected and out.type.shape == (2,)
    verify([a, b], out, [va, vb], np.stack([va, vb]), mode)


def test_python_numbers_take_the_dtype_of_the_symbolic_scalars(mode):
    x = T.fscalar("x")
    b = T.bscalar("b")
    assert T.stack([x, 1.5]).dtype == "float32" and T.stack([b, 3]).dtype == "int8"
    f = function([x], T.as_tensor_variable([x, 2.0, x]), mode=mode)
    assert_allclose(f(np.float32(1.5)), np.array([1.5, 2.0, 1.5], dtype="float32"))
    nested = T.as_tensor_variable([[x, 1.0], [2.0, x]])
    assert nested.type.shape == (2, 2)
    assert_allclose(function([x], nested, mode=mode)(3), np.array([[3, 1], [2, 3]], "float32"))


def test_make_vector_refuses_what_does_not_fit():
    with pytest.raises(TypeError, match="'v' .* only scalars"):
        MakeVector("int64")(T.lvector("v"))
    with pytest.raises(TypeError, match="'d' is float64, which does not fit in int64"):
        MakeVector("int64")(T.dscalar("d"))
    with pytest.raises(TypeError, match="2.5 is not a int64"):
        MakeVector("int64")(2.5)


def test_make_vector_of_host_lengths_and_tensors_mix(mode):
    x = T.dvector("x")
    d = T.dscalar("d")
    out = T.stack([T.cast(x.shape[0], "float64"), d, x[0]])
    verify([x, d], out, [np.array([4.0, 5.0]), np.float64(9)], np.array([2.0, 9.0, 4.0]), mode)


# -- reshape, flatten, transpose, squeeze, expand_dims ------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_reshape_matches_numpy_across_dtypes(mode, dtype):
    x = T.tensor(dtype, shape=(None, None), name="x")
    v = value(dtype, (4, 6))
    outs = [x.reshape((3, 8)), x.reshape((2, -1, 3)), x.reshape([24]), T.reshape(x, (-1,))]
    assert outs[1].type.shape == (2, None, 3)
    verify([x], outs, [v], [v.reshape(3, 8), v.reshape(2, -1, 3), v.reshape(24), v.reshape(-1)],
           mode)


def test_reshape_with_symbolic_lengths_and_shape_vectors(mode):
    x = T.dtensor3("x")
    n = T.lscalar("n")
    y = T.dmatrix("y")
    v = rng.normal(size=(2, 3, 4))
    outs = [x.reshape((n, -1)), x.reshape(y.shape), x.reshape((x.shape[0], x.shape[1] * x.shape[2])),
            x.reshape(T.lvector("s"), ndim=2)]
    s = outs[3].owner.inputs[1]
    verify([x, n, y, s], outs, [v, np.int64(6), np.ones((6, 4)), np.array([-1, 2])],
           [v.reshape(6, -1), v.reshape(6, 4), v.reshape(2, 12), v.reshape(-1, 2)], mode)


def test_reshape_infers_static_shapes_from_constant_entries():
    x = T.TensorType("float32", (2, 3, 4))("x")
    assert x.reshape((-1, 4)).type.shape == (6, 4)
    assert x.reshape((T.lscalar(), 12)).type.shape == (None, 12)
    assert T.dmatrix().reshape((3, -1)).type.shape == (3, None)
    assert x.reshape(T.TensorType("float64", (6, 4))().shape).type.shape == (6, 4)


def test_reshape_to_a_scalar_and_back(mode):
    x = T.TensorType("float64", (1, 1))("x")
    s = x.reshape(())
    assert s.type.shape == ()
    verify([x], [s, s.reshape((1, 1, 1))], [np.array([[2.5]])],
           [np.array(2.5), np.full((1, 1, 1), 2.5)], mode)


def test_reshape_refuses_bad_shapes():
    x = T.TensorType("float64", (2, 3))("x")
    with pytest.raises(ValueError, match=r"reshape 'x' of shape \(2, 3\) .* 6 elements do not fit"):
        x.reshape((4, 2))
    with pytest.raises(ValueError, match="at most one -1"):
        x.reshape((-1, -1))
    with pytest.raises(ValueError, match="do not fit"):
        x.reshape((4, -1))
    with pytest.raises(ValueError, match="non-negative"):
        x.reshape((-2, 3))
    with pytest.raises(TypeError, match="'f' is a float64 scalar"):
        x.reshape((T.dscalar("f"), 2))
    with pytest.raises(ValueError, match="pass ndim"):
        x.reshape(T.lvector("s"))
    with pytest.raises(TypeError, match="expected an integer vector"):
        x.reshape(T.dvector("s"), ndim=2)
    with pytest.raises(ValueError, match="ndim=3 but the shape has 2"):
        x.reshape((3, 2), ndim=3)


def test_reshape_errors_at_run_time_when_sizes_differ(mode):
    x = T.dmatrix("x")
    f = function([x], x.reshape((5, -1)), mode=mode)
    with pytest.raises(RuntimeError):
        f(np.ones((2, 3)))


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_flatten_keeps_leading_dims_and_collapses_the_rest(mode, ndim):
    x = T.TensorType("int32", (None, 3, None))("x")
    v = value("int32", (2, 3, 4))
    out = T.flatten(x, ndim)
    assert out.ndim == ndim
    verify([x], [out, x.flatten(ndim)], [v], [v.reshape(v.shape[:ndim - 1] + (-1,))] * 2, mode)


def test_flatten_of_a_scalar_and_of_empty_arrays(mode):
    s = T.dscalar("s")
    x = T.dtensor3("x")
    verify([s, x], [T.flatten(s), T.flatten(x, 2)], [np.float64(3), np.ones((0, 2, 3))],
           [np.array([3.0]), np.ones((0, 6))], mode)


def test_flatten_refuses_bad_ndim():
    with pytest.raises(ValueError, match="between 1 and 2 for 'x'"):
        T.flatten(T.dmatrix("x"), 3)
    with pytest.raises(ValueError, match="between 1 and 2"):
        T.flatten(T.dmatrix("x"), 0)


def test_transpose_and_its_spellings(mode):
    x = T.dtensor3("x")
    v = rng.normal(size=(2, 3, 4))
    outs = [T.transpose(x), x.T, x.transpose(1, 0, 2), x.transpose((2, 0, 1)),
            T.transpose(x, (-1, 0, 1))]
    verify([x], outs, [v], [v.T, v.T, v.transpose(1, 0, 2), v.transpose(2, 0, 1),
                           v.transpose(2, 0, 1)], mode)
    with pytest.raises(ValueError, match="do not list the 3 dimensions of 'x'"):
        x.transpose(0, 1)
    with pytest.raises(ValueError, match="repeated axis"):
        x.transpose(0, 1, 1)
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        x.transpose(0, 1, 3)


def test_squeeze_removes_only_length_one_dims(mode):
    x = T.TensorType("float32", (1, None, 1))("x")
    v = value("float32", (1, 4, 1))
    outs = [T.squeeze(x), x.squeeze(0), x.squeeze((0, -1))]
    assert [o.type.shape for o in outs] == [(None,), (None, 1), (None,)]
    verify([x], outs, [v], [np.squeeze(v), np.squeeze(v, 0), np.squeeze(v, (0, 2))], mode)
    with pytest.raises(ValueError, match="dimension 1 of 'x' has length unknown, not 1"):
        x.squeeze(1)
    with pytest.raises(ValueError, match="has length 3, not 1"):
        T.squeeze(T.TensorType("float32", (3,))("y"), 0)


def test_expand_dims_and_the_pad_helpers(mode):
    x = T.lmatrix("x")
    v = value("int64", (2, 3))
    outs = [T.expand_dims(x, 0), T.expand_dims(x, -1), T.expand_dims(x, (0, 3)),
            T.shape_padleft(x, 2), T.shape_padright(x), T.shape_padaxis(x, 1),
            T.shape_padaxis(x, -3)]
    assert outs[3].type.shape == (1, 1, None, None)
    expected = [np.expand_dims(v, 0), np.expand_dims(v, -1), np.expand_dims(v, (0, 3)),
                v[None, None], v[..., None], v[:, None], v[None]]
    verify([x], outs, [v], expected, mode)
    with pytest.raises(ValueError, match="axis 3 is out of range for 'x'"):
        T.shape_padaxis(x, 3)
    with pytest.raises(ValueError, match="repeated axis"):
        T.expand_dims(x, (1, 1))


def test_specify_shape_sets_the_static_shape_and_checks_it(mode):
    x = T.dmatrix("x")
    y = T.specify_shape(x, (2, None))
    assert y.type.shape == (2, None)
    verify([x], y * 2, [np.ones((2, 5))], np.full((2, 5), 2.0), mode)
    with pytest.raises(ValueError, match=r"has shape \(3, 5\), expected \(2, \?\)"):
        function([x], y, mode=mode)(np.ones((3, 5)))
    with pytest.raises(ValueError, match="dimension 0 of 'z' has length 4, not 2"):
        T.specify_shape(T.TensorType("float64", (4, None))("z"), (2, None))
    with pytest.raises(ValueError, match="'x' has 2 dims"):
        T.specify_shape(x, (2,))


# -- properties -------------------------------------------------------------------------------------


shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


@settings(max_examples=20, deadline=None)
@given(shape=shapes, data=st.data())
def test_flatten_reshape_transpose_round_trip(shape, data):
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    v = rng.normal(size=shape)
    ndim = data.draw(st.integers(1, max(len(shape), 1)))
    perm = data.draw(st.permutations(range(len(shape))))
    outs = [T.flatten(x, ndim), T.transpose(x, perm).reshape(x.shape, ndim=len(shape))]
    flat = v.reshape(v.shape[:ndim - 1] + (int(np.prod(v.shape[ndim - 1:])),))
    moved = np.transpose(v, perm).reshape(v.shape)
    verify([x], outs, [v], [flat, moved], "FAST_COMPILE")



def test_reshape_is_the_op_named():
    x = T.dmatrix("x")
    assert str(x.reshape((2, -1)).owner.op) == "Reshape{2}"
    assert isinstance(T.flatten(x).owner.op, Reshape)


# -- gradients and R_ops ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, new", [((2, 3), (3, 2)), ((2, 3), (-1,)), ((2, 3), (1, 3, 2)),
                                        ((1, 1), ()), ((4,), (2, -1))])
def test_reshape_gradient_is_the_gradient_in_the_input_shape(mode, dtype, shape, new):
    check_grad_and_rop(lambda x: T.reshape(x, new), [point(dtype, shape)], mode)


@pytest.mark.parametrize("dtype", FLOATS)
def test_flatten_and_symbolic_shape_gradients(mode, dtype):
    v = point(dtype, (2, 3, 2))
    check_grad_and_rop(lambda x: T.flatten(x, 2), [v], mode)
    check_grad_and_rop(lambda x: x.reshape((x.shape[0] * x.shape[1], -1)), [v], mode)


def test_reshape_second_derivative_and_its_own_rop(mode):
    check_second_derivative(lambda x: x.reshape((3, -1)), point("float64", (2, 3)), mode)
    rop_applies_the_op_to_the_tangent(lambda x: x.reshape((-1,)), T.dmatrix("x"))


def test_reshape_gradient_for_a_shape_input_is_disconnected():
    x, s = T.dmatrix("x"), T.lvector("s")
    y = x.reshape(s, ndim=1)
    gx, gs = y.owner.op.L_op([x, s], [y], [T.dvector("g")])
    assert gx.type.ndim == 2 and isinstance(gs.type, DisconnectedType)
    with pytest.raises(DisconnectedInputError):
        Lop(y, s, T.dvector("u"))


@pytest.mark.parametrize("dtype", FLOATS)
def test_specify_shape_passes_the_gradient_through(mode, dtype):
    check_grad_and_rop(lambda x: T.specify_shape(x, (2, None)), [point(dtype, (2, 3))], mode)
    x = T.dmatrix("x")
    g = T.dmatrix("g")
    y = T.specify_shape(x, (None, 3))
    assert y.owner.op.L_op([x], [y], [g]) == [g]
    assert isinstance(rop_applies_the_op_to_the_tangent(lambda a: T.specify_shape(a, (None, 3)),
                                                        x).owner.op, SpecifyShape)


@pytest.mark.parametrize("dtype", FLOATS)
def test_make_vector_gradient_gives_each_scalar_its_entry(mode, dtype):
    a, b = point(dtype, ()), point(dtype, ())
    check_grad_and_rop(lambda x, y: T.stack([x, y, x]), [a, b], mode)
    check_grad_and_rop(lambda x: T.as_tensor_variable([x, 2.0]), [a], mode)
    x, y = (T.tensor(dtype, shape=(), name=n) for n in "xy")
    gx, gy = Lop(T.stack([x, y, x]), [x, y], T.constant(np.array([1, 2, 4], dtype)))
    got = function([x, y], [gx, gy], mode=mode, on_unused_input="ignore")(a, b)
    assert_allclose(got[0], np.asarray(5, dtype))
    assert_allclose(got[1], np.asarray(2, dtype))


def test_make_vector_rop_is_a_vector_of_the_tangents(mode):
    x, y = T.dscalars("x", "y")
    vx = T.dscalar("vx")
    out = T.stack([x, y])
    jvp = Rop(out, [x], [vx])
    assert isinstance(jvp.owner.op, MakeVector)
    np.testing.assert_array_equal(function([vx], jvp, mode=mode)(3.0), [3.0, 0.0])
    check_second_derivative(lambda v: T.stack([v[0], v[1]]), point("float64", (2,)), mode)


def test_an_integer_make_vector_has_no_gradient():
    n = T.lscalar("n")
    v = T.stack([n, n])
    assert v.owner.op.L_op([n, n], [v], [T.dvector("g")]) == [None, None]
    assert v.owner.op.R_op([n, n], [T.lscalar(), None]) == [None]


def test_shape_and_shape_i_have_no_gradient_and_no_tangent():
    x = T.dmatrix("x")
    for out in (T.shape(x), Shape_i(1)(x)):
        (g,) = out.owner.op.L_op([x], [out], [T.tensor("float64", shape=(None,) * out.ndim)])
        assert isinstance(g.type, DisconnectedType)
        assert out.owner.op.R_op([x], [T.dmatrix("v")]) == [None]
        with pytest.raises(DisconnectedInputError):
            Lop(out, x, T.tensor("float64", shape=(None,) * out.ndim))
        with pytest.raises(DisconnectedInputError):
            Rop(out, x, T.dmatrix("v"))
    assert isinstance(T.shape(x).owner.op, Shape)


def test_reshape_of_an_integer_input_gets_a_zero_gradient(mode):
    x = T.lmatrix("x")
    cost = T.sum(T.cast(T.reshape(x, (-1,)), "float64"))
    gx = grad(cost, x, disconnected_inputs="ignore")
    out = function([x], gx, mode=mode, on_unused_input="ignore")(np.ones((2, 3), "int64"))
    np.testing.assert_array_equal(out, np.zeros((2, 3)))

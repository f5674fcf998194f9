"""Shape and construction ops (tensor/shape.py) against NumPy: values, dtypes, static
shapes, shape inference, the NumPy references, and every bad input."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symtorch.tensor as T
from symtorch import config, function
from symtorch.graph import ancestors
from symtorch.tensor.shape import (
    Alloc,
    Join,
    MakeVector,
    Reshape,
    Shape_i,
    TensorCopy,
    broadcast_symbolic_shape,
    inferred_shape,
    stack_shape,
)
from symtorch.testing import MODES, assert_allclose, check_infer_shape, random_value, reference_eval

DTYPES = ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64", "complex128")
rng = np.random.default_rng(7)


@pytest.fixture(params=MODES)
def mode(request):
    return request.param


def value(dtype, shape):
    return random_value(T.TensorType(dtype, (None,) * len(shape)), shape, rng)


def verify(inputs, outputs, values, expected, mode, infer_shape=True):
    """Compiled in `mode` and by each op's `perform`, the outputs equal `expected` (dtype
    included); their shapes from infer_shape equal the real ones."""
    many = isinstance(outputs, (list, tuple))
    outs, exps = (list(outputs), list(expected)) if many else ([outputs], [expected])
    got = function(list(inputs), outs, mode=mode, on_unused_input="ignore")(*values)
    ref = reference_eval(outs, dict(zip(inputs, values)))
    for g, r, e in zip(got, ref, exps):
        assert_allclose(g, e)
        assert_allclose(r, e)
    if infer_shape:
        check_infer_shape(list(inputs), outs, list(values), mode)


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


# -- alloc, zeros, ones, full, fill, *_like ---------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_alloc_broadcasts_a_value_into_a_new_array(mode, dtype):
    v = T.tensor(dtype, shape=(None,), name="v")
    s = T.tensor(dtype, shape=(), name="s")
    n = T.lscalar("n")
    vv, sv = value(dtype, (3,)), value(dtype, ())
    outs = [T.alloc(v, 2, 3), T.alloc(s, n, 2), T.alloc(v, n, 1, v.shape[0])]
    assert outs[0].type.shape == (2, 3) and outs[1].type.shape == (None, 2)
    assert outs[0].dtype == dtype
    verify([v, s, n], outs, [vv, sv, np.int64(4)],
           [np.broadcast_to(vv, (2, 3)), np.full((4, 2), sv), np.broadcast_to(vv, (4, 1, 3))], mode)


def test_alloc_never_shares_memory_with_its_value(mode):
    v = T.dvector("v")
    for out in (T.alloc(v, v.shape[0]), T.tensor_copy(v), v.copy(name="c")):
        f = function([v], out, mode=mode, output_type="torch")
        t = torch.arange(3, dtype=torch.float64)
        r = f(t)
        assert r.data_ptr() != t.data_ptr()
        torch.testing.assert_close(r, t)
    assert v.copy(name="c").name == "c" and isinstance(v.copy().owner.op, TensorCopy)


def test_alloc_refuses_bad_lengths():
    v = T.TensorType("float64", (3,))("v")
    with pytest.raises(ValueError, match=r"'v' of shape \(3,\) cannot be broadcast to length 4"):
        T.alloc(v, 2, 4)
    with pytest.raises(ValueError, match="negative length -1"):
        T.alloc(v, -1, 3)
    with pytest.raises(TypeError, match="'f' is a float64 scalar"):
        T.alloc(0.0, T.dscalar("f"))
    with pytest.raises(TypeError, match="2 dims, more than the 1 lengths"):
        T.alloc(T.dmatrix("m"), 3)
    with pytest.raises(TypeError, match="expected an integer scalar"):
        T.alloc(0.0, 2.5)


@pytest.mark.parametrize("dtype", [None, "int8", "bool", "float32", "complex64"])
def test_zeros_ones_and_full_follow_numpy(mode, dtype):
    n = T.lscalar("n")
    outs = [T.zeros((n, 3), dtype), T.ones(4, dtype), T.full((2, n), 7, dtype),
            T.zeros(T.lvector("s").shape, dtype)]
    np_dtype = dtype or "float64"
    expected = [np.zeros((2, 3), np_dtype), np.ones(4, np_dtype), np.full((2, 2), 7, dtype),
                np.zeros((5,), np_dtype)]
    s = outs[3].owner.inputs[1].owner.inputs[0]
    verify([n, s], outs, [np.int64(2), np.zeros(5, dtype="int64")], expected, mode)


def test_full_takes_the_dtype_of_its_value_and_zeros_floatx(mode):
    assert T.full(3, 2).dtype == "int64" and T.full(3, True).dtype == "bool"
    assert T.full(3, 2.5).dtype == "float64" and T.full(3, T.bscalar()).dtype == "int8"
    with config.change_flags(floatX="float32"):
        assert T.zeros(3).dtype == "float32" and T.ones((2, 2)).dtype == "float32"
    with pytest.raises(TypeError, match="must be a scalar"):
        T.full(3, T.dvector("v"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_like_constructors_keep_the_shape_and_dtype(mode, dtype):
    x = T.tensor(dtype, shape=(None, 2), name="x")
    v = value(dtype, (3, 2))
    outs = [T.zeros_like(x), T.ones_like(x), x.zeros_like(), T.full_like(x, 1),
            T.zeros_like(x, "float32"), T.ones_like(x, dtype="int8")]
    expected = [np.zeros_like(v), np.ones_like(v), np.zeros_like(v), np.full_like(v, 1),
                np.zeros_like(v, "float32"), np.ones_like(v, "int8")]
    verify([x], outs, [v], expected, mode)


def test_full_like_casts_its_fill_value(mode):
    x = T.lvector("x")
    f = T.dscalar("f")
    verify([x, f], [T.full_like(x, 2.7), T.full_like(x, f), T.full_like(x, f, "float32")],
           [np.arange(3), np.float64(1.5)],
           [np.full(3, 2, "int64"), np.full(3, 1, "int64"), np.full(3, 1.5, "float32")], mode)


def test_fill_and_second_broadcast_the_value_to_the_model(mode):
    m = T.dmatrix("m")
    v = T.bvector("v")
    s = T.fscalar("s")
    mv, vv = np.ones((2, 3)), value("int8", (3,))
    outs = [T.fill(m, v), T.second(m, s), T.fill(v, 2.5), T.fill(m, T.dcol("c"))]
    c = outs[3].owner.inputs[0]
    assert [o.dtype for o in outs] == ["int8", "float32", "float64", "float64"]
    verify([m, v, s, c], outs, [mv, vv, np.float32(2), np.ones((2, 1)) * 4],
           [np.broadcast_to(vv, (2, 3)), np.full((2, 3), 2, "float32"), np.full(3, 2.5),
            np.full((2, 3), 4.0)], mode)


# -- arange, eye, tril, triu, diagonal, diag -----------------------------------------------------


@pytest.mark.parametrize("args", [(5,), (2, 9), (9, 2, -3), (0, 1, 0.25), (1.5, 4), (3, 1),
                                  (-2.5, 2.5, 0.5)])
def test_arange_matches_numpy_with_constant_bounds(mode, args):
    out = T.arange(*args)
    expected = np.arange(*args)
    assert out.dtype == expected.dtype.name and out.type.shape == expected.shape
    verify([], out, [], expected, mode)


def test_arange_with_symbolic_bounds(mode):
    a, b = T.lscalars("a", "b")
    c = T.iscalar("c")
    d = T.dscalar("d")
    outs = [T.arange(b), T.arange(a, b, c), T.arange(a, d), T.arange(b, a, -2),
            T.arange(d, dtype="float32")]
    assert [o.dtype for o in outs] == ["int64", "int64", "float64", "int64", "float32"]
    verify([a, b, c, d], outs, [np.int64(1), np.int64(7), np.int32(3), np.float64(3.5)],
           [np.arange(7), np.arange(1, 7, 3), np.arange(1, 3.5), np.arange(7, 1, -2),
            np.arange(3.5, dtype="float32")], mode)


def test_arange_of_an_empty_range_has_length_zero(mode):
    n = T.lscalar("n")
    verify([n], [T.arange(n, 2), T.arange(5, 3)], [np.int64(9)],
           [np.arange(9, 2), np.arange(5, 3)], mode)


def test_arange_of_python_floats_is_floatx():
    with config.change_flags(floatX="float32"):
        assert T.arange(0.5, 3).dtype == "float32" and T.arange(T.dscalar(), 3).dtype == "float64"
        assert T.arange(3).dtype == "int64"


def test_arange_refuses_bad_bounds():
    with pytest.raises(ValueError, match="step must not be zero"):
        T.arange(0, 5, 0)
    with pytest.raises(TypeError, match="complex"):
        T.arange(T.zscalar("z"))
    with pytest.raises(TypeError, match="stop 'v' is a float64 vector"):
        T.arange(T.dvector("v"))


@pytest.mark.parametrize("n, m, k", [(3, None, 0), (3, 5, 1), (4, 2, -1), (2, 3, 5), (0, 2, 0)])
def test_eye_matches_numpy(mode, n, m, k):
    verify([], T.eye(n, m, k), [], np.eye(n, m, k), mode)


def test_eye_with_symbolic_sizes_and_diagonal(mode):
    n, k = T.lscalars("n", "k")
    x = T.fmatrix("x")
    outs = [T.eye(n, k=k, dtype="int32"), T.eye(n, 2, dtype="bool"), T.identity_like(x)]
    verify([n, k, x], outs, [np.int64(4), np.int64(-2), np.ones((2, 3), "float32")],
           [np.eye(4, k=-2, dtype="int32"), np.eye(4, 2, dtype=bool), np.eye(2, 3, dtype="float32")],
           mode)
    with pytest.raises(ValueError, match="negative dimensions"):
        T.eye(-1)
    with pytest.raises(TypeError, match="expected a matrix"):
        T.identity_like(T.dvector("v"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [0, 1, -2])
def test_tril_and_triu_match_numpy(mode, dtype, k):
    x = T.tensor(dtype, shape=(None, None, None), name="x")
    v = value(dtype, (2, 4, 5))
    verify([x], [T.tril(x, k), T.triu(x, k)], [v], [np.tril(v, k), np.triu(v, k)], mode)


def test_tril_with_a_symbolic_diagonal_and_bad_inputs(mode):
    x = T.dmatrix("x")
    k = T.lscalar("k")
    v = rng.normal(size=(4, 4))
    verify([x, k], [T.tril(x, k), T.triu(x, k)], [v, np.int64(-1)],
           [np.tril(v, -1), np.triu(v, -1)], mode)
    with pytest.raises(TypeError, match="tril: 'v' is a float64 vector"):
        T.tril(T.dvector("v"))
    with pytest.raises(TypeError, match="'f' is a float64 scalar"):
        T.triu(x, T.dscalar("f"))


@pytest.mark.parametrize("offset, axis1, axis2", [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (2, 1, 2),
                                                  (0, 2, 0), (-1, -1, -2), (9, 0, 1)])
def test_diagonal_matches_numpy(mode, offset, axis1, axis2):
    x = T.TensorType("float32", (3, None, 5))("x")
    v = value("float32", (3, 4, 5))
    out = T.diagonal(x, offset, axis1, axis2)
    verify([x], [out, x.diagonal(offset, axis1, axis2)], [v],
           [np.diagonal(v, offset, axis1, axis2)] * 2, mode)


def test_diagonal_static_length_and_bad_axes():
    x = T.TensorType("float64", (3, 5))("x")
    assert T.diagonal(x, 1).type.shape == (3,) and T.diagonal(x, -2).type.shape == (1,)
    assert T.diagonal(x, 7).type.shape == (0,)
    with pytest.raises(ValueError, match="axis1 and axis2 of 'x' are the same"):
        T.diagonal(x, 0, 1, -1)
    with pytest.raises(TypeError, match="'v' is a float64 vector"):
        T.diagonal(T.dvector("v"))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        T.diagonal(x, 0, 0, 2)


@pytest.mark.parametrize("k", [0, 2, -1])
def test_diag_builds_a_matrix_from_a_vector_and_reads_a_matrix(mode, k):
    v = T.ivector("v")
    m = T.dmatrix("m")
    vv, mv = value("int32", (3,)), rng.normal(size=(3, 4))
    verify([v, m], [T.diag(v, k), T.diag(m, k)], [vv, mv], [np.diag(vv, k), np.diag(mv, k)], mode)
    with pytest.raises(ValueError, match="expected a vector or a matrix"):
        T.diag(T.dtensor3("t"))


def test_trace_is_the_sum_of_the_diagonal(mode):
    if not hasattr(T, "sum"):
        pytest.skip("needs the reduction family (T.sum)")
    x = T.dmatrix("x")
    v = rng.normal(size=(3, 4))
    assert_allclose(function([x], [T.trace(x), x.trace()], mode=mode)(v)[0], np.trace(v))
    with pytest.raises(TypeError, match="trace: 'v' is a float64 vector"):
        T.trace(T.dvector("v"))


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


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple), data=st.data())
def test_join_of_random_shapes_matches_numpy(shape, data):
    axis = data.draw(st.integers(0, len(shape) - 1))
    lengths = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    xs = [T.tensor("float32", shape=(None,) * len(shape), name=f"x{i}") for i in range(len(lengths))]
    vs = [value("float32", shape[:axis] + (n,) + shape[axis + 1:]) for n in lengths]
    out = T.concatenate(xs, axis)
    verify(xs, out, vs, np.concatenate(vs, axis) if len(vs) > 1 else vs[0], "FAST_COMPILE")


def test_reshape_and_alloc_are_the_ops_named():
    x = T.dmatrix("x")
    assert str(x.reshape((2, -1)).owner.op) == "Reshape{2}"
    assert isinstance(T.alloc(0.0, 2).owner.op, Alloc)
    assert isinstance(T.flatten(x).owner.op, Reshape)
    assert str(T.tril(x).owner.op) == "Tril" and str(T.triu(x).owner.op) == "Triu"
    assert T.ExtractDiag is T.Diagonal and str(T.diagonal(x, 1).owner.op) == "Diagonal{1, 0, 1}"

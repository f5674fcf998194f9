"""Construction ops (tensor/construction.py) against NumPy: alloc and the arrays made with
it, tensor_copy, arange, eye, tril/triu, the diagonals; values, dtypes, static shapes,
shape inference, the NumPy references, every bad input, the gradients and the R_ops."""

import numpy as np
import pytest
import torch
from op_checks import (
    FLOATS,
    check_grad_and_rop,
    check_second_derivative,
    point,
    rop_applies_the_op_to_the_tangent,
    verify,
)

import symtorch.tensor as T
from symtorch import config, function
from symtorch.gradient import DisconnectedInputError, DisconnectedType, Lop, grad, verify_grad
from symtorch.tensor.construction import Alloc, AllocDiag, Diagonal, SetDiagonal, TensorCopy
from symtorch.testing import assert_allclose, random_value

DTYPES = ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64", "complex128")
rng = np.random.default_rng(7)



def value(dtype, shape):
    return random_value(T.TensorType(dtype, (None,) * len(shape)), shape, rng)


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
    x = T.dmatrix("x")
    v = rng.normal(size=(3, 4))
    assert_allclose(function([x], [T.trace(x), x.trace()], mode=mode)(v)[0], np.trace(v))
    with pytest.raises(TypeError, match="trace: 'v' is a float64 vector"):
        T.trace(T.dvector("v"))


def numpy_set_diagonal(x, v, offset, axis1, axis2):
    """x with diagonal `offset` over (axis1, axis2) replaced by v, element by element."""
    out = x.copy()
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writes reach `out`
    for t in range(v.shape[-1]):
        moved[..., t + max(-offset, 0), t + max(offset, 0)] = v[..., t]
    return out


@pytest.mark.parametrize("offset, axis1, axis2", [(0, 0, 1), (1, 1, 2), (-2, 2, 1), (0, 2, 0),
                                                  (9, 0, 1)])
def test_set_diagonal_writes_what_diagonal_reads(mode, offset, axis1, axis2):
    x = T.TensorType("float32", (None, None, None))("x")
    v = T.fmatrix("v")
    xv = value("float32", (3, 4, 5))
    new = value("float32", np.diagonal(xv, offset, axis1, axis2).shape)
    expected = numpy_set_diagonal(xv, new, offset, axis1, axis2)
    np.testing.assert_array_equal(np.diagonal(expected, offset, axis1, axis2), new)
    verify([x, v], SetDiagonal(offset, axis1, axis2)(x, v), [xv, new], expected, mode)


def test_set_diagonal_refuses_what_does_not_fit():
    x = T.TensorType("float32", (3, 4))("x")
    with pytest.raises(TypeError, match="'v' has 2 dims; the diagonal of 'x' has 1"):
        SetDiagonal()(x, T.fmatrix("v"))
    with pytest.raises(ValueError, match=r"'w' of shape \(4,\) does not fit the diagonal of 'x'"):
        SetDiagonal()(x, T.TensorType("float32", (4,))("w"))
    with pytest.raises(TypeError, match="'d' \\(float64\\) does not fit in 'x' \\(float32\\)"):
        SetDiagonal()(x, T.dvector("d"))


def test_construction_ops_are_the_ops_named():
    x = T.dmatrix("x")
    assert isinstance(T.alloc(0.0, 2).owner.op, Alloc)
    assert str(T.tril(x).owner.op) == "Tril" and str(T.triu(x).owner.op) == "Triu"
    assert T.ExtractDiag is T.Diagonal and str(T.diagonal(x, 1).owner.op) == "Diagonal{1, 0, 1}"
    assert isinstance(T.diag(T.dvector()).owner.op, AllocDiag)


# -- gradients and R_ops ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, lengths", [((), (2, 3)), ((3,), (2, 3)), ((1, 3), (4, 3)),
                                            ((2, 1), (2, 3)), ((2, 3), (2, 2, 3)), ((2, 3), (2, 3))])
def test_alloc_gradient_sums_over_the_broadcast_dimensions(mode, dtype, shape, lengths):
    # verify_grad gives x unknown lengths: a length 1 broadcast is found when it runs
    check_grad_and_rop(lambda x: T.alloc(x, *lengths), [point(dtype, shape)], mode)


@pytest.mark.parametrize("dtype", FLOATS)
def test_fill_and_full_like_gradients_reach_the_value_only(mode, dtype):
    m = T.dmatrix("m")
    check_grad_and_rop(lambda v: T.fill(T.zeros((2, 3), dtype), v), [point(dtype, (1, 3))], mode)
    check_grad_and_rop(lambda s: T.full_like(T.zeros((2, 2)), s, dtype), [point(dtype, ())], mode)
    with pytest.raises(DisconnectedInputError):  # only the model's shape is used
        grad(T.sum(T.fill(m, T.dscalar("s"))), m)
    with pytest.raises(DisconnectedInputError):
        grad(T.sum(T.zeros_like(m) + T.ones_like(m)), m)


def test_alloc_second_derivative_and_its_own_rop(mode):
    check_second_derivative(lambda x: T.alloc(x, 2, 2, 3), point("float64", (1, 3)), mode)
    rop_applies_the_op_to_the_tangent(lambda x: T.alloc(x, 4, 3), T.dvector("x"))


def test_alloc_lengths_are_disconnected():
    x, n = T.dvector("x"), T.lscalar("n")
    y = T.alloc(x, n, 3)
    grads = y.owner.op.L_op(y.owner.inputs, [y], [T.dmatrix("g")])
    assert grads[0].ndim == 1 and all(isinstance(g.type, DisconnectedType) for g in grads[1:])
    with pytest.raises(DisconnectedInputError):
        Lop(y, n, T.dmatrix("u"))


@pytest.mark.parametrize("dtype", FLOATS)
def test_tensor_copy_passes_the_gradient_through(mode, dtype):
    check_grad_and_rop(T.tensor_copy, [point(dtype, (2, 3))], mode)
    assert isinstance(rop_applies_the_op_to_the_tangent(T.tensor_copy, T.dmatrix("x")).owner.op,
                      TensorCopy)


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_arange_gradient_reaches_start_and_step(mode, dtype):
    # out[i] = start + i * step; stop only sets the length (4 values here, away from an edge)
    start, stop, step = (np.asarray(v, dtype) for v in (0.3, 3.0, 0.7))
    check_grad_and_rop(lambda a, b, c: T.arange(a, b, c, dtype=dtype), [start, stop, step], mode)
    a, b = (T.tensor(dtype, shape=(), name=n) for n in "ab")
    u = T.tensor(dtype, shape=(None,), name="u")
    ga, gb = Lop(T.arange(a, b, 0.5, dtype=dtype), [a, b], u)
    got = function([a, b, u], [ga, gb], mode=mode, on_unused_input="ignore")(
        0, 2, np.arange(4, dtype=dtype))
    assert_allclose(got[0], np.asarray(6, dtype))
    assert_allclose(got[1], np.asarray(0, dtype))


def test_integer_arange_and_eye_have_no_gradient():
    n, k = T.lscalars("n", "k")
    r = T.arange(n)
    assert r.owner.op.L_op(r.owner.inputs, [r], [T.dvector("g")]) == [None] * 3
    assert r.owner.op.R_op(r.owner.inputs, [T.lscalar(), None, None]) == [None]
    e = T.eye(n, k=k)
    assert all(isinstance(g.type, DisconnectedType)
               for g in e.owner.op.L_op(e.owner.inputs, [e], [T.dmatrix("g")]))
    with pytest.raises(DisconnectedInputError):
        Lop(e, [n, k], T.dmatrix("u"))
    assert e.owner.op.R_op(e.owner.inputs, [T.lscalar(), None, None]) == [None]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("k", [0, 1, -1])
def test_tril_and_triu_gradients_are_masked(mode, dtype, k):
    v = point(dtype, (2, 3, 4))
    check_grad_and_rop(lambda x: T.tril(x, k), [v], mode)
    check_grad_and_rop(lambda x: T.triu(x, k), [v], mode)


def test_tril_second_derivative_rop_and_a_disconnected_diagonal_index(mode):
    check_second_derivative(lambda x: T.triu(x, 1), point("float64", (3, 3)), mode)
    rop_applies_the_op_to_the_tangent(T.tril, T.dmatrix("x"))
    x, k = T.dmatrix("x"), T.lscalar("k")
    with pytest.raises(DisconnectedInputError):
        Lop(T.tril(x, k), k, T.dmatrix("u"))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("offset, axis1, axis2", [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (1, 1, 2),
                                                  (0, 2, 0), (5, 0, 1)])
def test_diagonal_gradient_is_placed_on_the_diagonal(mode, dtype, offset, axis1, axis2):
    check_grad_and_rop(lambda x: T.diagonal(x, offset, axis1, axis2), [point(dtype, (2, 3, 4))],
                       mode)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("k", [0, 2, -1])
def test_diag_gradients_take_and_place_the_diagonal(mode, dtype, k):
    check_grad_and_rop(lambda v: T.diag(v, k), [point(dtype, (3,))], mode)
    check_grad_and_rop(lambda m: T.diag(m, k), [point(dtype, (3, 4))], mode)


@pytest.mark.parametrize("dtype", FLOATS)
def test_set_diagonal_gradient_reaches_the_array_and_the_diagonal(mode, dtype):
    check_grad_and_rop(lambda x, v: SetDiagonal(1, 2, 0)(x, v),
                       [point(dtype, (3, 2, 4)), point(dtype, (2, 2))], mode)


def test_diagonal_second_derivatives_and_rops(mode):
    check_second_derivative(lambda x: T.diagonal(x, -1), point("float64", (3, 4)), mode)
    check_second_derivative(lambda v: T.diag(v, 1), point("float64", (3,)), mode)
    assert isinstance(rop_applies_the_op_to_the_tangent(T.diagonal, T.dmatrix("x")).owner.op,
                      Diagonal)
    assert isinstance(rop_applies_the_op_to_the_tangent(T.diag, T.dvector("x")).owner.op,
                      AllocDiag)


def test_trace_gradient_is_the_identity(mode):
    verify_grad(T.trace, [point("float64", (3, 4))], mode=mode)
    x = T.dmatrix("x")
    np.testing.assert_array_equal(function([x], grad(T.trace(x), x), mode=mode)(np.ones((2, 3))),
                                  np.eye(2, 3))

"""Products: dot, matmul, tensordot, outer, batched_dot, batched_tensordot, einsum."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symtorch.tensor as T
from symtorch import function
from symtorch.gradient import verify_grad
from symtorch.link.torch.blas import einsum_by_broadcast
from symtorch.tensor.blas import BatchedDot, Dot, Einsum, MatMul, TensorDot, parse_einsum
from symtorch.tensor.reduction import SumTo
from symtorch.testing import (
    assert_allclose,
    check_infer_shape,
    random_value,
    reference_eval,
    verify_rop,
)

DTYPES = ["bool", "int8", "int32", "int64", "float32", "float64", "complex128"]



def var(dtype, ndim, name):
    return T.tensor(dtype, shape=(None,) * ndim, name=name)


def value(dtype, shape, seed=0):
    return random_value(T.TensorType(dtype, shape), shape, rng=np.random.default_rng(seed))


def check(mode, inputs, outputs, values, expected, **tol):
    got = function(inputs, outputs, mode=mode)(*values)
    if not isinstance(outputs, list):
        got, expected, outputs = [got], [expected], [outputs]
    for g, e, o in zip(got, expected, outputs):
        assert_allclose(g, np.asarray(e), **tol)
        assert o.dtype == str(np.asarray(e).dtype)
    for r, e in zip(reference_eval(outputs, dict(zip(inputs, values))), expected):
        assert_allclose(r, np.asarray(e), **tol)


# -- dot ---------------------------------------------------------------------------------------

RANKS = [(0, 1), (1, 0), (0, 2), (1, 1), (2, 1), (1, 2), (2, 2), (3, 1), (3, 2), (1, 3), (2, 3),
         (3, 3), (4, 2)]
SHAPES = {0: (), 1: (3,), 2: (2, 3), 3: (4, 2, 3), 4: (2, 1, 2, 3)}


def _b_shape(na, nb):
    if nb < 2:
        return SHAPES[nb]
    return {2: (3, 5), 3: (2, 3, 5)}[nb]


@pytest.mark.parametrize("dtype", DTYPES)
def test_dot_matches_numpy_for_every_rank_combination(mode, dtype):
    ins, outs, vals, expected = [], [], [], []
    for k, (na, nb) in enumerate(RANKS):
        a, b = var(dtype, na, f"a{k}"), var(dtype, nb, f"b{k}")
        av, bv = value(dtype, SHAPES[na], k), value(dtype, _b_shape(na, nb), k + 100)
        if na == 0 or nb == 0:
            expected.append(np.asarray(av * bv))
        else:
            expected.append(np.asarray(np.dot(av, bv)))
        ins += [a, b]
        vals += [av, bv]
        outs.append(T.dot(a, b))
    check(mode, ins, outs, vals, expected)


def test_dot_of_mixed_dtypes_uses_their_common_dtype(mode):
    a, b = T.bmatrix("a"), T.fmatrix("b")
    av, bv = value("int8", (2, 3)), value("float32", (3, 2))
    check(mode, [a, b], T.dot(a, b), [av, bv], np.dot(av, bv))
    assert T.dot(T.ivector("i"), T.dvector("d")).dtype == "float64"


def test_integer_dot_wraps_around_as_numpy(mode):
    a, b = T.bmatrix("a"), T.bmatrix("b")
    av = np.full((2, 50), 100, dtype="int8")
    check(mode, [a, b], T.dot(a, b.T), [av, av], np.dot(av, av.T))


def test_dot_method_and_a_python_scalar(mode):
    x = T.fvector("x")
    out = x.dot(2)
    assert out.dtype == "float32"
    check(mode, [x], [x.dot(x), out], [np.arange(3, dtype="float32")],
          [np.float32(5), np.arange(3, dtype="float32") * 2])


def test_dot_of_mismatched_static_lengths_is_an_error_naming_both():
    a = T.tensor("float64", shape=(2, 3), name="a")
    b = T.tensor("float64", shape=(4, 5), name="b")
    with pytest.raises(ValueError, match="'a'.*'b'") as err:
        T.dot(a, b)
    assert "3" in str(err.value) and "4" in str(err.value)
    with pytest.raises(ValueError, match="'v'"):
        T.dot(a, T.tensor("float64", shape=(2,), name="v"))
    with pytest.raises(ValueError):
        T.dot(T.tensor("float64", shape=(2, 1), name="a"), b)  # no broadcasting in dot


def test_dot_static_shapes():
    a = T.tensor("float64", shape=(2, None), name="a")
    b = T.tensor("float64", shape=(None, 5), name="b")
    assert T.dot(a, b).type.shape == (2, 5)
    assert T.dot(a, T.dvector()).type.shape == (2,)
    assert T.dot(T.tensor("float64", shape=(7, 2, 3)), T.tensor("float64", shape=(4, 3, 5))
                 ).type.shape == (7, 2, 4, 5)


def test_dot_of_a_scalar_op_is_refused():
    with pytest.raises(TypeError, match="'s'"):
        Dot()(T.dscalar("s"), T.dvector("v"))


# -- matmul ------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(batch_a=st.lists(st.sampled_from([1, 2, 3]), max_size=3),
       batch_b=st.lists(st.sampled_from([1, 2, 3]), max_size=3),
       vec_a=st.booleans(), vec_b=st.booleans(), data=st.data())
def test_matmul_broadcasts_batch_axes_as_numpy(batch_a, batch_b, vec_a, vec_b, data):
    # make the batch shapes broadcastable: where both have an axis, one is 1 or they agree
    n = min(len(batch_a), len(batch_b))
    for i in range(1, n + 1):
        if batch_a[-i] != batch_b[-i] and 1 not in (batch_a[-i], batch_b[-i]):
            batch_b[-i] = 1
    sa = (3,) if vec_a else tuple(batch_a) + (2, 3)
    sb = (3,) if vec_b else tuple(batch_b) + (3, 4)
    dtype = data.draw(st.sampled_from(["int32", "float64", "bool"]))
    a, b = var(dtype, len(sa), "a"), var(dtype, len(sb), "b")
    av, bv = value(dtype, sa, 1), value(dtype, sb, 2)
    check("FAST_COMPILE", [a, b], T.matmul(a, b), [av, bv], np.matmul(av, bv))


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_operator_matches_numpy(mode, dtype):
    a, b = var(dtype, 3, "a"), var(dtype, 2, "b")
    av, bv = value(dtype, (2, 3, 4)), value(dtype, (4, 5), 1)
    check(mode, [a, b], a @ b, [av, bv], av @ bv)


def test_matmul_static_shapes_and_errors():
    a = T.tensor("float64", shape=(1, None, 2, 3), name="a")
    b = T.tensor("float64", shape=(5, 1, 3, 4), name="b")
    assert T.matmul(a, b).type.shape == (5, None, 2, 4)
    with pytest.raises(ValueError, match="'a'.*'c'|'c'.*'a'"):
        T.matmul(a, T.tensor("float64", shape=(4, 4), name="c"))
    with pytest.raises(ValueError, match="'b'.*'d'"):
        T.matmul(b, T.tensor("float64", shape=(3, 1, 4, 4), name="d"))  # batch 5 vs 3
    with pytest.raises(TypeError, match="'s'"):
        T.matmul(T.dscalar("s"), b)


# -- tensordot, outer ------------------------------------------------------------------------


@pytest.mark.parametrize("axes,shape_b", [(0, (2, 2)), (1, (2, 3)), (2, (4, 2, 5)),
                                          ([[1], [0]], (4, 3)), ([[0, 2], [2, 1]], (5, 2, 3)),
                                          (([2, 0], [1, 2]), (5, 2, 3)), ([[-1], [-2]], (5, 2, 3)),
                                          ([1, 0], (4, 5))])
def test_tensordot_matches_numpy(mode, axes, shape_b):
    a, b = T.dtensor3("a"), var("float64", len(shape_b), "b")
    av, bv = value("float64", (3, 4, 2)), value("float64", shape_b, 1)
    check(mode, [a, b], T.tensordot(a, b, axes), [av, bv], np.tensordot(av, bv, axes))


@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "float32", "complex128"])
def test_tensordot_dtypes(mode, dtype):
    a, b = var(dtype, 3, "a"), var(dtype, 2, "b")
    av, bv = value(dtype, (2, 3, 4)), value(dtype, (4, 3), 1)
    check(mode, [a, b], T.tensordot(a, b, [[1, 2], [1, 0]]), [av, bv],
          np.tensordot(av, bv, [[1, 2], [1, 0]]))


def test_tensordot_bad_axes_are_errors():
    a, b = T.dmatrix("a"), T.dmatrix("b")
    with pytest.raises(ValueError, match="3 axes"):
        T.tensordot(a, b, 3)
    with pytest.raises(ValueError, match="pairs"):
        T.tensordot(a, b, [[0, 1], [0]])
    with pytest.raises(ValueError, match="'b'"):
        T.tensordot(a, b, [[0], [2]])
    with pytest.raises(ValueError, match="repeated"):
        T.tensordot(a, b, [[0, 0], [0, 1]])
    with pytest.raises(ValueError, match="'p'.*'q'"):
        T.tensordot(T.tensor("float64", shape=(2, 3), name="p"),
                    T.tensor("float64", shape=(2, 3), name="q"), 1)
    with pytest.raises(ValueError, match="axes"):
        T.tensordot(a, b, [0, 1, 2])
    with pytest.raises(TypeError, match="int"):
        T.tensordot(a, b, "ij")


@pytest.mark.parametrize("dtype", ["bool", "int8", "float32", "complex128"])
def test_outer_matches_numpy_and_flattens(mode, dtype):
    x, y, m = var(dtype, 1, "x"), var(dtype, 0, "y"), var(dtype, 2, "m")
    xv, yv, mv = value(dtype, (3,)), value(dtype, ()), value(dtype, (2, 2), 1)
    check(mode, [x, y, m], [T.outer(x, x), T.outer(y, x), T.outer(x, m)], [xv, yv, mv],
          [np.outer(xv, xv), np.outer(yv, xv), np.outer(xv, mv)])


# -- batched_dot, batched_tensordot -------------------------------------------------------------


def _batched(a, b):
    return np.stack([np.dot(a[i], b[i]) for i in range(a.shape[0])]) if a.ndim > 1 and \
        b.ndim > 1 else (a.reshape(a.shape + (1,) * (b.ndim - 1)) * b if a.ndim == 1
                         else a * b.reshape(b.shape + (1,) * (a.ndim - 1)))


@pytest.mark.parametrize("shapes", [((4, 2, 3), (4, 3, 5)), ((4, 3), (4, 3)), ((4, 2, 3), (4, 3)),
                                    ((4, 3), (4, 3, 5)), ((4, 2, 2, 3), (4, 3, 5)),
                                    ((4, 3), (4, 2, 3, 5)), ((4,), (4, 3)), ((4, 2, 3), (4,))])
@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_batched_dot_is_dot_of_each_pair(mode, shapes, dtype):
    sa, sb = shapes
    a, b = var(dtype, len(sa), "a"), var(dtype, len(sb), "b")
    av, bv = value(dtype, sa), value(dtype, sb, 1)
    check(mode, [a, b], T.batched_dot(a, b), [av, bv], _batched(av, bv))


def test_batched_dot_of_an_empty_batch(mode):
    a, b = T.dtensor3("a"), T.dtensor3("b")
    out = function([a, b], T.batched_dot(a, b), mode=mode)(np.zeros((0, 2, 3)), np.zeros((0, 3, 4)))
    assert out.shape == (0, 2, 4)
    assert reference_eval([T.batched_dot(a, b)], {a: np.zeros((0, 2, 3)),
                                                  b: np.zeros((0, 3, 4))})[0].shape == (0, 2, 4)


def test_batched_dot_errors():
    with pytest.raises(ValueError, match="'a'.*'b'"):
        T.batched_dot(T.tensor("float64", shape=(3, 2, 2), name="a"),
                      T.tensor("float64", shape=(4, 2, 2), name="b"))
    with pytest.raises(TypeError, match="'s'"):
        T.batched_dot(T.dscalar("s"), T.dmatrix("m"))
    with pytest.raises(TypeError, match="'v'"):
        BatchedDot()(T.dvector("v"), T.dmatrix("m"))


@pytest.mark.parametrize("axes", [1, [[2], [1]], [[1, 2], [2, 1]]])
def test_batched_tensordot_is_tensordot_of_each_pair(mode, axes):
    x, y = T.dtensor3("x"), T.dtensor3("y")
    xv, yv = value("float64", (2, 3, 4)), value("float64", (2, 4, 3), 1)
    np_axes = axes if isinstance(axes, int) else [[i - 1 for i in axes[0]], [i - 1 for i in axes[1]]]
    expected = np.stack([np.tensordot(xv[i], yv[i], np_axes) for i in range(2)])
    check(mode, [x, y], T.batched_tensordot(x, y, axes), [xv, yv], expected)
    with pytest.raises(ValueError, match="batch"):
        T.batched_tensordot(x, y, [[0], [0]])


# -- einsum ----------------------------------------------------------------------------------


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
           ("ii", [(3, 3)]), ("i,i", [(3,), (3,)]), ("ij->ji", [(2, 3)]), ("ba", [(2, 3)]),
           ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]), ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),
           ("i,j->ij", [(2,), (3,)]), ("ij,ij->ij", [(1, 3), (2, 3)]), ("ijk->", [(2, 3, 4)]),
           ("i...->...", [(2, 3, 4)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("i", [(3,)])]


@pytest.mark.parametrize("subscripts,shapes", EINSUMS)
@pytest.mark.parametrize("dtype", ["int8", "float64"])
def test_einsum_matches_numpy(mode, subscripts, shapes, dtype):
    ins = [var(dtype, len(s), f"x{i}") for i, s in enumerate(shapes)]
    vals = [value(dtype, s, i) for i, s in enumerate(shapes)]
    check(mode, ins, T.einsum(subscripts, *ins), vals, np.einsum(subscripts, *vals))


@pytest.mark.parametrize("dtype", ["bool", "int64", "float32", "complex128"])
def test_einsum_dtypes(mode, dtype):
    a, b = var(dtype, 2, "a"), var(dtype, 2, "b")
    av, bv = value(dtype, (2, 3)), value(dtype, (3, 2), 1)
    check(mode, [a, b], T.einsum("ij,jk->ik", [a, b]), [av, bv], np.einsum("ij,jk->ik", av, bv))


def test_einsum_of_one_operand_is_not_a_view_of_it(mode):
    x = T.dmatrix("x")
    f = function([x], T.einsum("ij->ji", x), mode=mode, output_type="torch")
    xv = torch.zeros(2, 3, dtype=torch.float64)
    f(xv)[0, 0] = 1
    assert xv[0, 0] == 0


def test_einsum_bad_subscripts_are_errors_naming_the_operand():
    a = T.dmatrix("a")
    with pytest.raises(ValueError, match="'a'"):
        T.einsum("ijk->i", a)
    with pytest.raises(ValueError, match="operand"):
        T.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match="'z'"):
        T.einsum("ij->z", a)
    with pytest.raises(ValueError, match="invalid"):
        T.einsum("i1->i", a)
    with pytest.raises(ValueError, match="'a'.*'b'"):
        T.einsum("ij,jk->ik", T.tensor("float64", shape=(2, 3), name="a"),
                 T.tensor("float64", shape=(4, 2), name="b"))
    with pytest.raises(TypeError):
        Einsum(3)


def test_parse_einsum_labels_the_ellipsis_from_the_right():
    assert parse_einsum("...ij,j...->...i", [4, 3]) == (
        [["...0", "...1", "i", "j"], ["j", "...0", "...1"]], ["...0", "...1", "i"])
    assert parse_einsum("...i,...i", [3, 2]) == ([["...0", "...1", "i"], ["...1", "i"]],
                                                 ["...0", "...1"])
    assert parse_einsum("ij,jk", [2, 2]) == ([["i", "j"], ["j", "k"]], ["i", "k"])


# -- the broadcast fallback (integers on CUDA) -----------------------------------------------------


@pytest.mark.parametrize("subscripts,shapes", EINSUMS)
def test_einsum_by_broadcast_matches_numpy_for_integers(subscripts, shapes):
    vals = [np.full(s, 100, dtype="int8") + np.arange(int(np.prod(s)), dtype="int8").reshape(s)
            for s in shapes]
    in_labels, out_labels = parse_einsum(subscripts.replace(" ", ""), [len(s) for s in shapes])
    got = einsum_by_broadcast(in_labels, out_labels, [torch.from_numpy(v) for v in vals], torch.int8)
    assert_allclose(got.numpy(), np.einsum(subscripts, *vals))


@pytest.mark.parametrize("op,shapes", [(Dot(), [(2, 3), (3, 4)]), (Dot(), [(4, 2, 3), (2, 3, 5)]),
                                       (MatMul(), [(2, 1, 2, 3), (5, 3, 4)]),
                                       (MatMul(), [(3,), (2, 3, 4)]),
                                       (TensorDot((0, 2), (2, 1)), [(3, 4, 2), (4, 2, 3)]),
                                       (BatchedDot(), [(2, 2, 3), (2, 3)])])
def test_every_product_op_labels_give_the_same_result_through_the_fallback(op, shapes):
    vals = [np.arange(int(np.prod(s)), dtype="int64").reshape(s) - 3 for s in shapes]
    node = op.make_node(*[var("int64", len(s), f"x{i}") for i, s in enumerate(shapes)])
    in_labels, out_labels = op.labels([len(s) for s in shapes])
    got = einsum_by_broadcast(in_labels, out_labels, [torch.from_numpy(v) for v in vals], torch.int64)
    assert_allclose(got.numpy(), op.perform(node, vals)[0])


# -- shapes ---------------------------------------------------------------------------------------


def test_infer_shape_of_every_product(mode):
    a, b, v = T.dtensor3("a"), T.dmatrix("b"), T.dvector("v")
    c = T.tensor("float64", shape=(None, 1, None, None), name="c")
    outs = [T.dot(a, b), T.dot(b.dimshuffle(1, 0), v), T.dot(v, v), T.matmul(c, a),
            T.matmul(v, a.dimshuffle(0, 2, 1)), T.tensordot(a, b, [[2], [0]]), T.outer(v, b),
            T.batched_dot(a, a.dimshuffle(0, 2, 1)), T.einsum("ijk,kl->lji", a, b),
            T.einsum("...ij,...jk", c, a)]
    vals = [np.ones((2, 3, 4)), np.ones((4, 5)), np.ones(4), np.ones((5, 1, 2, 3))]
    check_infer_shape([a, b, v, c], outs, vals, mode=mode)


def test_op_printing():
    assert str(TensorDot((1,), (0,))) == "TensorDot{axes=[[1], [0]]}"
    assert str(Einsum("ij, jk->ik")) == "Einsum{ij,jk->ik}"
    assert str(Dot()) == "Dot" and Dot() == Dot() and MatMul() != Dot()


# == gradients and R_ops ======================================================================
# The gradient of an operand is an einsum of the output gradient with the other operands.

FLOATS = ["float32", "float64"]


def _tolerances(dtype):
    return {"abs_tol": 2e-2, "rel_tol": 2e-2} if dtype == "float32" else {}


def _einsum(subscripts):
    return lambda *xs: T.einsum(subscripts, *xs)


# (name, function, operand shapes): every rank combination of dot and matmul, batch axes
# that broadcast when the function runs (verify_grad's inputs have unknown lengths), and
# einsums with diagonals, sums over one operand's own label, and length-1 broadcasting.
PRODUCTS = [
    ("dot vv", T.dot, [(3,), (3,)]), ("dot mv", T.dot, [(2, 3), (3,)]),
    ("dot vm", T.dot, [(3,), (3, 2)]), ("dot mm", T.dot, [(2, 3), (3, 2)]),
    ("dot 3d", T.dot, [(2, 2, 3), (2, 3, 2)]),
    ("matmul vv", T.matmul, [(3,), (3,)]), ("matmul tv", T.matmul, [(2, 2, 3), (3,)]),
    ("matmul vt", T.matmul, [(3,), (2, 3, 2)]), ("matmul tm", T.matmul, [(2, 2, 3), (3, 2)]),
    ("matmul broadcast", T.matmul, [(1, 2, 3), (3, 3, 2)]),
    ("matmul broadcast 4d", T.matmul, [(2, 1, 2, 3), (3, 3, 1)]),
    ("tensordot", lambda a, b: T.tensordot(a, b, [[0, 2], [1, 0]]), [(2, 3, 2), (2, 2, 3)]),
    ("tensordot 0", lambda a, b: T.tensordot(a, b, 0), [(2,), (3,)]),
    ("batched_dot mv", T.batched_dot, [(3, 2, 4), (3, 4)]),
    ("batched_dot mm", T.batched_dot, [(3, 2, 4), (3, 4, 2)]),
    ("batched_tensordot", lambda a, b: T.batched_tensordot(a, b, [[2], [1]]),
     [(2, 3, 4), (2, 4, 3)]),
    ("trace", _einsum("ii->"), [(3, 3)]), ("diagonal", _einsum("ii->i"), [(3, 3)]),
    ("diagonal 3", _einsum("iii->i"), [(2, 2, 2)]), ("partial trace", _einsum("iij,j->i"),
                                                    [(2, 2, 3), (3,)]),
    ("sum", _einsum("ij->"), [(2, 3)]), ("outer", _einsum("i,j->ij"), [(2,), (3,)]),
    ("three operands", _einsum("ij,jk,kl->il"), [(2, 3), (3, 2), (2, 2)]),
    ("ellipsis", _einsum("...ij,...jk"), [(2, 2, 3), (3, 2)]),
    ("scalar operand", _einsum(",ij->ij"), [(), (2, 3)]),
    ("broadcast summed label", _einsum("ij,j->i"), [(2, 3), (1,)]),
    ("broadcast kept label", _einsum("ij,ij->ij"), [(1, 3), (2, 3)]),
    ("broadcast both", _einsum("ij,kj->"), [(2, 3), (4, 1)]),
    ("same operand twice", lambda x: T.einsum("ij,ij->", x, x), [(2, 3)]),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, fn, shapes", PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_product_gradients_match_finite_differences(mode, name, fn, shapes, dtype):
    vals = [value(dtype, s, i) for i, s in enumerate(shapes)]
    verify_grad(fn, vals, mode=mode, **_tolerances(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, fn, shapes", PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_product_rops_match_finite_differences(mode, name, fn, shapes, dtype):
    vals = [value(dtype, s, i) for i, s in enumerate(shapes)]
    verify_rop(fn, vals, mode=mode)


def test_dot_gradients_are_the_textbook_products(mode):
    x, w, g = T.dmatrix("x"), T.dmatrix("w"), T.dmatrix("g")
    gx, gw = T.Lop(T.dot(x, w), [x, w], g)
    xv, wv, gv = value("float64", (2, 3)), value("float64", (3, 4), 1), value("float64", (2, 4), 2)
    got = function([x, w, g], [gx, gw], mode=mode)(xv, wv, gv)
    assert_allclose(got[0], gv @ wv.T)
    assert_allclose(got[1], xv.T @ gv)
    assert isinstance(gx.owner.op, Einsum) and gx.type.shape == (None, None)


@pytest.mark.parametrize("static", [True, False])
def test_gradient_of_a_broadcast_batch_operand_sums_over_the_batch(mode, static):
    a = T.tensor("float64", shape=(1, 2, 3) if static else (None, None, None), name="a")
    b = T.tensor("float64", shape=(4, 3, 2) if static else (None, None, None), name="b")
    av, bv, gv = value("float64", (1, 2, 3)), value("float64", (4, 3, 2), 1), \
        value("float64", (4, 2, 2), 2)
    ga, gb = T.Lop(T.matmul(a, b), [a, b], T.constant(gv))
    assert ga.type.shape[0] == 1 if static else isinstance(ga.owner.op, SumTo)
    got = function([a, b], [ga, gb], mode=mode)(av, bv)
    assert_allclose(got[0], np.sum(gv @ bv.transpose(0, 2, 1), axis=0, keepdims=True))
    assert_allclose(got[1], np.broadcast_to(av, (4, 2, 3)).transpose(0, 2, 1) @ gv)


def test_second_derivatives_through_dot_and_sum(mode):
    x, a, v = T.dvector("x"), T.dmatrix("a"), T.dvector("v")
    cost = T.dot(x, T.dot(a, x))  # x' A x: gradient (A + A') x, Hessian A + A'
    gx = T.grad(cost, x)
    hv = T.grad(T.dot(gx, v), x)
    rop = T.Rop(gx, x, v)
    xv, av, vv = value("float64", (3,)), value("float64", (3, 3), 1), value("float64", (3,), 2)
    got = function([x, a, v], [gx, hv, rop], mode=mode)(xv, av, vv)
    assert_allclose(got[0], (av + av.T) @ xv)
    assert_allclose(got[1], (av + av.T) @ vv)
    assert_allclose(got[2], (av + av.T) @ vv)
    verify_grad(lambda xs, am: T.grad(T.sum(T.dot(am, xs) * T.dot(am, xs)), xs),
                [xv, av], mode=mode)


def test_integer_operands_get_no_gradient(mode):
    i, f = T.lmatrix("i"), T.dmatrix("f")
    out = T.dot(i, f)
    gi, gf = out.owner.op.L_op([i, f], [out], [T.ones_like(out)])
    assert gi is None and gf.dtype == "float64"
    zero = T.grad(T.sum(out), i, disconnected_inputs="ignore")
    iv, fv = np.ones((2, 3), dtype="int64"), value("float64", (3, 2))
    assert_allclose(function([i, f], zero, mode=mode, on_unused_input="ignore")(iv, fv),
                    np.zeros((2, 3)))
    assert_allclose(function([i, f], T.grad(T.sum(out), f), mode=mode)(iv, fv),
                    iv.T @ np.ones((2, 2)))


def test_mixed_precision_gradients_keep_each_operand_dtype(mode):
    a, b = T.fmatrix("a"), T.dmatrix("b")
    ga, gb = T.grad(T.sum(T.dot(a, b)), [a, b])
    assert (ga.dtype, gb.dtype) == ("float32", "float64")
    got = function([a, b], ga, mode=mode)(np.ones((2, 3), "float32"), np.ones((3, 4)))
    assert_allclose(got, np.full((2, 3), 4.0, "float32"))


@settings(max_examples=15, deadline=None)
@given(batch_a=st.lists(st.sampled_from([1, 2, 3]), max_size=3),
       batch_b=st.lists(st.sampled_from([1, 2, 3]), max_size=3),
       vec_a=st.booleans(), vec_b=st.booleans(), static=st.booleans())
def test_matmul_gradients_match_torch_autograd_for_any_broadcast(batch_a, batch_b, vec_a,
                                                                 vec_b, static):
    n = min(len(batch_a), len(batch_b))
    for i in range(1, n + 1):
        if batch_a[-i] != batch_b[-i] and 1 not in (batch_a[-i], batch_b[-i]):
            batch_b[-i] = 1
    sa = (3,) if vec_a else tuple(batch_a) + (2, 3)
    sb = (3,) if vec_b else tuple(batch_b) + (3, 4)
    a = T.tensor("float64", shape=sa if static else (None,) * len(sa), name="a")
    b = T.tensor("float64", shape=sb if static else (None,) * len(sb), name="b")
    av, bv = value("float64", sa, 1), value("float64", sb, 2)
    out = T.matmul(a, b)
    gv = value("float64", np.matmul(av, bv).shape, 3)
    got = function([a, b], T.Lop(out, [a, b], T.constant(gv)))(av, bv)
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (av, bv))
    torch.matmul(ta, tb).backward(torch.tensor(gv))
    assert_allclose(got[0], ta.grad.numpy())
    assert_allclose(got[1], tb.grad.numpy())

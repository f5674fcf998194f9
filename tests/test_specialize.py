"""The specialize phase (symtorch/rewriting/specialize.py) and the fused products it builds
(symtorch/tensor/blas_fused.py: AddMM, AddMV, SumOfSquares).

Rewrites: the graph before and after, and the values unchanged. Ops: values against
NumPy, shape inference, the NumPy reference, bad inputs, gradients and R_ops.
"""

import numpy as np
import pytest

import symtorch
import symtorch.tensor as T
from symtorch.compile.mode import Mode, get_mode
from symtorch.gradient import verify_grad
from symtorch.tensor.blas_fused import (
    AddMM,
    AddMV,
    SumOfSquares,
    add_mm,
    add_mv,
    bias_fits_product,
    sum_of_squares,
)
from symtorch.testing import MODES, assert_allclose, check_infer_shape, reference_eval, verify_rop

FAST = get_mode(MODES[1])            # every FAST_RUN rewrite
NAIVE = Mode(FAST.linker, None)      # no rewrite at all
FLOATS = ("float32", "float64")
RNG = np.random.default_rng(0)


def op_names(f) -> list[str]:
    return [str(node.op) for node in f.maker.fgraph.toposort()]


def elemwise_names(f) -> list[str]:
    """The elementwise functions the compiled graph runs, in order (DimShuffles of
    constants, which canonicalization folds away, left out)."""
    return [op.removeprefix("Elemwise{").removesuffix("}") for op in op_names(f)
            if op.startswith("Elemwise{")]


def rewritten_and_naive(inputs, output, values):
    fast = symtorch.function(inputs, output, mode=FAST)
    naive = symtorch.function(inputs, output, mode=NAIVE)
    return fast, fast(*values), naive(*values)


# -- powers -----------------------------------------------------------------------------------


POWERS = {  # exponent -> the elementwise ops the rewritten graph runs
    1: [],
    2: ["sqr"],
    4: ["sqr", "sqr"],
    5: ["sqr", "sqr", "mul"],
    8: ["sqr", "sqr", "sqr"],
    16: ["sqr", "sqr", "sqr", "sqr"],
    -4: ["sqr", "sqr", "reciprocal"],
    -1: ["reciprocal"],
    0.5: ["sqrt"],
    3: ["pow"],      # torch.pow computes x ** 3 in one pass, faster than x * x * x
    -2: ["pow"],     # likewise
    17: ["pow"],     # beyond repeated squaring's few-ulp range
    2.5: ["pow"],
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("exponent", list(POWERS))
def test_constant_powers_become_sqr_mul_reciprocal_or_sqrt(exponent, dtype):
    x = T.matrix("x", dtype=dtype)
    value = RNG.uniform(0.5, 1.5, size=(3, 4)).astype(dtype)
    fast, got, naive = rewritten_and_naive([x], x ** exponent, [value])
    assert elemwise_names(fast) == POWERS[exponent]
    rtol = 1e-5 if dtype == "float32" else 1e-13
    assert_allclose(got, (value.astype(np.float64) ** exponent).astype(dtype), rtol=rtol)
    assert_allclose(got, naive, rtol=rtol)


@pytest.mark.parametrize("name, exponent", [("pow_to_sqr_and_mul", 4), ("pow_minus_one_to_reciprocal", -1),
                                            ("pow_half_to_sqrt", 0.5)])
def test_each_power_rewrite_can_be_excluded_by_name(name, exponent):
    x = T.dvector("x")
    f = symtorch.function([x], x ** exponent, mode=FAST.excluding(name))
    assert elemwise_names(f) == ["pow"]


def test_powers_of_integers_and_broadcast_exponents():
    i = T.lvector("i")
    f = symtorch.function([i], [i ** 4, i ** -1], mode=FAST)
    assert op_names(f).count("Elemwise{pow}") == 2  # integer pow is exact; kept
    assert_allclose(f(np.array([2, 3]))[0], np.array([16, 81]))
    x = T.dvector("x")
    g = symtorch.function([x], x ** T.constant(np.full((1, 1), 4.0)), mode=FAST)
    assert g.maker.fgraph.outputs[0].type.shape == (1, None)
    assert_allclose(g(np.array([2.0, 3.0])), np.array([[16.0, 81.0]]))


def test_special_values_of_powers_are_unchanged():
    x = T.dvector("x")
    special = np.array([-np.inf, -1.0, -0.0, 0.0, 4.0, np.inf, np.nan])
    fast, got, naive = rewritten_and_naive([x], [x ** 0.5, x ** -1, x ** 4, x ** -4], [special])
    assert elemwise_names(fast) == ["sqrt", "reciprocal", "sqr", "sqr", "reciprocal"]
    for g, n in zip(got, naive):
        np.testing.assert_array_equal(np.signbit(g), np.signbit(n))
        assert_allclose(g, n)


def test_sqrt_of_negative_numbers_is_nan_like_the_power():
    x = T.dvector("x")
    fast, got, naive = rewritten_and_naive([x], x ** 0.5, [np.array([-1.0, 0.0, 4.0])])
    assert elemwise_names(fast) == ["sqrt"]
    assert_allclose(got, naive)


# -- sum of squares ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("form", ["sum(x ** 2)", "sum(sqr(x))", "sum(x * x)", "x.norm(2) ** 2"])
def test_sum_of_squares_over_all_axes_becomes_one_dot(form, dtype):
    x = T.matrix("x", dtype=dtype)
    out = {"sum(x ** 2)": lambda: T.sum(x ** 2), "sum(sqr(x))": lambda: T.sum(T.sqr(x)),
           "sum(x * x)": lambda: (x * x).sum(), "x.norm(2) ** 2": lambda: T.sqrt((x ** 2).sum()) ** 2}[form]()
    value = RNG.normal(size=(40, 25)).astype(dtype)
    fast, got, naive = rewritten_and_naive([x], out, [value])
    assert "SumOfSquares" in op_names(fast) and "Sum{axis=[0, 1]}" not in op_names(fast)
    assert_allclose(got, np.asarray(np.sum(value.astype(np.float64) ** 2), dtype),
                    rtol=2e-6 if dtype == "float32" else 1e-12)
    excluded = symtorch.function([x], out, mode=FAST.excluding("sum_of_squares_to_dot"))
    assert "SumOfSquares" not in op_names(excluded)


def test_sums_of_squares_over_some_axes_or_of_integers_stay_sums():
    x, i = T.dmatrix("x"), T.lmatrix("i")
    f = symtorch.function([x, i], [T.sum(x ** 2, axis=1), T.sum(i ** 2)], mode=FAST)
    assert "SumOfSquares" not in op_names(f)
    got = f(np.ones((2, 3)), np.full((2, 2), 3))
    assert_allclose(got[0], np.full(2, 3.0))
    assert_allclose(got[1], np.asarray(36))


def test_sum_of_squares_of_empty_and_zero_dimensional_arrays():
    x, s = T.dvector("x"), T.dscalar("s")
    f = symtorch.function([x, s], [T.sum(x ** 2), T.sum(s ** 2)], mode=FAST)
    assert op_names(f).count("SumOfSquares") == 2
    got = f(np.zeros(0), 3.0)
    assert_allclose(got[0], np.asarray(0.0))
    assert_allclose(got[1], np.asarray(9.0))


# -- dot + bias -> addmm / addmv ---------------------------------------------------------------


def _dense(dtype, n=6, k=5, m=4, static=True):
    """x (unknown rows), W and b with static shapes (as a layer's parameters declare)."""
    x = T.tensor(dtype, shape=(None, k), name="x")
    W = T.tensor(dtype, shape=(k, m) if static else (None, None), name="W")
    b = T.tensor(dtype, shape=(m,) if static else (None,), name="b")
    values = [RNG.normal(size=s).astype(dtype) for s in ((n, k), (k, m), (m,))]
    return (x, W, b), values


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("form", ["dot(x, W) + b", "b + dot(x, W)", "x @ W + b"])
def test_dot_plus_bias_becomes_addmm(form, dtype):
    (x, W, b), values = _dense(dtype)
    out = {"dot(x, W) + b": lambda: T.dot(x, W) + b, "b + dot(x, W)": lambda: b + T.dot(x, W),
           "x @ W + b": lambda: x @ W + b}[form]()
    fast, got, naive = rewritten_and_naive([x, W, b], out, values)
    assert "AddMM" in op_names(fast) and not any(op in op_names(fast) for op in ("Dot", "MatMul"))
    xv, Wv, bv = (v.astype(np.float64) for v in values)
    assert_allclose(got, (xv @ Wv + bv).astype(dtype), rtol=1e-5 if dtype == "float32" else 1e-12)
    excluded = symtorch.function([x, W, b], out, mode=FAST.excluding("dot_plus_bias_to_addmm"))
    assert "AddMM" not in op_names(excluded)


@pytest.mark.parametrize("form", ["dot(v, W) + b", "dot(A, u) + c"])
def test_vector_matrix_products_plus_bias_become_addmv(form):
    (_, W, b), (_, Wv, bv) = _dense("float64")
    v, u, c = T.dvector("v"), T.tensor("float64", shape=(4,), name="u"), T.dscalar("c")
    vv, uv = RNG.normal(size=5), RNG.normal(size=4)
    if form == "dot(v, W) + b":
        inputs, out, values, expected = [v, W, b], T.dot(v, W) + b, [vv, Wv, bv], vv @ Wv + bv
    else:
        inputs, out, values, expected = [W, u, c], T.dot(W, u) + c, [Wv, uv, 1.5], Wv @ uv + 1.5
    fast, got, naive = rewritten_and_naive(inputs, out, values)
    assert "AddMV" in op_names(fast) and "Dot" not in op_names(fast)
    assert_allclose(got, expected)


def test_addmm_is_not_used_where_it_would_cost_more_or_change_results():
    (x, W, b), values = _dense("float64", static=False)
    (_, W2, b2), _ = _dense("float64")
    f32 = T.tensor("float32", shape=(None, 5), name="f32")
    cases = {
        "unknown parameter shapes": ([x, W, b], T.dot(x, W) + b),
        "product used twice": ([x, W2, b2], [T.dot(x, W2) + b2, T.dot(x, W2)]),
        "product upcast by the bias": ([f32, W2, b2], T.dot(f32, T.cast(W2, "float32")) + b2),
        "integer product": ([], T.dot(np.ones((2, 2), "int64"), T.lvector("i")) + 1),
    }
    for name, (inputs, out) in cases.items():
        if not inputs:
            inputs = [i for i in symtorch.graph.graph_inputs([out]) if i.name == "i"]
        f = symtorch.function(inputs, out, mode=FAST)
        assert "AddMM" not in op_names(f) and "AddMV" not in op_names(f), name


def test_a_bias_longer_than_the_product_still_broadcasts():
    """dot(x, w) of one column + a bias of 3: the types cannot prove the bias fits, so the
    rewrite leaves it; AddMM built directly checks when it runs and broadcasts."""
    x, w, b = T.dmatrix("x"), T.dmatrix("w"), T.dmatrix("b")
    xv, wv, bv = RNG.normal(size=(2, 4)), RNG.normal(size=(4, 1)), RNG.normal(size=(1, 3))
    for mode in MODES:
        f = symtorch.function([x, w, b], add_mm(b, x, w), mode=mode)
        assert_allclose(f(xv, wv, bv), bv + xv @ wv)
        assert_allclose(f(xv, RNG.normal(size=(4, 3)), bv).shape, (2, 3), check_dtype=False)


# -- the fused ops ---------------------------------------------------------------------------


BIASES = {"row": (1, 4), "vector": (4,), "scalar": (), "matrix": (3, 4), "column": (3, 1)}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("bias", list(BIASES))
def test_addmm_values_shapes_and_reference(bias, dtype, mode):
    c = T.tensor(dtype, shape=(None,) * len(BIASES[bias]), name="c")
    a, b = T.matrix("a", dtype=dtype), T.matrix("b", dtype=dtype)
    out = add_mm(c, a, b)
    assert out.dtype == dtype and out.ndim == 2
    values = [RNG.normal(size=s).astype(dtype) for s in (BIASES[bias], (3, 5), (5, 4))]
    expected = values[0] + values[1] @ values[2]
    f = symtorch.function([c, a, b], out, mode=mode)
    assert_allclose(f(*values), expected)
    assert_allclose(reference_eval([out], dict(zip([c, a, b], values)))[0], expected)
    check_infer_shape([c, a, b], [out], values, mode=mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_addmv_and_sum_of_squares_values_shapes_and_reference(dtype, mode):
    c, A, v = T.vector("c", dtype=dtype), T.matrix("A", dtype=dtype), T.vector("v", dtype=dtype)
    x = T.tensor3("x", dtype=dtype)
    outs = [add_mv(c, A, v), sum_of_squares(x)]
    values = [RNG.normal(size=s).astype(dtype) for s in ((3,), (3, 5), (5,), (2, 3, 4))]
    expected = [values[0] + values[1] @ values[2], np.asarray(np.sum(values[3] ** 2), dtype)]
    got = symtorch.function([c, A, v, x], outs, mode=mode)(*values)
    for g, e in zip(got, expected):
        assert_allclose(g, e)
    for r, e in zip(reference_eval(outs, dict(zip([c, A, v, x], values))), expected):
        assert_allclose(r, e)
    check_infer_shape([c, A, v, x], outs, values, mode=mode)


def test_static_shapes_of_the_fused_products():
    a = T.tensor("float64", shape=(None, 5))
    b = T.tensor("float64", shape=(5, 4))
    assert add_mm(T.tensor("float64", shape=(1, 4)), a, b).type.shape == (None, 4)
    assert add_mm(T.tensor("float64", shape=(7, 1)), a, b).type.shape == (7, 4)
    assert add_mv(T.dscalar(), T.tensor("float64", shape=(3, 5)), T.dvector()).type.shape == (3,)
    assert bias_fits_product(add_mm(T.tensor("float64", shape=(1, None)), a, b).owner)
    assert not bias_fits_product(add_mm(T.dmatrix(), T.dmatrix(), T.dmatrix()).owner)


def test_fused_products_reject_bad_inputs_naming_them():
    a, b, c = T.dmatrix("a"), T.dmatrix("b"), T.dvector("c")
    with pytest.raises(TypeError, match="'a'"):
        AddMM()(c, T.dvector("a"), b)
    with pytest.raises(TypeError, match="'c'"):
        AddMV()(T.dmatrix("c"), a, c)
    with pytest.raises(TypeError, match="'f'.*float32"):
        add_mm(c, T.fmatrix("f"), b)
    with pytest.raises(TypeError, match="'i'"):
        add_mm(c, T.lmatrix("i"), T.lmatrix("j"))
    with pytest.raises(ValueError, match="do not align"):
        add_mm(c, T.tensor("float64", shape=(2, 3), name="p"), T.tensor("float64", shape=(4, 2)))
    with pytest.raises(ValueError, match="does not broadcast"):
        add_mm(T.tensor("float64", shape=(3, 3), name="q"), T.tensor("float64", shape=(2, 3)), b)
    with pytest.raises(TypeError, match="'n'"):
        sum_of_squares(T.lvector("n"))
    with pytest.raises(TypeError, match="'h'"):
        SumOfSquares()(T.vector("h", dtype="float16"))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("bias", ["row", "vector", "scalar", "matrix"])
def test_addmm_gradient(bias, dtype, mode):
    values = [RNG.normal(size=s).astype(dtype) for s in (BIASES[bias], (3, 2), (2, 4))]
    tol = {"abs_tol": 5e-3, "rel_tol": 5e-3} if dtype == "float32" else {}
    verify_grad(add_mm, values, mode=mode, **tol)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_addmv_and_sum_of_squares_gradients(dtype, mode):
    tol = {"abs_tol": 5e-3, "rel_tol": 5e-3} if dtype == "float32" else {}
    verify_grad(add_mv, [RNG.normal(size=s).astype(dtype) for s in ((3,), (3, 2), (2,))],
                mode=mode, **tol)
    verify_grad(add_mv, [RNG.normal(size=s).astype(dtype) for s in ((), (3, 2), (2,))],
                mode=mode, **tol)
    verify_grad(sum_of_squares, [RNG.normal(size=(2, 3)).astype(dtype)], mode=mode, **tol)


def test_gradient_where_the_product_broadcasts_against_a_longer_bias():
    verify_grad(add_mm, [RNG.normal(size=s) for s in ((3, 4), (1, 2), (2, 4))])
    verify_grad(add_mm, [RNG.normal(size=s) for s in ((3, 4), (3, 2), (2, 1))])


@pytest.mark.parametrize("mode", MODES)
def test_r_ops_of_the_fused_products(mode):
    verify_rop(add_mm, [RNG.normal(size=s) for s in ((4,), (3, 2), (2, 4))], mode=mode)
    verify_rop(add_mm, [RNG.normal(size=s) for s in ((3, 4), (1, 2), (2, 4))], mode=mode)
    verify_rop(add_mv, [RNG.normal(size=s) for s in ((), (3, 2), (2,))], mode=mode)
    verify_rop(sum_of_squares, [RNG.normal(size=(2, 3))], mode=mode)


def test_r_op_with_a_tangent_for_the_bias_only_has_the_output_shape():
    c, a, b, vc = T.dvector("c"), T.dmatrix("a"), T.dmatrix("b"), T.dvector("vc")
    jvp = symtorch.Rop(add_mm(c, a, b), [c], [vc])
    f = symtorch.function([c, a, b, vc], jvp, on_unused_input="ignore", mode=MODES[0])
    got = f(np.zeros(4), np.zeros((3, 2)), np.zeros((2, 4)), np.arange(4.0))
    assert_allclose(got, np.tile(np.arange(4.0), (3, 1)))


def test_second_derivatives_of_the_fused_products():
    def hessian_row(c, a, b):
        return T.grad(T.sum(add_mm(c, a, b) ** 2), a)

    verify_grad(hessian_row, [RNG.normal(size=s) for s in ((4,), (3, 2), (2, 4))])
    verify_grad(lambda x: T.grad(sum_of_squares(x) ** 2, x), [RNG.normal(size=(2, 3))])


# -- the phase ---------------------------------------------------------------------------------


def test_fast_compile_runs_no_specialization():
    (x, W, b), values = _dense("float64")
    outs = [x ** 4, x ** -1, abs(x) ** 0.5, T.sum(x ** 2), T.dot(x, W) + b]
    f = symtorch.function([x, W, b], outs, mode="FAST_COMPILE")
    ops = op_names(f)
    assert ops.count("Elemwise{pow}") == 4 and "Dot" in ops
    assert not any(name in op for op in ops
                   for name in ("sqr", "reciprocal", "sqrt", "SumOfSquares", "AddMM"))
    xv, Wv, bv = values
    got = f(*values)
    assert_allclose(got[4], xv @ Wv + bv)


def test_each_specialization_is_tagged_for_fast_run_only():
    from symtorch.rewriting import NodeRewriter, rewrite_db, specialize
    names = [name for name, obj in vars(specialize).items() if isinstance(obj, NodeRewriter)]
    assert len(names) == 5
    for name in names:
        entry = rewrite_db.entries[name]
        assert entry.phase == "specialize"
        assert {"fast_run", "specialize"} <= entry.tags and "fast_compile" not in entry.tags
        assert entry.rewriter.__doc__ and "->" in entry.rewriter.__doc__

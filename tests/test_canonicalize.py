"""Canonicalization (symtorch/rewriting/canonicalize.py and shape_rewrites.py): one test
per rewrite showing the graph after it (and, where it matters, without it) and the values
unchanged; the seed's gradient; a property test over random graphs."""

import runpy
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import symtorch.tensor as T
from symtorch import function, pp
from symtorch.compile.mode import Mode, get_mode
from symtorch.rewriting.canonicalize import holds_exactly
from symtorch.rewriting.shape_rewrites import ShapeKeys
from symtorch.tensor.elemwise import DimShuffle, Elemwise
from symtorch.tensor.math import cast_scalar_op
from symtorch.tensor.shape import make_vector, specify_shape
from symtorch.testing import MODES, assert_allclose
from symtorch.testing.strategies import expression_graphs

FAST_RUN = MODES[1]  # FAST_RUN's rewrites (with the plain-torch backend unless asked)
NONE = Mode(optimizer=None)


def ops(f):
    """The compiled graph's ops in topological order (scalar row names for Elemwise)."""
    return [n.op.scalar_op.name if isinstance(n.op, Elemwise) else type(n.op).__name__
            for n in f.maker.fgraph.toposort()]


def compiled(inputs, output, mode=FAST_RUN):
    return function(inputs, output, mode=mode, on_unused_input="ignore")


def check(inputs, output, values, expected_ops, *, rewrite=None, without=None):
    """Compile with FAST_RUN's rewrites: the graph's ops are `expected_ops`, the values
    those of the unrewritten graph (dtype included). With `rewrite`, excluding it gives
    a graph whose ops include `without` (the rewrite did the work)."""
    f = compiled(inputs, output)
    assert ops(f) == expected_ops, pp(f.maker.fgraph.outputs[0])
    assert_allclose(f(*values), compiled(inputs, output, NONE)(*values))
    if rewrite is not None:
        g = compiled(inputs, output, get_mode(FAST_RUN).excluding(rewrite))
        assert set(without) <= set(ops(g)), ops(g)
        assert_allclose(g(*values), f(*values))
    return f


def printed(f):
    return pp(f.maker.fgraph.outputs[0])


# -- the seed: the gradient of x ** 2 ----------------------------------------------------------


def test_seed_gradient_of_x_squared_is_one_node_two_times_x():
    x = T.dscalar("x")
    gy = T.grad(x ** 2, x)
    f = function([x], gy, mode="FAST_RUN")  # the real FAST_RUN (not called: no Inductor compile)
    assert len(f.maker.fgraph.apply_nodes) == 1
    assert printed(f) == "(TensorConstant{2.0} * x)"
    g = compiled([x], gy)
    assert printed(g) == "(TensorConstant{2.0} * x)"
    assert g(4.0) == 8.0 and np.allclose(g(94.2), 188.4)


def test_seed_fast_compile_folds_constants_but_keeps_the_scaffolding():
    x = T.dscalar("x")
    f = function([x], T.grad(x ** 2, x), mode="FAST_COMPILE")
    assert printed(f) == "(TensorConstant{1.0} * (TensorConstant{2.0} * (x ** TensorConstant{1.0})))"
    assert f(3.0) == 6.0


def test_seed_example_prints_the_rewritten_gradient(capsys):
    example = Path(__file__).parent.parent / "examples" / "derivatives.py"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runpy.run_path(str(example), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    assert lines[3] == "(TensorConstant{2.0} * x)"


def test_gradient_of_a_sum_of_squares_is_two_times_x():
    x = T.dvector("x")
    f = check([x], T.grad(T.sum(x ** 2), x), [np.array([1.0, -2.0, 3.0])], ["mul"])
    assert printed(f) == "(TensorConstant{[2.]} * x)"


def test_gradient_of_a_sum_of_exp_is_exp():
    x = T.dmatrix("x")
    check([x], T.grad(T.sum(T.exp(x)), x), [np.arange(6.0).reshape(2, 3) / 4], ["exp"])


# -- + and * chains ------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [lambda x: (x * 2) * 3, lambda x: 2 * (x * 3),
                                   lambda x: (2 * x) * 3, lambda x: 3 * (2 * x)])
def test_constants_of_a_product_fold_into_one_placed_first(build):
    x = T.dscalar("x")
    f = check([x], build(x), [1.25], ["mul"], rewrite="fold_constants_in_chains",
              without=["mul"])
    assert printed(f) == "(TensorConstant{6.0} * x)"


def test_a_lone_constant_moves_first():
    x = T.dscalar("x")
    assert printed(check([x], x * 2, [1.5], ["mul"])) == "(TensorConstant{2.0} * x)"
    assert printed(check([x], x + 2, [1.5], ["add"])) == "(TensorConstant{2.0} + x)"


def test_constants_of_a_sum_fold_and_non_constants_keep_their_order():
    x, y = T.dscalars("x", "y")
    f = check([x, y], ((x + 1) + y) + 2, [1.5, 0.25], ["add", "add"])
    assert printed(f) == "(TensorConstant{3.0} + (x + y))"


@pytest.mark.parametrize("build", [lambda x: x * 1, lambda x: 1 * x, lambda x: x + 0,
                                   lambda x: (x * 2) * 0.5, lambda x: (x + 3) - 3])
def test_identities_disappear(build):
    x = T.dvector("x")
    f = check([x], build(x), [np.array([1.5, -2.0])], [])
    assert f.maker.fgraph.outputs[0] is f.maker.fgraph.inputs[0]


def test_times_minus_one_is_neg_and_a_neg_operand_joins_the_constant():
    x, y = T.dscalars("x", "y")
    assert ops(check([x], x * -1, [1.5], ["neg"])) == ["neg"]
    f = check([y], (-y) * 3, [1.5], ["mul"], rewrite="fold_constants_in_chains",
              without=["neg"])
    assert printed(f) == "(TensorConstant{-3.0} * y)"


def test_vector_constants_fold_elementwise():
    x = T.dvector("x")
    f = check([x], (x * np.array([1.0, 2.0, 3.0])) * 2, [np.array([1.0, 1.0, 2.0])], ["mul"])
    assert printed(f) == "(TensorConstant{[2., 4., 6.]} * x)"


def test_integer_chains_fold_with_wrap_around_like_the_original():
    x = T.bvector("x")
    f = check([x], (x * 100) * 3, [np.array([1, 2, -7], dtype=np.int8)], ["mul"])
    with np.errstate(over="ignore"):
        expected = (np.array([1, 2, -7], dtype=np.int8) * np.int8(100)) * np.int8(3)
    np.testing.assert_array_equal(f(np.array([1, 2, -7], dtype=np.int8)), expected)


def test_a_product_used_elsewhere_is_not_folded_into():
    x = T.dscalar("x")
    a = x * 2
    f = compiled([x], [a * 3, a])
    assert ops(f) == ["mul", "mul"]
    assert f(1.0) == [6.0, 2.0]


def test_square_of_the_same_variable_is_sqr():
    x = T.dvector("x")
    check([x], x * x, [np.array([1.5, -3.0])], ["sqr"], rewrite="mul_self_to_sqr",
          without=["mul"])


# -- minus and subtraction ----------------------------------------------------------------------


def test_double_negation_disappears():
    x = T.lvector("x")
    int_min = np.iinfo(np.int64).min
    f = check([x], T.neg(T.neg(x)), [np.array([int_min, 3])], [], rewrite="neg_of_neg_or_scaled",
              without=["neg"])
    np.testing.assert_array_equal(f(np.array([int_min, 3])), [int_min, 3])


def test_minus_a_scaled_value_negates_the_constant():
    x = T.dscalar("x")
    f = check([x], -(x * 2), [1.5], ["mul"], rewrite="neg_of_neg_or_scaled", without=["neg"])
    assert printed(f) == "(TensorConstant{-2.0} * x)"


@pytest.mark.parametrize("build, expected", [
    (lambda x, y: x - 2, "(TensorConstant{-2.0} + x)"),
    (lambda x, y: x - 0, "x"),
    (lambda x, y: 0 - x, "-x"),
    (lambda x, y: x - (-y), "(x + y)"),
    (lambda x, y: (x - 1) + 3, "(TensorConstant{2.0} + x)"),
])
def test_subtraction_forms(build, expected):
    x, y = T.dscalars("x", "y")
    f = check([x, y], build(x, y), [1.5, 0.25], ops(compiled([x, y], build(x, y))),
              rewrite="sub_canonical", without=["sub"])
    assert printed(f) == expected


@pytest.mark.parametrize("build", [lambda x, y: x + (-y), lambda x, y: (-y) + x])
def test_adding_a_negation_is_a_subtraction(build):
    x, y = T.dvectors("x", "y")
    f = check([x, y], build(x, y), [np.array([1.5]), np.array([0.25])], ["sub"],
              rewrite="add_neg_to_sub", without=["neg", "add"])
    assert printed(f) == "(x - y)"


# -- division and powers -------------------------------------------------------------------------


def test_division_by_a_power_of_two_is_an_exact_multiplication():
    x = T.dvector("x")
    f = check([x], x / 4, [np.array([1.0, 3.0, 1e-310])], ["mul"], rewrite="div_by_constant",
              without=["true_div"])
    assert printed(f) == "(TensorConstant{[0.25]} * x)"
    np.testing.assert_array_equal(f(np.array([1.0, 3.0, 1e-310])),
                                  np.array([1.0, 3.0, 1e-310]) / 4)


def test_division_by_another_constant_stays_a_division():
    x = T.dvector("x")
    check([x], x / 3, [np.array([1.0, 3.0])], ["true_div"])


def test_division_by_one_is_the_value_cast_to_float():
    x, i = T.dvector("x"), T.ivector("i")
    check([x], x / 1, [np.array([1.5])], [])
    check([i], i / 1, [np.array([3, 4], dtype=np.int32)], ["Cast{float64}"])
    check([x], x / -1, [np.array([1.5])], ["neg"])


@pytest.mark.parametrize("exponent, expected", [(1, []), (2, ["sqr"]), (3, None)])
def test_small_integer_powers(exponent, expected):
    x = T.dvector("x")
    f = compiled([x], x ** exponent, get_mode(FAST_RUN).excluding("specialize"))
    v = np.array([1.5, -2.0, np.nan])
    if expected is None:
        assert ops(f) == ["pow"]
    else:
        assert ops(f) == expected
    assert_allclose(f(v), v ** exponent)


def test_power_zero_is_ones_of_the_right_shape_and_dtype():
    x = T.fmatrix("x")
    f = check([x], x ** 0, [np.full((2, 3), np.nan, dtype=np.float32)],
              ["Shape_i", "Shape_i", "Alloc"],
              rewrite="pow_by_small_integer", without=["pow"])
    np.testing.assert_array_equal(f(np.zeros((2, 3), np.float32)), np.ones((2, 3), np.float32))


# -- exp and log ----------------------------------------------------------------------------------


def test_log_of_exp_is_x_and_no_longer_overflows():
    x = T.dvector("x")
    v = np.array([-800.0, 0.5, 1000.0])
    f = check([x], T.log(T.exp(x)), [np.array([0.5, -1.0])], [], rewrite="log_of_exp",
              without=["exp", "log"])
    with np.errstate(over="ignore", divide="ignore"):
        naive = compiled([x], T.log(T.exp(x)), NONE)(v)
    assert np.isinf(naive[0]) and np.isinf(naive[2])
    np.testing.assert_array_equal(f(v), v)


def test_exp_of_log_of_a_value_of_unknown_sign_keeps_nan_for_negatives():
    x = T.dvector("x")
    v = np.array([2.0, 0.0, -1.0, np.nan])
    f = check([x], T.exp(T.log(x)), [v], ["ge", "switch"], rewrite="exp_of_log",
              without=["exp", "log"])
    np.testing.assert_array_equal(f(v), [2.0, 0.0, np.nan, np.nan])


def test_exp_of_log_of_a_non_negative_value_is_the_value():
    x = T.dvector("x")
    check([x], T.exp(T.log(T.abs(x))), [np.array([2.0, -3.0, 0.0])], ["abs"])


# -- casts -----------------------------------------------------------------------------------------


def test_cast_to_the_own_dtype_disappears():
    x = T.dvector("x")
    same = Elemwise(cast_scalar_op("float64"))(x)
    f = check([x], same, [np.array([1.5])], [], rewrite="useless_cast", without=["Cast{float64}"])
    assert f.maker.fgraph.outputs[0] is f.maker.fgraph.inputs[0]


def test_an_exact_round_trip_of_casts_disappears():
    x = T.fvector("x")
    check([x], T.cast(T.cast(x, "float64"), "float32"), [np.array([1.1], np.float32)], [],
          rewrite="useless_cast", without=["Cast{float64}", "Cast{float32}"])


def test_an_inexact_round_trip_of_casts_stays():
    x = T.dvector("x")
    check([x], T.cast(T.cast(x, "float32"), "float64"), [np.array([1.1])],
          ["Cast{float32}", "Cast{float64}"])
    i = T.lvector("i")
    check([i], T.cast(T.cast(i, "float64"), "int64"), [np.array([2 ** 53 + 1])],
          ["Cast{float64}", "Cast{int64}"])


def test_a_widening_cast_before_another_cast_is_skipped():
    i = T.ivector("i")
    check([i], T.cast(T.cast(i, "float64"), "int8"), [np.array([3, 300], np.int32)],
          ["Cast{int8}"])


@pytest.mark.parametrize("src, dst, exact", [
    ("bool", "float16", True), ("int8", "float16", True), ("int16", "float16", False),
    ("int32", "float64", True), ("int32", "float32", False), ("int64", "float64", False),
    ("uint8", "int8", False), ("uint8", "int16", True), ("int8", "int64", True),
    ("float16", "float32", True), ("bfloat16", "float32", True), ("float16", "bfloat16", False),
    ("float32", "complex64", True), ("float64", "complex64", False), ("complex64", "float64", False),
    ("float32", "int64", False), ("int64", "bool", False),
])
def test_holds_exactly(src, dst, exact):
    assert holds_exactly(src, dst) is exact


# -- shapes ------------------------------------------------------------------------------------------


def test_shape_keys_are_equal_exactly_for_lengths_known_equal():
    x, y = T.dmatrices("x", "y")
    v = T.tensor("float64", shape=(1, None), name="v")
    keys = ShapeKeys()
    e = T.exp(x)
    assert keys.shape(e) == keys.shape(x) == keys.shape(T.tanh(e) * 2)
    assert keys.length(e.shape[0]) == keys.length(T.shape_i(x, 0))
    assert keys.shape(x + v)[1] != keys.shape(x)[1]          # v may be longer than x
    assert keys.shape(x + v)[0] == keys.shape(x)[0]          # v has length 1 there
    assert keys.shape((x + y) * x) == keys.shape(x + y)      # broadcasting is associative
    assert keys.shape(x.T) == keys.shape(x)[::-1]
    assert keys.shape(x[1:])[1] == keys.shape(x)[1] != keys.shape(x[1:])[0]
    r = x.reshape((x.shape[1], x.shape[0]))
    assert keys.shape(r) == keys.shape(x)[::-1]
    assert keys.shape(T.constant(np.zeros((2, 3)))) == (keys.const(2), keys.const(3))


def test_a_known_length_is_a_constant_even_in_fast_compile():
    x = T.tensor("float64", shape=(2, None), name="x")
    for mode in MODES:
        f = compiled([x], x.shape[0] * x.shape[1], mode)
        assert "Shape" not in ops(f)
        assert f(np.zeros((2, 5))) == 10


def test_a_fully_known_shape_is_a_constant_vector():
    x = T.tensor("float64", shape=(2, 3), name="x")
    f = check([x], x.shape, [np.zeros((2, 3))], [], rewrite="shape_of_known_shape",
              without=["Shape"])
    np.testing.assert_array_equal(f(np.zeros((2, 3))), [2, 3])


def test_the_shape_of_an_op_output_no_longer_needs_the_value():
    x = T.dmatrix("x")
    f = check([x], T.exp(x).shape[1], [np.zeros((2, 3))], ["Shape_i"],
              rewrite="shape_i_from_infer_shape", without=["exp"])
    assert f.maker.fgraph.outputs[0].owner.inputs[0] is f.maker.fgraph.inputs[0]


def test_a_shape_vector_of_an_op_output_no_longer_needs_the_value():
    x = T.dmatrix("x")
    f = check([x], T.tanh(x).shape, [np.zeros((2, 3))], ["Shape_i", "Shape_i", "MakeVector"],
              rewrite="shape_to_lengths", without=["tanh", "Shape"])
    np.testing.assert_array_equal(f(np.zeros((2, 3))), [2, 3])


def test_broadcast_lengths_are_inferred_only_when_the_value_feeds_nothing_else():
    x, y = T.dvectors("x", "y")
    s = x + y
    shape_only = compiled([x, y], s.shape[0])
    assert all(node.outputs[0].ndim == 0 for node in shape_only.maker.fgraph.apply_nodes)
    both = compiled([x, y], [s, s.shape[0]])
    assert ops(both).count("Shape_i") == 1 and "eq" not in ops(both)
    for f in (shape_only, both):
        got = f(np.zeros(1), np.zeros(3))
        assert (got[-1] if isinstance(got, list) else got) == 3


def test_an_entry_of_a_shape_or_of_a_make_vector_is_read_directly():
    x = T.dmatrix("x")
    a, b = T.lscalars("a", "b")
    check([x], x.shape[-1], [np.zeros((2, 3))], ["Shape_i"], rewrite="entry_of_shape_vector",
          without=["Shape", "Subtensor"])
    f = check([a, b], make_vector(a, b)[1] + 1, [2, 5], ["add"])
    assert f(2, 5) == 6


# -- alloc, sum_to and the scaffolding of gradients ----------------------------------------------------


def test_alloc_of_a_value_that_already_has_the_shape_is_the_value():
    x = T.dmatrix("x")
    check([x], T.alloc(x, x.shape[0], x.shape[1]), [np.ones((2, 3))], [],
          rewrite="useless_alloc", without=["Alloc"])
    s = T.dscalar("s")
    check([s], T.alloc(s), [2.0], [])
    v = T.dvector("v")
    check([v], T.alloc(v, 1, v.shape[0]), [np.ones(3)], ["DimShuffle"])


def test_alloc_of_an_alloc_is_one_alloc():
    v, n, m = T.dscalar("v"), T.lscalar("n"), T.lscalar("m")
    check([v, n, m], T.alloc(T.alloc(v, n), m, n), [1.5, 3, 2], ["Alloc"])


def test_ones_like_x_times_x_is_x():
    x = T.dmatrix("x")
    check([x], T.ones_like(x) * x, [np.arange(6.0).reshape(2, 3)], [],
          rewrite="alloc_in_elemwise", without=["Alloc"])


def test_an_alloc_that_sets_the_shape_stays():
    y, n = T.dvector("y"), T.lscalar("n")
    f = check([y, n], T.alloc(2.0, n) * y, [np.array([1.5]), 3], ["Alloc", "mul"])
    np.testing.assert_array_equal(f(np.array([1.5]), 3), [3.0, 3.0, 3.0])


def test_a_function_of_an_alloc_runs_on_the_value_only():
    v, n = T.dvector("v"), T.lscalar("n")
    f = check([v, n], T.exp(T.alloc(v, n, 2)), [np.array([0.0, 1.0]), 3], ["exp", "Alloc"],
              rewrite="unary_of_alloc", without=["Alloc", "exp"])
    assert f.maker.fgraph.outputs[0].owner.op.__class__.__name__ == "Alloc"


def test_sum_to_the_own_shape_is_the_value():
    x = T.dmatrix("x")
    y = T.exp(x) * x
    check([x], T.sum_to(y, x), [np.ones((2, 3))], ["exp", "mul"], rewrite="useless_sum_to",
          without=["SumTo"])
    g = T.dmatrix("g")
    check([x, g], T.sum_to(g * x, x), [np.ones((2, 3)), np.ones((1, 3))],
          ["mul", "Shape_i", "Shape_i", "SumTo"])  # g * x may be larger than x


def test_sum_to_of_sum_to_is_one_sum_to():
    g, a, b = T.dmatrix("g"), T.dmatrix("a"), T.dmatrix("b")
    v = [np.arange(6.0).reshape(2, 3), np.zeros((1, 3)), np.zeros((1, 1))]
    check([g, a, b], T.sum_to(T.sum_to(g, a), b), v, ["Shape_i", "Shape_i", "SumTo"],
          rewrite="sum_to_of_sum_to", without=["SumTo"])


# -- DimShuffle ------------------------------------------------------------------------------------------


def test_identity_and_consecutive_dimshuffles():
    x = T.dmatrix("x")
    v = [np.arange(6.0).reshape(2, 3)]
    check([x], DimShuffle(2, (0, 1))(x), v, [], rewrite="useless_dimshuffle",
          without=["DimShuffle"])
    check([x], x.T.T, v, [], rewrite="merge_dimshuffles", without=["DimShuffle"])
    f = check([x], x.dimshuffle(0, "x", 1).dimshuffle(2, 0, 1), v, ["DimShuffle"])
    assert str(f.maker.fgraph.toposort()[0].op) == "DimShuffle{1,0,x}"


def test_a_dimshuffle_travels_through_elementwise_ops_to_the_inputs():
    x = T.dmatrix("x")
    f = check([x], (T.exp(x.T) * 2).T, [np.arange(6.0).reshape(2, 3)], ["exp", "mul"],
              rewrite="lift_dimshuffle", without=["DimShuffle"])
    assert printed(f) == "(TensorConstant{[[2.]]} * exp(x))"


def test_a_dimshuffle_of_a_shared_elementwise_result_stays():
    x = T.dmatrix("x")
    e = T.exp(x)
    f = compiled([x], [e, e.T])
    assert ops(f) == ["exp", "DimShuffle"]


# -- reshape, subtensor, specify_shape ------------------------------------------------------------------


def test_reshape_to_the_own_shape_is_the_value():
    x = T.dmatrix("x")
    v = [np.arange(6.0).reshape(2, 3)]
    check([x], x.reshape(x.shape), v, [], rewrite="useless_reshape", without=["Reshape"])
    check([x], x.reshape((x.shape[0], -1)), v, [])
    check([x], x.reshape((-1, x.shape[1])), v, [])
    f = check([x], x.reshape((x.shape[1], -1)), v, ["Shape_i", "MakeVector", "Reshape"])
    assert f(*v).shape == (3, 2)


def test_reshape_of_reshape_is_one_reshape():
    x = T.dmatrix("x")
    check([x], x.reshape((3, 2)).reshape((6,)), [np.arange(6.0).reshape(2, 3)], ["Reshape"],
          rewrite="reshape_of_reshape", without=["Reshape"])


@pytest.mark.parametrize("shape, index", [
    ((None, 3), lambda x: x[:]), ((None, 3), lambda x: x[0:]), ((None, 3), lambda x: x[::1]),
    ((None, 3), lambda x: x[:, :]), ((None, 3), lambda x: x[:x.shape[0]]),
    ((4, 3), lambda x: x[:100]),
])
def test_full_slices_are_the_value(shape, index):
    x = T.tensor("float64", shape=shape, name="x")
    check([x], index(x), [np.arange(12.0).reshape(4, 3)], [], rewrite="useless_subtensor",
          without=["Subtensor"])


@pytest.mark.parametrize("index", [lambda x: x[1:], lambda x: x[:-1], lambda x: x[::-1],
                                   lambda x: x[:, None], lambda x: x[0]])
def test_other_slices_stay(index):
    x = T.dmatrix("x")
    check([x], index(x), [np.arange(12.0).reshape(4, 3)], ["Subtensor"])


def test_specify_shape_of_what_the_type_already_knows_disappears():
    x = T.tensor("float64", shape=(2, None), name="x")
    check([x], specify_shape(x, (2, None)), [np.zeros((2, 3))], [],
          rewrite="useless_specify_shape", without=["SpecifyShape"])
    check([x], specify_shape(x, (2, 3)), [np.zeros((2, 3))], ["SpecifyShape"])


def test_the_final_phase_folds_constants_and_dimshuffles_left_by_later_phases():
    x = T.dvector("x")
    y = x + DimShuffle(0, ("x",))(T.constant(1.0))
    mode = Mode(optimizer=None).including("constant_folding_final", "useless_dimshuffle_final",
                                          "merge_dimshuffles_final")
    assert ops(compiled([x], y, mode)) == ["add"]
    assert ops(compiled([x], x.dimshuffle(0, "x").dimshuffle(0), mode)) == []
    assert ops(compiled([x], y, NONE)) == ["DimShuffle", "add"]


# -- all rewrites together keep the values ------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression_graphs(dtype="float64", max_ops=8))
def test_random_graphs_give_the_same_values_with_and_without_rewrites(graph):
    outputs = [graph.output, T.grad(T.sum(graph.output), graph.inputs[0],
                                    disconnected_inputs="ignore")]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no rewrite loop
        rewritten = compiled(graph.inputs, outputs)
    plain = compiled(graph.inputs, outputs, NONE)
    assert len(rewritten.maker.fgraph.apply_nodes) <= len(plain.maker.fgraph.apply_nodes)
    for got, expected in zip(rewritten(*graph.values), plain(*graph.values)):
        assert_allclose(got, expected, rtol=1e-9, atol=1e-12)

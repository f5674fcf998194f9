"""Elemwise over every row of the scalar table, and DimShuffle.

Each row is compiled once per mode into one function that holds the row at
every dtype it accepts (each dtype with its own broadcasting pattern), and
Hypothesis draws lengths and values for it: the compiled torch program must
agree with each op's NumPy `perform` (values and dtype). The references that
are helpers are checked against NumPy and known values; special values,
division by zero, rounding and the generated program have their own tests.
Dtype promotion and casts are in test_dtypes.py.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symtorch
import symtorch.tensor as T
from symtorch import function
from symtorch.tensor.elemwise import DimShuffle, Elemwise, elemwise_op
from symtorch.tensor.scalar import SCALAR_OPS, ScalarOp
from symtorch.testing import MODES, assert_allclose, check_infer_shape, reference_eval

DTYPES = ("bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128")
FEW = settings(max_examples=6, deadline=None)



# -- which dtypes each row accepts ---------------------------------------------------------

NOT_COMPLEX = {"int_div", "mod", "maximum", "minimum", "arctan2", "erf", "erfc", "erfinv", "gamma",
               "gammaln", "psi", "sigmoid", "softplus", "floor", "ceil", "trunc",
               "round_half_to_even", "lt", "gt", "le", "ge", "clip"}
DISCRETE_ONLY = {"and_", "or_", "xor", "invert"}
NOT_BOOL = {"sub", "neg", "sgn"}  # NumPy refuses these on booleans too


def refuses(name: str, dtype: str) -> bool:
    """The dtypes a row refuses, by design (the rows document why)."""
    kind = dtype[:3]
    return ((name in NOT_COMPLEX and kind == "com")
            or (name in DISCRETE_ONLY and kind in ("flo", "com"))
            or (name in NOT_BOOL and dtype == "bool"))


def accepted(name: str) -> list[str]:
    return [d for d in DTYPES if not refuses(name, d)]


@pytest.mark.parametrize("name", sorted(SCALAR_OPS))
def test_each_row_accepts_exactly_its_dtypes_and_refuses_the_rest_when_built(name):
    row = SCALAR_OPS[name]
    for dtype in DTYPES:
        args = [T.tensor(dtype, shape=(None,), name=f"x{i}") for i in range(row.nin)]
        if refuses(name, dtype):
            with pytest.raises(TypeError, match=f"{name}\\('x0'"):
                elemwise_op(name)(*args)
        else:
            out = elemwise_op(name)(*args)
            assert isinstance(out.owner.op, Elemwise) and out.ndim == 1


def test_the_table_has_every_function_of_the_api():
    api = ("exp log log1p expm1 log2 log10 sqrt sqr abs sgn sign floor ceil round trunc sin cos "
           "tan arcsin arccos arctan arctan2 sinh cosh tanh arcsinh arccosh arctanh erf erfc "
           "erfinv gamma gammaln psi maximum minimum pow mod floor_div true_div clip switch where "
           "eq neq lt gt le ge and_ or_ xor invert isnan isinf isclose allclose real imag conj "
           "angle cast").split()
    missing = [name for name in api if not callable(getattr(T, name, None))]
    assert not missing
    assert all(isinstance(row, ScalarOp) and row.name == name for name, row in SCALAR_OPS.items())


# -- values: the compiled program against perform, for every row ------------------------------

# Broadcasting patterns (static shapes), one per dtype in turn: matrix with matrix, a scalar
# with a matrix, a row with a column (static length-1 dims), different ranks (DimShuffle pads
# on the left), a tensor3 with a static (1, 1).
PATTERNS = {
    1: [(None,), (None, None), (), (1, None), (None, None, None)],
    2: [((None, None), (None, None)), ((), (None, None)), ((1, None), (None, 1)),
        ((None,), (None, None, None)), ((None, None, None), (1, 1)), ((None, None), ())],
    3: [((None,), (None,), (None,)), ((None, None), (), (1, None)), ((), (None, 1), (1, None)),
        ((None, None, None), (None,), ())],
}

# Value ranges per row, for real dtypes (integers are drawn in [-5, 5], [0, 10] unsigned).
# Wide ranges are fine where NumPy and torch agree on nan/inf; the narrow ones keep away from
# where float32 results are ill-conditioned (poles, erfinv near +-1).
DOMAIN = {"erfinv": (-0.95, 0.95), "gamma": (0.05, 5.0), "gammaln": (0.05, 6.0),
          "psi": (0.05, 6.0), "tan": (-1.4, 1.4)}
INT_DOMAIN = {"pow": (0, 4)}  # integer ** negative: see test_integer_power_with_negative_exponents


def draw_values(name: str, dtype: str, shape: tuple, rng: np.random.Generator,
                position: int) -> np.ndarray:
    np_dtype = np.dtype(dtype)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if np_dtype.kind in "iu":
        lo, hi = INT_DOMAIN.get(name, (0, 10) if np_dtype.kind == "u" else (-5, 5))
        if name == "pow" and position == 0:
            lo, hi = (0, 3) if np_dtype.kind == "u" else (-3, 3)
        return rng.integers(lo, hi, size=shape, endpoint=True).astype(np_dtype)
    lo, hi = DOMAIN.get(name, (-3.0, 3.0))
    values = rng.uniform(lo, hi, shape)
    if name == "round_half_to_even":
        values = np.round(values * 2) / 2  # many exact ties
    elif np_dtype.kind == "f" and name not in DOMAIN:
        values = np.where(rng.random(shape) < 0.2, np.round(values), values)  # some integers
    if np_dtype.kind == "c":
        values = values + 1j * rng.uniform(-2, 2, shape)
    return values.astype(np_dtype)


@functools.cache
def row_function(name: str, mode: str):
    """One compiled function computing row `name` at every dtype it accepts."""
    row = SCALAR_OPS[name]
    patterns = PATTERNS[row.nin]
    inputs, outputs = [], []
    for k, dtype in enumerate(accepted(name)):
        pattern = patterns[k % len(patterns)]
        if row.nin == 1:
            pattern = (pattern,)
        args = [T.tensor(dtype, shape=shape, name=f"{dtype}_{i}") for i, shape in enumerate(pattern)]
        inputs.append(args)
        outputs.append(elemwise_op(name)(*args))
    flat = [x for args in inputs for x in args]
    return inputs, outputs, function(flat, outputs, mode=mode)


def concrete_shape(static: tuple, lengths: tuple) -> tuple:
    """The runtime shape for a static shape: its unknown lengths from the broadcast
    result's (`lengths`, right-aligned), its 1s as they are."""
    tail = lengths[len(lengths) - len(static):] if static else ()
    return tuple(1 if s == 1 else n for s, n in zip(static, tail))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(SCALAR_OPS))
@FEW
@given(lengths=st.tuples(*[st.integers(0, 4)] * 3), seed=st.integers(0, 2**32 - 1))
def test_compiled_row_matches_perform_at_every_dtype(name, mode, lengths, seed):
    inputs, outputs, f = row_function(name, mode)
    rng = np.random.default_rng(seed)
    values = [[draw_values(name, x.dtype, concrete_shape(x.type.shape, lengths), rng, i)
               for i, x in enumerate(args)] for args in inputs]
    flat_vars = [x for args in inputs for x in args]
    flat_values = [v for vs in values for v in vs]
    got = f(*flat_values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = reference_eval(outputs, dict(zip(flat_vars, flat_values)))
    for out, g, e, vs in zip(outputs, got, expected, values):
        assert g.dtype == np.dtype(out.dtype), f"{out.owner}: {g.dtype} vs type {out.dtype}"
        assert g.shape == np.broadcast_shapes(*[v.shape for v in vs])
        try:
            assert_allclose(g, e)
        except AssertionError as err:
            raise AssertionError(f"{name} at {[x.dtype for x in out.owner.inputs]}, inputs "
                                 f"{vs}: {err}") from None


# -- broadcasting and shapes -------------------------------------------------------------------

@FEW
@given(lengths=st.tuples(*[st.integers(1, 4)] * 3), seed=st.integers(0, 2**32 - 1))
def test_broadcasting_patterns_give_numpys_shape_and_static_shape(lengths, seed):
    rng = np.random.default_rng(seed)
    for pa, pb in PATTERNS[2]:
        a, b = T.tensor("float64", shape=pa, name="a"), T.tensor("float64", shape=pb, name="b")
        out = a * b - a
        va = rng.normal(size=concrete_shape(pa, lengths))
        vb = rng.normal(size=concrete_shape(pb, lengths))
        got = _compiled(a.type, b.type)(va, vb)
        np.testing.assert_allclose(got, va * vb - va)
        assert out.ndim == max(len(pa), len(pb))
        assert all(s is None or s == n for s, n in zip(out.type.shape, got.shape))


@functools.cache
def _compiled(type_a, type_b):
    a, b = type_a(), type_b()
    return function([a, b], a * b - a)


def test_a_row_and_a_column_broadcast_to_a_matrix_of_unknown_shape(mode):
    r, c = T.drow("r"), T.dcol("c")
    out = r + c
    assert out.type.shape == (None, None)
    f = function([r, c], out, mode=mode)
    assert_allclose(f(np.arange(3.0)[None], np.arange(2.0)[:, None]),
                    np.arange(3.0)[None] + np.arange(2.0)[:, None])


def test_inputs_of_lower_rank_are_padded_by_dimshuffle():
    x, v, s = T.dtensor3("x"), T.dvector("v"), T.dscalar("s")
    out = T.switch(s, x, v)
    padded = out.owner.inputs
    assert str(padded[0].owner.op) == "DimShuffle{x,x,x}" and padded[0].owner.inputs[0] is s
    assert str(padded[2].owner.op) == "DimShuffle{x,x,0}"
    assert padded[1] is x
    assert padded[2].type.shape == (1, 1, None)


def test_static_lengths_propagate_and_clash_when_built():
    a = T.tensor("float32", shape=(3, None, 1), name="a")
    b = T.tensor("float32", shape=(None, 4, 1), name="b")
    assert (a + b).type.shape == (3, 4, 1)
    assert (a + T.tensor("float32", shape=(1, 1, 1))).type.shape == (3, None, 1)
    with pytest.raises(TypeError, match="'a'.*'c'"):
        a + T.tensor("float32", shape=(5, None, 1), name="c")


def test_a_length_unknown_statically_may_broadcast_at_run_time(mode):
    x, y = T.dvector("x"), T.dmatrix("y")
    f = function([x, y], x + y, mode=mode)
    assert_allclose(f(np.ones(1), np.ones((2, 3))), np.full((2, 3), 2.0))
    with pytest.raises((RuntimeError, ValueError), match="size|broadcast"):
        f(np.ones(2), np.ones((2, 3)))


def test_wrong_number_of_inputs_is_a_type_error():
    with pytest.raises(TypeError, match="add takes 2"):
        elemwise_op("add")(T.dvector())
    with pytest.raises(TypeError, match="switch takes 3"):
        elemwise_op("switch")(T.dvector(), T.dvector())


@pytest.mark.parametrize("patterns", [
    [(None, None), (None, None)], [(), (None, None)], [(1, None), (None, 1)],
    [(None,), (None, None, None)], [(None, None, None), (1, 1)], [(None, 3), (2, 1)]])
def test_elemwise_infer_shape(patterns, mode):
    xs = [T.tensor("float64", shape=p, name=f"x{i}") for i, p in enumerate(patterns)]
    rng = np.random.default_rng(0)
    for lengths in [(2, 2, 3), (1, 2, 3), (4, 2, 3), (0, 2, 3)]:
        shapes = [concrete_shape(p, lengths) for p in patterns]
        if any(s is not None and n != s for p, sh in zip(patterns, shapes)
               for s, n in zip(p, sh)):
            continue
        values = [rng.normal(size=s) for s in shapes]
        check_infer_shape(xs, [xs[0] * xs[1], T.switch(xs[0] > 0, xs[1], 0.0)], values, mode)


def test_elemwise_infer_shape_broadcasts_zero_against_one(mode):
    x, y = T.dmatrix("x"), T.dmatrix("y")
    check_infer_shape([x, y], [x + y], [np.ones((0, 3)), np.ones((1, 3))], mode)
    check_infer_shape([x, y], [T.exp(x) * y], [np.ones((1, 1)), np.ones((4, 3))], mode)


# -- graph structure and names ------------------------------------------------------------------

def test_multiplying_a_matrix_by_a_python_number_builds_theanos_graph():
    x = T.dmatrix("x")
    y = x * 2
    node = y.owner
    assert isinstance(node.op, Elemwise) and node.op == elemwise_op("mul")
    assert str(node.op) == "Elemwise{mul}" and node.op.name == "Elemwise{mul,no_inplace}"
    assert node.inputs[0] is x
    two = node.inputs[1]
    assert str(two.owner.op) == "DimShuffle{x,x}" and two.owner.op.new_order == ("x", "x")
    const = two.owner.inputs[0]
    assert isinstance(const, T.TensorConstant) and str(const) == "TensorConstant{2.0}"
    assert const.dtype == "float64" and const.data.item() == 2.0
    assert f"{node.op}({node.inputs[0]}, {two.owner.op}({const}))" == \
        "Elemwise{mul}(x, DimShuffle{x,x}(TensorConstant{2.0}))"


def test_elemwise_ops_compare_by_row_and_casts_print_their_dtype():
    assert elemwise_op("add") == Elemwise(SCALAR_OPS["add"])
    assert hash(elemwise_op("add")) == hash(Elemwise(SCALAR_OPS["add"]))
    assert elemwise_op("add") != elemwise_op("sub")
    assert str(T.cast(T.dvector(), "float32").owner.op) == "Elemwise{Cast{float32}}"


# -- DimShuffle -------------------------------------------------------------------------------

@pytest.mark.parametrize("static, pattern, value_shape", [
    ((None, None), (1, 0), (2, 3)),                      # transpose
    ((None,), ("x", 0), (4,)),                           # a row
    ((None,), (0, "x"), (4,)),                           # a column
    ((), ("x", "x"), ()),                                # a scalar broadcast to a matrix
    ((None, 1, None), (2, 0), (2, 1, 3)),                # drop a broadcastable dim, transpose
    ((1, None, 1), ("x", 1, "x"), (1, 5, 1)),            # drop two and add two
    ((None, None, None), (2, "x", 0, 1), (2, 3, 4)),     # a 3-cycle with a new axis
    ((1,), (), (1,)),                                    # a length-1 vector to a scalar
])
def test_dimshuffle_matches_numpy_and_its_shape_inference(static, pattern, value_shape, mode):
    x = T.tensor("float32", shape=static, name="x")
    y = x.dimshuffle(*pattern) if pattern else x.dimshuffle(())
    value = np.arange(math.prod(value_shape), dtype="float32").reshape(value_shape)
    kept = [p for p in pattern if p != "x"]
    dropped = tuple(i for i in range(len(static)) if i not in kept)
    expected = np.squeeze(value, dropped) if dropped else value
    expected = np.transpose(expected, [sorted(kept).index(p) for p in kept])
    expected = np.expand_dims(expected, [i for i, p in enumerate(pattern) if p == "x"])
    f = function([x], y, mode=mode)
    assert_allclose(f(value), expected)
    assert_allclose(reference_eval([y], {x: value})[0], expected)
    assert y.type.shape == tuple(1 if p == "x" else static[p] for p in pattern)
    check_infer_shape([x], [y], [value], mode)
    assert y.owner.op.view_map == {0: 0}


def test_dimshuffle_prints_its_pattern_and_compares_by_it():
    assert str(DimShuffle(0, ("x", "x"))) == "DimShuffle{x,x}"
    assert str(DimShuffle(2, (1, 0))) == "DimShuffle{1,0}"
    assert DimShuffle(2, (1, 0)) == DimShuffle(2, [1, 0])
    assert DimShuffle(2, (1, 0)) != DimShuffle(2, (0, 1))
    assert DimShuffle((False, True), (0,)) == DimShuffle(2, (0,))  # Theano's broadcastable form


def test_dropping_a_dimension_not_known_to_be_one_raises_naming_the_variable():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="'x'.*not 1"):
        x.dimshuffle(0)
    y = T.tensor("float64", shape=(3, 1), name="y")
    with pytest.raises(ValueError, match="'y'.*length is 3"):
        y.dimshuffle(1)
    assert y.dimshuffle(0).type.shape == (3,)


@pytest.mark.parametrize("pattern", [(0, 0), (2,), (-1,), ("y",), (0.5,), (True,)])
def test_dimshuffle_refuses_bad_patterns(pattern):
    with pytest.raises(ValueError, match="pattern"):
        DimShuffle(1, pattern)


def test_dimshuffle_of_the_wrong_rank_is_a_type_error():
    with pytest.raises(TypeError, match="'v' has 1"):
        DimShuffle(2, (1, 0))(T.dvector("v"))


# -- the references that are helpers, against NumPy and known values ---------------------------

def test_helper_references_agree_with_numpy():
    rng = np.random.default_rng(1)
    x = rng.uniform(-30, 30, 200)
    row = SCALAR_OPS
    np.testing.assert_allclose(row["sigmoid"].numpy(x), np.where(x < 0, np.exp(x) / (1 + np.exp(x)),
                                                                 1 / (1 + np.exp(-x))), rtol=1e-14)
    np.testing.assert_allclose(row["softplus"].numpy(x), np.log1p(np.exp(x)), rtol=1e-12)
    lo, hi = rng.normal(size=200), rng.normal(size=200)
    np.testing.assert_array_equal(row["clip"].numpy(x, lo, hi), np.clip(x, lo, hi))
    a, b = rng.integers(-4, 5, 200), rng.integers(0, 4, 200)
    np.testing.assert_array_equal(row["pow"].numpy(a, b), np.power(a, b))
    ints = rng.integers(-100, 100, 200).astype("int16")
    np.testing.assert_array_equal(row["invert"].numpy(ints), np.invert(ints))
    np.testing.assert_array_equal(row["invert"].numpy(ints > 0), ~(ints > 0))
    positive = rng.uniform(0.01, 20, 200)
    np.testing.assert_allclose(row["gamma"].numpy(positive),
                               [math.gamma(v) for v in positive], rtol=1e-14)
    np.testing.assert_allclose(row["gammaln"].numpy(x[x != 0]),
                               [math.lgamma(v) for v in x[x != 0]], rtol=1e-14)
    y = rng.uniform(-1, 1, 200)
    np.testing.assert_allclose([math.erf(v) for v in row["erfinv"].numpy(y)], y, rtol=1e-14,
                               atol=1e-16)
    # psi: the recurrence psi(x + 1) = psi(x) + 1/x and the derivative of lgamma
    psi = row["psi"].numpy
    np.testing.assert_allclose(psi(positive + 1) - psi(positive), 1 / positive, rtol=1e-11)
    negative = x[(x < 0) & (np.abs(x - np.round(x)) > 0.01)]  # reflection: pi cot(pi x)
    np.testing.assert_allclose(psi(1 - negative) - psi(negative), np.pi / np.tan(np.pi * negative),
                               rtol=1e-9)
    h = 1e-5
    np.testing.assert_allclose(psi(positive), (row["gammaln"].numpy(positive + h) -
                                               row["gammaln"].numpy(positive - h)) / (2 * h),
                               rtol=1e-6, atol=1e-6)


def test_references_keep_float32():
    x = np.linspace(0.5, 3, 7, dtype="float32")
    for name in ("erf", "erfc", "erfinv", "gamma", "gammaln", "psi", "sigmoid", "softplus"):
        assert SCALAR_OPS[name].numpy(x).dtype == np.float32, name


# -- special values ------------------------------------------------------------------------------

def run(out, inputs, values, mode):
    """Compiled and by perform: both results, which must agree (dtype included)."""
    got = function(inputs, out, mode=mode)(*values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = reference_eval([out], dict(zip(inputs, values)))[0]
    assert_allclose(got, ref)
    return got


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logs_and_roots_outside_their_domain(dtype, mode):
    x = T.tensor(dtype, shape=(None,), name="x")
    v = np.array([0.0, -0.0, -1.0, np.inf, np.nan], dtype)
    out = [T.log(x), T.sqrt(x), T.log1p(x - 1), T.log2(x), T.log10(x)]
    got = function([x], out, mode=mode)(v)
    for g in got:
        assert g.dtype == np.dtype(dtype)
    log, sqrt, log1p, log2, log10 = got
    np.testing.assert_array_equal(log, [-np.inf, -np.inf, np.nan, np.inf, np.nan])
    np.testing.assert_array_equal(sqrt[[0, 2, 3, 4]], [0.0, np.nan, np.inf, np.nan])
    np.testing.assert_array_equal(log1p[:3], [-np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(log2[:3], [-np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(log10[:3], [-np.inf, -np.inf, np.nan])
    i = T.ivector("i")
    assert run(T.log(i), [i], [np.array([0], "int32")], mode).dtype == np.float64


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
def test_integer_division_and_modulo_by_zero_give_zero_as_numpy(dtype, mode):
    """NumPy gives 0 (with a RuntimeWarning) for integer // 0 and % 0; torch raises on CPU
    and gives an undefined value on CUDA. symtorch follows NumPy on every device."""
    a, b = T.tensor(dtype, shape=(None,), name="a"), T.tensor(dtype, shape=(None,), name="b")
    va = np.array([7, 0, 5, 3], dtype)
    vb = np.array([0, 0, 2, 0], dtype)
    np.testing.assert_array_equal(run(a // b, [a, b], [va, vb], mode), [0, 0, 2, 0])
    np.testing.assert_array_equal(run(a % b, [a, b], [va, vb], mode), [0, 0, 1, 0])
    np.testing.assert_array_equal(run(a // 0, [a], [va], mode), np.zeros(4, dtype))
    np.testing.assert_array_equal(run(a % 0, [a], [va], mode), np.zeros(4, dtype))
    f = function([a], [a / 0, a // 2], mode=mode)
    np.testing.assert_array_equal(f(va)[0], np.array([np.inf, np.nan, np.inf, np.inf]))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "float32", "float64"])
def test_floor_division_and_modulo_take_the_divisors_sign_as_numpy(dtype, mode):
    a, b = T.tensor(dtype, shape=(None,), name="a"), T.tensor(dtype, shape=(None,), name="b")
    pairs = [(p, q) for p in range(-7, 8) for q in (-3, -2, -1, 1, 2, 3)]
    va = np.array([p for p, _ in pairs], dtype)
    vb = np.array([q for _, q in pairs], dtype)
    if dtype.startswith("float"):
        va = va + np.array(0.5, dtype)
    div, mod = function([a, b], [a // b, a % b], mode=mode)(va, vb)
    np.testing.assert_array_equal(div, np.floor_divide(va, vb))
    np.testing.assert_array_equal(mod, np.mod(va, vb))
    assert all(m == 0 or np.sign(m) == np.sign(q) for m, q in zip(mod, vb))
    assert div.dtype == mod.dtype == np.dtype(dtype)
    if dtype == "float64":
        np.testing.assert_array_equal(div, [p // q for p, q in zip(va.tolist(), vb.tolist())])


def test_float_division_by_zero_gives_infinities_and_nan(mode):
    a, b = T.dvector("a"), T.dvector("b")
    va, vb = np.array([1.0, -1.0, 0.0, 1.0]), np.array([0.0, 0.0, 0.0, -0.0])
    div, floordiv, mod = function([a, b], [a / b, a // b, a % b], mode=mode)(va, vb)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(div, va / vb)
        np.testing.assert_array_equal(floordiv, np.floor_divide(va, vb))
        np.testing.assert_array_equal(mod, np.mod(va, vb))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_round_sends_ties_to_even_and_the_other_mode_away_from_zero(dtype, mode):
    x = T.tensor(dtype, shape=(None,), name="x")
    v = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997, -0.49999997, 2.4, -2.6], dtype)
    even = run(T.round(x), [x], [v], mode)
    np.testing.assert_array_equal(even, np.round(v))
    np.testing.assert_array_equal(even[:6], [-2, -2, -0, 0, 2, 2])
    away = function([x], T.round(x, mode="half_away_from_zero"), mode=mode)(v)
    expected = np.where(np.abs(v - np.trunc(v)) == 0.5, np.trunc(v) + np.sign(v), np.round(v))
    np.testing.assert_array_equal(away, expected)
    np.testing.assert_array_equal(away[:6], [-3, -2, -1, 1, 2, 3])
    assert away.dtype == np.dtype(dtype)
    with pytest.raises(ValueError, match="mode"):
        T.round(x, mode="up")


def test_gamma_at_negative_non_integers_and_at_the_poles(mode):
    x = T.dvector("x")
    v = np.array([-0.5, -1.5, -2.5, -3.5, 0.5, 5.0, 0.0, -0.0, -1.0, -2.0, 200.0, -np.inf])
    got = run(T.gamma(x), [x], [v], mode)
    root_pi = math.sqrt(math.pi)
    np.testing.assert_allclose(got[:6], [-2 * root_pi, 4 * root_pi / 3, -8 * root_pi / 15,
                                         16 * root_pi / 105, root_pi, 24.0], rtol=1e-13)
    np.testing.assert_array_equal(got[6:], [np.inf, -np.inf, np.nan, np.nan, np.inf, np.nan])
    got = run(T.gammaln(x), [x], [v], mode)
    np.testing.assert_allclose(got[:6], np.log(np.abs([-2 * root_pi, 4 * root_pi / 3,
                                                       -8 * root_pi / 15, 16 * root_pi / 105,
                                                       root_pi, 24.0])), rtol=1e-13)
    np.testing.assert_array_equal(got[6:10], [np.inf] * 4)


def test_psi_at_known_points_and_poles(mode):
    x = T.dvector("x")
    euler = 0.5772156649015329
    v = np.array([1.0, 0.5, -0.5, 2.0, 1e-8, 100.0, 0.0, -0.0, -1.0, -3.0])
    got = run(T.psi(x), [x], [v], mode)
    np.testing.assert_allclose(got[:6], [-euler, -euler - 2 * math.log(2), 0.03648997397857652,
                                         1 - euler, -1e8 - euler, 4.600161852738087], rtol=1e-12)
    np.testing.assert_array_equal(got[6:], [-np.inf, np.inf, np.nan, np.nan])


def test_erfinv_near_plus_and_minus_one(mode):
    y = T.dvector("y")
    tails = np.array([1e-3, 1e-6, 1e-9, 1e-12, 1e-15])
    v = np.concatenate([1 - tails, -(1 - tails), [1.0, -1.0, 1.5, 0.0]])
    got = run(T.erfinv(y), [y], [v], mode)
    # erfc(erfinv(1 - t)) = t: relative accuracy in the tail (1 - t is exact here to ~1e-16).
    q = 1 - v[:5]
    np.testing.assert_allclose([math.erfc(g) for g in got[:5]], q, rtol=1e-9)
    np.testing.assert_allclose(got[5:10], -got[:5], rtol=1e-15)
    np.testing.assert_array_equal(got[10:], [np.inf, -np.inf, np.nan, 0.0])
    assert np.all(np.diff(got[:5]) > 0)


def test_arctan2_gives_the_angle_in_every_quadrant(mode):
    y, x = T.dvector("y"), T.dvector("x")
    vy = np.array([1.0, 1.0, -1.0, -1.0, 0.0, -0.0, 0.0, 1.0, -1.0])
    vx = np.array([1.0, -1.0, -1.0, 1.0, -1.0, -1.0, 1.0, 0.0, 0.0])
    got = run(T.arctan2(y, x), [y, x], [vy, vx], mode)
    pi = math.pi
    np.testing.assert_allclose(got, [pi / 4, 3 * pi / 4, -3 * pi / 4, -pi / 4, pi, -pi, 0.0,
                                     pi / 2, -pi / 2], rtol=1e-15)
    assert np.signbit(got[5]) and not np.signbit(got[6])
    i = T.ivector("i")
    assert run(T.arctan2(i, 1), [i], [np.array([1, -1], "int32")], mode).dtype == np.float64


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "int32", "bool"])
def test_isnan_and_isinf(dtype, mode):
    x = T.tensor(dtype, shape=(None,), name="x")
    if dtype.startswith("complex"):
        v = np.array([1 + 1j, complex(np.nan, 0), complex(0, np.inf), complex(-np.inf, np.nan)])
    elif dtype.startswith("float"):
        v = np.array([1.0, np.nan, np.inf, -np.inf])
    else:
        v = np.array([1, 0, 1, 0])
    v = v.astype(dtype)
    isnan, isinf = function([x], [T.isnan(x), T.isinf(x)], mode=mode)(v)
    np.testing.assert_array_equal(isnan, np.isnan(v))
    np.testing.assert_array_equal(isinf, np.isinf(v))
    assert isnan.dtype == isinf.dtype == np.bool_


@pytest.mark.parametrize("dtype", ["complex64", "complex128", "float32", "float64", "int8", "bool"])
def test_real_imag_angle_conj_on_complex_and_real_inputs(dtype, mode):
    x = T.tensor(dtype, shape=(None,), name="x")
    if dtype.startswith("complex"):
        v = np.array([1 + 2j, -1 - 0.5j, -3 + 0j, 0 - 1j], dtype)
    elif dtype == "bool":
        v = np.array([True, False, True, True])
    else:
        v = np.array([1, -2, 0, 3], dtype)
    outs = [T.real(x), T.imag(x), T.angle(x), T.conj(x), x.real, x.imag, x.conj()]
    got = function([x], outs, mode=mode)(v)
    real, imag, angle, conj = got[:4]
    float_dtype = {"complex64": "float32", "complex128": "float64", "int8": "float32",
                   "bool": "float32"}.get(dtype, dtype)
    np.testing.assert_array_equal(real, np.real(v))
    np.testing.assert_array_equal(imag, np.imag(v))
    np.testing.assert_allclose(angle, np.angle(v if dtype.startswith("complex") else
                                               v.astype(float_dtype)), rtol=1e-6)
    np.testing.assert_array_equal(conj, np.conj(v))
    assert real.dtype == imag.dtype == np.real(v).dtype
    assert angle.dtype == np.dtype(float_dtype)
    assert conj.dtype == np.conj(v).dtype  # bool: int8, as NumPy
    for a, b in zip(got[4:], got[:2] + got[3:4]):
        np.testing.assert_array_equal(a, b)


def test_real_of_an_input_is_a_copy_not_a_view_of_the_argument(mode):
    z, x = T.zvector("z"), T.dvector("x")
    f = function([z, x], [T.real(z), T.imag(z), T.real(x), T.conj(x)], mode=mode,
                 output_type="torch")
    tz, tx = torch.tensor([1 + 2j, 3 - 1j]), torch.tensor([1.0, 2.0], dtype=torch.float64)
    for result in f(tz, tx):
        result.add_(100)
    assert tz.tolist() == [1 + 2j, 3 - 1j] and tx.tolist() == [1.0, 2.0]
    assert elemwise_op("real").view_map == {0: 0} and elemwise_op("exp").view_map == {}


@pytest.mark.parametrize("cond_dtype", ["bool", "int8", "float64", "complex64"])
def test_switch_takes_a_bool_or_any_condition_by_its_truth(cond_dtype, mode):
    c = T.tensor(cond_dtype, shape=(None,), name="c")
    a, b = T.fvector("a"), T.fvector("b")
    vc = np.array([1, 0, 2, 0], cond_dtype) if cond_dtype != "complex64" else \
        np.array([1j, 0, 2, 0], cond_dtype)
    va, vb = np.arange(4, dtype="float32"), -np.arange(4, dtype="float32")
    got = run(T.switch(c, a, b), [c, a, b], [vc, va, vb], mode)
    np.testing.assert_array_equal(got, np.where(vc, va, vb))
    assert got.dtype == np.float32
    # Python numbers as branches keep the tensor's dtype; a scalar condition broadcasts.
    got = run(T.where(c, a, 0), [c, a], [vc, va], mode)
    np.testing.assert_array_equal(got, np.where(vc, va, 0))
    assert got.dtype == np.float32
    s = T.bscalar("s")
    assert_allclose(function([s, a, b], T.switch(s, a, b), mode=mode)(0, va, vb), vb)


def test_switch_of_two_python_numbers_has_their_dtype(mode):
    c = T.bvector("c")
    got = run(T.switch(c, 1, 0), [c], [np.array([1, 0], "int8")], mode)
    np.testing.assert_array_equal(got, [1, 0])
    assert got.dtype == np.int64
    got = run(T.switch(c, 1.5, 0), [c], [np.array([1, 0], "int8")], mode)
    assert got.dtype == np.float64


@pytest.mark.parametrize("dtype", ["float32", "float64", "int16", "uint8", "bool"])
def test_clip_with_number_and_tensor_bounds(dtype, mode):
    x = T.tensor(dtype, shape=(None,), name="x")
    lo, hi = T.tensor(dtype, shape=(None,), name="lo"), T.tensor(dtype, shape=(None,), name="hi")
    if dtype == "bool":
        vx, vlo, vhi = np.array([0, 1, 0, 1], bool), np.array([1, 0, 0, 1], bool), \
            np.array([1, 1, 0, 0], bool)
        nlo, nhi = False, True
    else:
        vx = np.array([0, 5, 9, 3, 7], dtype)
        vlo, vhi = np.array([1, 2, 3, 4, 8], dtype), np.array([6, 4, 8, 2, 8], dtype)
        nlo, nhi = 2, 6
    outs = [T.clip(x, lo, hi), T.clip(x, nlo, nhi), T.clip(x, lo, nhi), T.clip(x, nlo, hi),
            x.clip(nlo, nhi)]
    got = function([x, lo, hi], outs, mode=mode)(vx, vlo, vhi)
    expected = [np.minimum(np.maximum(vx, vlo), vhi), np.minimum(np.maximum(vx, nlo), nhi),
                np.minimum(np.maximum(vx, vlo), nhi), np.minimum(np.maximum(vx, nlo), vhi),
                np.minimum(np.maximum(vx, nlo), nhi)]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
        assert g.dtype == np.dtype(dtype)
    if dtype != "bool":
        np.testing.assert_array_equal(got[0], np.clip(vx, vlo, vhi))  # lo > hi gives hi


def test_clip_maximum_and_minimum_propagate_nan(mode):
    x, y = T.dvector("x"), T.dvector("y")
    vx, vy = np.array([np.nan, 1.0, np.nan]), np.array([0.0, np.nan, np.nan])
    outs = [T.maximum(x, y), T.minimum(x, y), T.maximum(x, 0), T.minimum(0, x),
            T.clip(x, 0, 1), T.clip(y, x, 2.0)]
    got = function([x, y], outs, mode=mode)(vx, vy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [np.maximum(vx, vy), np.minimum(vx, vy), np.maximum(vx, 0), np.minimum(0, vx),
                    np.clip(vx, 0, 1), np.minimum(np.maximum(vy, vx), 2.0)]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_integer_power_with_negative_exponents_truncates_toward_zero(mode):
    """NumPy raises for integers to negative integer powers; torch computes 1 / a**|b|
    truncated toward zero, and so does symtorch (the reference follows)."""
    a, b = T.ivector("a"), T.ivector("b")
    va = np.array([2, 1, -1, -1, 0, 3, -2], "int32")
    vb = np.array([-1, -5, -3, -2, 3, 2, 3], "int32")
    np.testing.assert_array_equal(run(a ** b, [a, b], [va, vb], mode), [0, 1, -1, 1, 0, 9, -8])
    np.testing.assert_array_equal(run(a ** -1, [a], [va], mode), [0, 1, -1, -1, 0, 0, 0])
    np.testing.assert_array_equal(run(a ** 2, [a], [va], mode), va ** 2)
    assert (a ** 0.5).dtype == "float64" and (T.bvector() ** 2).dtype == "int8"


def test_integer_arithmetic_wraps_around_as_numpy(mode):
    a = T.bvector("a")
    va = np.array([127, -128, 100], "int8")
    with np.errstate(over="ignore"):
        expected = [va + np.int8(1), va * np.int8(2), -va, np.abs(va)]
    got = function([a], [a + 1, a * 2, -a, abs(a)], mode=mode)(va)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
        assert g.dtype == np.int8


def test_boolean_logic_and_arithmetic(mode):
    p, q = T.vector("p", dtype="bool"), T.vector("q", dtype="bool")
    vp, vq = np.array([True, True, False, False]), np.array([True, False, True, False])
    outs = [p & q, p | q, p ^ q, ~p, p + q, p * q, T.maximum(p, q), T.minimum(p, q), abs(p),
            T.eq(p, q), p < q]
    got = function([p, q], outs, mode=mode)(vp, vq)
    expected = [vp & vq, vp | vq, vp ^ vq, ~vp, vp + vq, vp * vq, np.maximum(vp, vq),
                np.minimum(vp, vq), np.abs(vp), vp == vq, vp < vq]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
        assert g.dtype == np.bool_
    for bad in (lambda: p - q, lambda: -p, lambda: T.sgn(p)):
        with pytest.raises(TypeError, match="boolean"):
            bad()


def test_isclose_and_allclose_follow_numpy(mode):
    a, b = T.fvector("a"), T.fvector("b")
    va = np.array([1.0, 1.0, np.inf, np.nan, -np.inf, 1e-9], "float32")
    vb = np.array([1.0 + 1e-6, 1.1, np.inf, np.nan, np.inf, 0.0], "float32")
    outs = [T.isclose(a, b), T.isclose(a, b, equal_nan=True), T.isclose(a, b, rtol=0.2)]
    got = function([a, b], outs, mode=mode)(va, vb)
    for g, kw in zip(got, [{}, {"equal_nan": True}, {"rtol": 0.2}]):
        np.testing.assert_array_equal(g, np.isclose(va, vb, **kw))
    i, j = T.ivector("i"), T.vector("j", dtype="bool")
    got = function([i, j], T.isclose(i, j), mode=mode)(np.array([1, 0, 2], "int32"),
                                                       np.array([True, False, True]))
    np.testing.assert_array_equal(got, [True, True, False])
    f = function([a, b], [T.allclose(a, a + 1e-7), T.allclose(a, b)], mode=mode)
    assert [bool(r) for r in f(va[:3], vb[:3])] == [True, False]
    assert [bool(r) for r in f(va[:1], vb[:1])] == [True, True]


# -- the generated program ------------------------------------------------------------------------

def test_a_float32_chain_has_no_casts_and_inlines_python_numbers(mode):
    x, y = T.fvector("x"), T.fvector("y")
    out = x * 2 + 1                           # mul, add
    out = 1.5 - out / 3                       # true_div, sub (number first)
    out = T.exp(out) * y                      # exp, mul
    out = T.maximum(out, 0) ** 2              # maximum, pow
    out = T.switch(out > 0.25, out, 0.5)      # gt, switch
    out = T.clip(2 * out, -1, 1)              # mul (number first), clip
    f = function([x, y], out, mode=mode)
    code = f.code
    assert out.dtype == "float32"
    assert ".to(" not in code and "float64" not in code, code
    assert "self." not in code, code  # no tensor constants: every number is a literal
    for literal in ("2.0", "1.0", "1.5", "3.0", "0.25", "0.5", "-1.0"):
        assert literal in code, (literal, code)
    vx, vy = np.linspace(-1, 1, 5, dtype="float32"), np.linspace(0, 2, 5, dtype="float32")
    e = vx * np.float32(2) + np.float32(1)
    e = np.float32(1.5) - e / np.float32(3)
    e = np.maximum(np.exp(e) * vy, 0) ** 2
    e = np.clip(2 * np.where(e > 0.25, e, np.float32(0.5)), -1, 1)
    assert_allclose(f(vx, vy), e)
    calls = [line for line in code.splitlines() if " = " in line and "return" not in line]
    assert len(calls) == 12, code


def test_integer_shape_arithmetic_stays_on_the_host(mode):
    x = T.dmatrix("x")
    n = x.shape[0] * 2 + x.shape[1] // 2
    f = function([x], [n, x.shape[0] > 2, T.eq(x.shape[1] % 2, 0)], mode=mode)
    assert [int(v) for v in f(np.ones((3, 5)))] == [8, 1, 0]
    code = f.code
    for infix in (" > 2", " % 2", " == 0"):
        assert infix in code, code
    assert " * 2" in code or "2 * " in code, code  # rewrites may put the constant first
    assert "torch." not in code.replace("torch.int64", "").replace("torch.bool", ""), code


def test_lengths_computed_at_run_time_mix_with_tensors(mode):
    x, i = T.dvector("x"), T.lvector("i")
    n = x.shape[0]
    outs = [x * n, i // n, i % n, T.maximum(i, n), T.switch(i > 1, n, i), n - x, 2 ** n + x]
    f = function([x, i], outs, mode=mode)
    vx, vi = np.array([1.0, 2.0, 3.0]), np.array([-4, 5, 7])
    expected = [vx * 3, vi // 3, vi % 3, np.maximum(vi, 3), np.where(vi > 1, 3, vi), 3 - vx,
                2 ** 3 + vx]
    for g, e in zip(f(vx, vi), expected):
        assert_allclose(g, e)


def test_a_lone_update_of_a_shared_variable_is_done_in_place(mode):
    s = symtorch.shared(np.zeros(3), name="s")
    x = T.dvector("x")
    storage = s.get_value(return_internal_type=True)
    f = function([x], [], updates=[(s, s + x)], mode=mode)
    assert ".add_(" in f.code, f.code
    f(np.ones(3))
    f(np.arange(3.0))
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0, 3.0])
    g = function([], [], updates=[(s, s * 2)], mode=mode)
    assert ".mul_(2.0)" in g.code, g.code
    g()
    np.testing.assert_array_equal(s.get_value(), [2.0, 4.0, 6.0])
    assert s.get_value(return_internal_type=True) is storage
    # Integer powers keep their rule for negative exponents, so they are not done in place.
    n = symtorch.shared(np.array([1, 2, -1], "int32"), name="n")
    h = function([], [], updates=[(n, n ** -1)], mode=mode)
    assert ".pow_(" not in h.code
    h()
    np.testing.assert_array_equal(n.get_value(), [1, 0, -1])


# -- derivatives (the partials are elemwise_grad.PARTIALS; the wiring is Elemwise.L_op/R_op) ----

GRAD_DOMAIN = {  # where each row is smooth, for finite differences
    "log": (0.5, 2), "log2": (0.5, 2), "log10": (0.5, 2), "log1p": (0, 2), "sqrt": (0.5, 2),
    "reciprocal": (0.5, 2), "arcsin": (-0.8, 0.8), "arccos": (-0.8, 0.8),
    "arctanh": (-0.8, 0.8), "arccosh": (1.5, 3), "erfinv": (-0.8, 0.8), "gamma": (0.5, 3),
    "gammaln": (0.5, 3), "abs": (0.5, 2), "tan": (-1, 1),
}
SMOOTH = ["add", "sub", "mul", "true_div", "pow", "neg", "abs", "sqr", "maximum", "minimum",
          "reciprocal", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "sin",
          "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh",
          "arcsinh", "arccosh", "arctanh", "erf", "erfc", "erfinv", "gamma", "gammaln", "sigmoid",
          "softplus", "identity"]


@pytest.mark.parametrize("name", SMOOTH)
def test_gradients_and_rop_of_smooth_rows_match_finite_differences(name):
    from symtorch.gradient import verify_grad
    from symtorch.testing import verify_rop
    row = SCALAR_OPS[name]
    rng = np.random.default_rng(3)
    lo, hi = GRAD_DOMAIN.get(name, (0.5, 2) if name in ("pow", "true_div") else (-2, 2))
    # The second operand has one row: it is broadcast when the function runs, so its
    # gradient must be summed back to its shape.
    shapes = [(2, 3), (1, 3)][:row.nin]
    pt = [rng.uniform(lo, hi, s) for s in shapes]
    verify_grad(elemwise_op(name), pt, mode="FAST_COMPILE")
    verify_rop(elemwise_op(name), pt)


def test_gradients_of_selection_rounding_and_modulo():
    from symtorch.gradient import grad
    x, y = T.dvector("x"), T.dvector("y")
    vx, vy = np.array([-1.5, 0.3, 2.5]), np.array([2.0, 2.0, 2.0])
    cost = T.sum(T.switch(x > 0, x * 3, y * 5) + T.clip(x, -1, 1) * 7 + T.floor(x) + (x % y) * 11)
    gx, gy = function([x, y], grad(cost, [x, y]))(vx, vy)
    np.testing.assert_allclose(gx, [0 + 0 + 11, 3 + 7 + 11, 3 + 0 + 11])
    np.testing.assert_allclose(gy, [5 - 11 * np.floor(-1.5 / 2), -11 * 0, -11 * 1])
    i = T.ivector("i")
    gi = grad(T.sum(x * i), i)
    assert gi.dtype == "float64"
    np.testing.assert_array_equal(function([x, i], gi, on_unused_input="ignore")(vx, [1, 2, 3]),
                                  [0.0, 0.0, 0.0])


def test_gradient_through_dimshuffle_and_static_broadcasting():
    from symtorch.gradient import grad
    m, r, s = T.dmatrix("m"), T.drow("r"), T.dscalar("s")
    cost = T.sum(m * r.dimshuffle(1, 0).T * s + m.T.dimshuffle(1, "x", 0))  # (2, 3) + (2, 1, 3)
    gm, gr, gs = grad(cost, [m, r, s])
    vm, vr = np.arange(6.0).reshape(2, 3), np.array([[1.0, 2.0, 3.0]])
    got = function([m, r, s], [gm, gr, gs])(vm, vr, 2.0)
    # The (2, 3) term is broadcast along the new leading axis of length 2: counted twice.
    np.testing.assert_allclose(got[0], np.broadcast_to(2 * vr * 2 + 2, (2, 3)))
    np.testing.assert_allclose(got[1], 2 * vm.sum(axis=0, keepdims=True) * 2)
    np.testing.assert_allclose(got[2], 2 * (vm * vr).sum())

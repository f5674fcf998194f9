"""TensorType and the constructors with Theano's dtype prefixes."""

import pytest

import symtorch
import symtorch.tensor as T
from symtorch.tensor.type import KINDS, PREFIXES, TensorType


@pytest.mark.parametrize("prefix,dtype", sorted(PREFIXES.items()))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_prefixed_constructors_are_singleton_types(prefix, dtype, kind):
    type_ = getattr(T, prefix + kind)
    var = type_("v")
    assert var.type is type_
    assert var.dtype == dtype and var.type.shape == KINDS[kind] and var.name == "v"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_unprefixed_constructors_use_floatx(kind):
    assert getattr(T, kind)("v").dtype == "float64"
    with symtorch.config.change_flags(floatX="float32"):
        assert getattr(T, kind)("v").dtype == "float32"


def test_plural_constructors_make_several_named_variables():
    a, b = T.dscalars("a", "b")
    assert (a.name, b.name) == ("a", "b") and a.type is T.dscalar
    m1, m2 = T.matrices("m1", "m2")
    assert m1.ndim == 2 and m2.dtype == symtorch.config.floatX
    assert [v.dtype for v in T.fvectors("p", "q")] == ["float32", "float32"]


def test_tensor_constructor_with_shape_and_dtype():
    x = T.tensor("float32", shape=(None, 3), name="x")
    assert x.type.shape == (None, 3) and x.broadcastable == (False, False)
    y = T.tensor(dtype="int8", shape=(1, None))
    assert y.broadcastable == (True, False)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "float16", "bfloat16"])
def test_extra_dtypes(dtype):
    assert T.tensor(dtype, shape=(None,)).dtype == dtype


def test_broadcastable_is_derived_from_shape():
    assert T.row().broadcastable == (True, False)
    assert T.col().broadcastable == (False, True)
    assert TensorType("float64", broadcastable=(True, False)) == T.drow
    assert TensorType("float64", (False, True)) == T.dcol  # Theano's positional pattern


def test_types_compare_by_value():
    assert TensorType("float64", (None, None)) == T.dmatrix
    assert TensorType("float64", (None, None)) != T.fmatrix
    assert hash(TensorType("float32", (2,))) == hash(TensorType("float32", (2,)))


def test_type_str_reads_like_theano():
    assert str(T.dscalar) == "TensorType(float64, scalar)"
    assert str(T.fmatrix) == "TensorType(float32, matrix)"


@pytest.mark.parametrize("bad", [(-1,), (1.5,), ("a",)])
def test_bad_shapes_are_refused(bad):
    with pytest.raises(TypeError):
        TensorType("float64", bad)


def test_unknown_dtype_is_refused():
    with pytest.raises(TypeError, match="unsupported dtype"):
        TensorType("float128x", ())


def test_constants_print_their_value_and_hold_data():
    c = T.constant(2)
    assert str(c) == "TensorConstant{2}"
    assert c.data == 2 and c.dtype == "int64"
    assert T.as_tensor_variable([1.0, 2.0]).type == TensorType("float64", (2,))


def test_non_numeric_constants_are_refused():
    with pytest.raises(TypeError, match="not numeric"):
        T.constant("hello")

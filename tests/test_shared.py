"""Shared variables: values held as torch tensors, read and written in place."""

import pickle

import numpy as np
import pytest
import torch

import symtorch
import symtorch.tensor as T
from symtorch import function, shared


@pytest.mark.parametrize("value,dtype,ndim", [
    (0, "int64", 0), (0.0, "float64", 0), (True, "bool", 0), ([1, 2], "int64", 1),
    (np.zeros((2, 3), dtype="float32"), "float32", 2), (np.zeros(3, dtype="int8"), "int8", 1),
    (torch.zeros(2, dtype=torch.float16), "float16", 1),
    (torch.zeros(2, dtype=torch.bfloat16), "bfloat16", 1),
])
def test_the_type_is_read_from_the_value_as_numpy_would(value, dtype, ndim):
    s = shared(value)
    assert s.dtype == dtype and s.ndim == ndim
    assert s.broadcastable == (False,) * ndim


def test_shape_argument_makes_static_lengths():
    s = shared(np.zeros((1, 3)), shape=(1, None))
    assert s.broadcastable == (True, False)
    with pytest.raises(TypeError, match="length 1 in dimension 0"):
        s.set_value(np.zeros((2, 3)))


def test_the_value_lives_in_a_torch_tensor_on_the_device():
    s = shared(np.arange(3.0), name="s")
    t = s.get_value(return_internal_type=True)
    assert isinstance(t, torch.Tensor) and t.device.type == "cpu" and t.dtype == torch.float64


def test_get_value_copies_unless_borrowed():
    s = shared(np.arange(3.0))
    v = s.get_value()
    v[0] = 42
    assert s.get_value()[0] == 0
    b = s.get_value(borrow=True)
    b[0] = 42
    assert s.get_value()[0] == 42


def test_shared_copies_its_value_unless_borrowed():
    a = np.zeros(3)
    s = shared(a)
    a[0] = 1
    assert s.get_value()[0] == 0
    t = torch.zeros(3, dtype=torch.float64)
    s2 = shared(t, borrow=True)
    assert s2.get_value(return_internal_type=True) is t
    s3 = shared(t)
    assert s3.get_value(return_internal_type=True) is not t


def test_set_value_writes_into_the_same_tensor():
    s = shared(np.zeros(3))
    t = s.get_value(return_internal_type=True)
    ptr = t.data_ptr()
    s.set_value(np.ones(3))
    assert s.get_value(return_internal_type=True) is t and t.data_ptr() == ptr
    np.testing.assert_array_equal(t.numpy(), np.ones(3))
    s.set_value(np.arange(5.0))  # another shape: same tensor object, new storage
    assert s.get_value(return_internal_type=True) is t
    np.testing.assert_array_equal(s.get_value(), np.arange(5.0))


def test_set_value_accepts_torch_tensors_and_refuses_lossy_values():
    s = shared(np.zeros(2, dtype="float32"), name="s")
    s.set_value(torch.ones(2))
    np.testing.assert_array_equal(s.get_value(), [1, 1])
    with pytest.raises(TypeError, match="'s'.*lose precision"):
        s.set_value(np.ones(2))  # float64 into float32
    with pytest.raises(TypeError, match="'s'.*1 dims"):
        s.set_value(np.ones((2, 2), dtype="float32"))


def test_a_function_sees_set_value_and_other_functions_updates():
    s = shared(1.0, name="s")
    f = function([], s * 10)
    inc = function([], [], updates=[(s, s + 1)])
    assert f() == 10
    s.set_value(5.0)
    assert f() == 50
    inc()
    assert f() == 60


def test_user_torch_code_sees_the_same_storage():
    w = shared(np.ones(2), name="w")
    tensor = w.get_value(return_internal_type=True)
    step = function([], [], updates=[(w, w * 3)])
    step()
    assert tensor.tolist() == [3.0, 3.0]
    tensor.mul_(2)  # the user's in-place torch op is seen by the function
    assert function([], w)().tolist() == [6.0, 6.0]


def test_non_numeric_values_are_refused():
    with pytest.raises(TypeError, match="not numeric"):
        shared("text")
    with pytest.raises(TypeError):
        shared(T.dscalar("x"))


def test_shared_variables_pickle_with_their_value():
    s = shared(np.arange(4.0).reshape(2, 2), name="s")
    s2 = pickle.loads(pickle.dumps(s))
    assert s2.name == "s" and s2.type == s.type
    np.testing.assert_array_equal(s2.get_value(), s.get_value())
    assert s2.get_value(return_internal_type=True) is not s.get_value(return_internal_type=True)


def test_device_argument_and_config_device():
    assert shared(1.0, device="cpu").get_value(return_internal_type=True).device.type == "cpu"
    with symtorch.config.change_flags(device="cpu"):
        assert shared(1.0).get_value(return_internal_type=True).device.type == "cpu"


@pytest.mark.cuda
def test_shared_values_live_on_cuda_and_functions_run_there():
    s = shared(np.arange(3.0), name="s", device="cuda")
    t = s.get_value(return_internal_type=True)
    assert t.device.type == "cuda"
    x = T.dvector("x")
    f = function([x], s * x, updates=[(s, s + 1)], device="cuda")
    np.testing.assert_array_equal(f([1.0, 1.0, 1.0]), [0.0, 1.0, 2.0])
    assert s.get_value(return_internal_type=True) is t
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="'s' lives on cuda"):
        function([x], s * x, device="cpu")

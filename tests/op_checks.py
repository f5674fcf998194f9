"""Checks shared by the tests of the shape, construction and join families
(test_shape.py, test_construction.py, test_join.py): an op's values against NumPy, by the
compiled function and by the ops' NumPy `perform`, with its inferred shapes; and its
gradient, R_op and second derivative against finite differences."""

import numpy as np

import symtorch.tensor as T
from symtorch import function
from symtorch.gradient import Lop, verify_grad
from symtorch.graph import ancestors
from symtorch.testing import assert_allclose, check_infer_shape, reference_eval, verify_rop

FLOATS = ("float32", "float64")


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


_rng = np.random.default_rng(11)


def point(dtype, shape):
    """A random floating-point array to differentiate at."""
    return _rng.normal(size=shape).astype(dtype)


def check_grad_and_rop(fun, values, mode):
    """verify_grad (finite differences; float32 with verify_grad's looser tolerances) and
    verify_rop (a finite-difference directional derivative) of `fun` at `values`."""
    verify_grad(fun, values, mode=mode)
    verify_rop(fun, values, mode=mode)


def check_second_derivative(fun, value, mode):
    """The gradient graph differentiates again: verify_grad of (x, u) -> Lop(fun(x), x, u),
    which is linear in u; for these linear ops it depends on x through x's shape only,
    so its derivative in x is zero."""
    x = T.TensorType(str(value.dtype), (None,) * value.ndim)("x")
    shape = np.shape(function([x], fun(x), mode=mode)(value))
    u = point(value.dtype, shape)
    verify_grad(lambda a, w: Lop(fun(a), a, w), [value, u], mode=mode)


def rop_applies_the_op_to_the_tangent(fun, x):
    """The op that makes fun(x) from x (its first input) has an R_op, which applies the
    same op to the tangent v. Returns that graph."""
    node = fun(x).owner
    assert node.inputs[0] is x
    v = x.type("v")
    jvp = node.op.R_op(list(node.inputs), [v] + [None] * (len(node.inputs) - 1))[0]
    assert type(jvp.owner.op) is type(node.op) and v in ancestors([jvp])
    return jvp

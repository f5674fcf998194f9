"""The workloads written in JAX and PyTensor, the peers symtorch is compared against.

Both are optional (the `compare` extra): a function whose library is not installed
returns no rows. Each workload module passes its data and the plain-torch result of
its first call; each peer asserts that its own first call computes the same values,
then is timed with `measure` like the other rows. "JAX (jit)" rows run jax.jit'd
functions (x64 enabled, so float64 and int64 mean what they do in torch) and block on
their results; "PyTensor (C)" rows compile with mode="CVM", PyTensor's fast_run
rewrites and C thunks (PyTensor 3's default mode is Numba, not measured here).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable

import numpy as np
import torch

from .common import Timing, measure, timed_compile

PYTENSOR_MODE = "CVM"


def needs(module: str) -> Callable:
    """Decorate a peer so that it returns no rows when `module` is not installed."""
    def wrap(peer: Callable[..., list[Timing]]) -> Callable[..., list[Timing]]:
        @functools.wraps(peer)
        def run(*args, **kwargs) -> list[Timing]:
            return peer(*args, **kwargs) if importlib.util.find_spec(module) else []
        return run
    return wrap


def _jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    return jax


def _pytensor_note() -> str:
    import pytensor
    return "" if pytensor.config.blas__ldflags else "no BLAS linked to PyTensor's C code"


def _cpu_note() -> str:
    """Where torch runs on a GPU, say that this peer (jax[cpu], PyTensor's C code) does not."""
    return "on the CPU" if torch.cuda.is_available() else ""


def _check(got, expected, rtol: float = 1e-5, atol: float = 0.0) -> None:
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=rtol, atol=atol)


# --- overhead.py: the accumulator ------------------------------------------------------

def accumulator() -> list[Timing]:
    """state += inc on an int64 state, returning the old state: Python int in, NumPy out."""
    return _accumulator_jax() + _accumulator_pytensor()


@needs("jax")
def _accumulator_jax() -> list[Timing]:
    jax = _jax()
    import jax.numpy as jnp

    accumulate = jax.jit(lambda s, inc: (s, s + inc))
    state = [jnp.zeros((), jnp.int64)]

    def call(inc):
        old, state[0] = accumulate(state[0], inc)
        return np.asarray(old)

    compile_s = timed_compile(lambda: call(1))[1]
    assert call(1) == 1 and state[0] == 2 and state[0].dtype == jnp.int64
    return [measure("JAX (jit) (Python int in, NumPy out)", lambda: call(1), compile_s)]


@needs("pytensor")
def _accumulator_pytensor() -> list[Timing]:
    import pytensor
    import pytensor.tensor as pt

    state = pytensor.shared(np.int64(0), name="state")
    inc = pt.lscalar("inc")
    accumulate, compile_s = timed_compile(lambda: pytensor.function(
        [inc], state, updates=[(state, state + inc)], mode=PYTENSOR_MODE))
    compile_s += timed_compile(lambda: accumulate(1))[1]
    assert accumulate(1) == 1 and state.get_value() == 2
    return [measure("PyTensor (C) (Python int in, NumPy out)", lambda: accumulate(1), compile_s)]


# --- training.py: logistic regression and an MLP --------------------------------------

def logistic_regression(xv, yv, w0, reference) -> list[Timing]:
    """One SGD step; `reference` is torch's first (xent, w after the step)."""
    return _logistic_jax(xv, yv, w0, reference) + _logistic_pytensor(xv, yv, w0)


def _logistic_exact_step(xv, yv, w0):
    """The first step's xent and new w, computed stably. On this data p_1 rounds to 0 or 1
    for some rows, so the formula as written (torch, JAX) loses digits in log(1 - p_1) and
    then overflows to inf, and its gradient is nan; PyTensor's (and symtorch FAST_RUN's)
    stabilize rewrites turn it into softplus and stay exact."""
    z = xv @ w0
    xent = yv * np.logaddexp(0, -z) + (1 - yv) * np.logaddexp(0, z)
    p_1 = 0.5 * (1 + np.tanh(z / 2))
    return xent, w0 - 0.1 * (xv.T @ (p_1 - yv) / len(yv) + 0.02 * w0)


@needs("jax")
def _logistic_jax(xv, yv, w0, reference) -> list[Timing]:
    jax = _jax()
    import jax.numpy as jnp

    def cost(params, x, y):
        w, b = params
        p_1 = 1 / (1 + jnp.exp(-x @ w - b))
        xent = -y * jnp.log(p_1) - (1 - y) * jnp.log(1 - p_1)
        return xent.mean() + 0.01 * (w ** 2).sum(), (p_1, xent)

    @jax.jit
    def step(params, x, y):
        grads, (p_1, xent) = jax.grad(cost, has_aux=True)(params, x, y)
        return [p - 0.1 * g for p, g in zip(params, grads)], p_1 > 0.5, xent

    x, y = jnp.asarray(xv), jnp.asarray(yv)
    params = [[jnp.asarray(w0), jnp.zeros((), jnp.float64)]]

    def train():
        params[0], prediction, xent = step(params[0], x, y)
        return jax.block_until_ready((params[0], prediction, xent))

    (_, _, xent), compile_s = timed_compile(train)
    _check([xent, params[0][0]], reference)
    return [measure("JAX (jit)", train, compile_s)]


@needs("pytensor")
def _logistic_pytensor(xv, yv, w0) -> list[Timing]:
    import pytensor
    import pytensor.tensor as pt

    x, y = pt.dmatrix("x"), pt.dvector("y")
    w = pytensor.shared(w0.copy(), name="w")
    b = pytensor.shared(np.float64(0.0), name="b")
    p_1 = 1 / (1 + pt.exp(-pt.dot(x, w) - b))
    xent = -y * pt.log(p_1) - (1 - y) * pt.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = pytensor.grad(cost, [w, b])
    train, build_s = timed_compile(lambda: pytensor.function(
        [x, y], [p_1 > 0.5, xent], updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)],
        mode=PYTENSOR_MODE))
    (_, first_xent), first_s = timed_compile(lambda: train(xv, yv))
    _check([first_xent, w.get_value()], _logistic_exact_step(xv, yv, w0))
    return [measure("PyTensor (C)", lambda: train(xv, yv), build_s + first_s, _pytensor_note())]


def mlp(xv, yv, params0, reference) -> list[Timing]:
    """One SGD step of tanh-softmax MLP; `reference` is torch's first (cost, params after)."""
    return _mlp_jax(xv, yv, params0, reference) + _mlp_pytensor(xv, yv, params0, reference)


@needs("jax")
def _mlp_jax(xv, yv, params0, reference) -> list[Timing]:
    jax = _jax()
    import jax.numpy as jnp

    def cost(params, x, y):
        w1, b1, w2, b2 = params
        h = jnp.tanh(x @ w1 + b1)
        log_p = jax.nn.log_softmax(h @ w2 + b2)
        return -jnp.take_along_axis(log_p, y[:, None], axis=1).mean()

    @jax.jit
    def step(params, x, y):
        c, grads = jax.value_and_grad(cost)(params, x, y)
        return [p - 0.1 * g for p, g in zip(params, grads)], c

    x, y = jnp.asarray(xv), jnp.asarray(yv)
    params = [[jnp.asarray(p) for p in params0]]

    def train():
        params[0], c = step(params[0], x, y)
        return jax.block_until_ready((params[0], c))

    (_, first_cost), compile_s = timed_compile(train)
    _check([first_cost, *params[0]], [reference[0], *reference[1]], atol=1e-6)
    return [measure("JAX (jit)", train, compile_s)]


@needs("pytensor")
def _mlp_pytensor(xv, yv, params0, reference) -> list[Timing]:
    import pytensor
    import pytensor.tensor as pt

    x, y = pt.matrix("x", dtype="float32"), pt.vector("y", dtype="int64")
    params = [pytensor.shared(p.copy(), name=n) for p, n in zip(params0, ("w1", "b1", "w2", "b2"))]
    w1, b1, w2, b2 = params
    h = pt.tanh(pt.dot(x, w1) + b1)
    p = pt.special.softmax(pt.dot(h, w2) + b2, axis=-1)
    cost = -pt.mean(pt.log(p)[pt.arange(y.shape[0]), y])
    grads = pytensor.grad(cost, params)
    train, build_s = timed_compile(lambda: pytensor.function(
        [x, y], cost, updates=[(v, v - np.float32(0.1) * g) for v, g in zip(params, grads)],
        mode=PYTENSOR_MODE))
    first_cost, first_s = timed_compile(lambda: train(xv, yv))
    _check([first_cost, *(v.get_value() for v in params)], [reference[0], *reference[1]], atol=1e-6)
    return [measure("PyTensor (C)", lambda: train(xv, yv), build_s + first_s, _pytensor_note())]


# --- derivatives.py and jacobian.py -----------------------------------------------------

def hessian_vector(xv, vv, cv, expected) -> list[Timing]:
    """Hv of y = sum(tanh(x)**2 * c), by double reverse and by forward over reverse."""
    return _hvp_jax(xv, vv, cv, expected) + _hvp_pytensor(xv, vv, cv, expected)


@needs("jax")
def _hvp_jax(xv, vv, cv, expected) -> list[Timing]:
    jax = _jax()
    import jax.numpy as jnp

    c = jnp.asarray(cv)

    def f(x):
        return jnp.sum(jnp.tanh(x) ** 2 * c)

    def double_reverse(x, v):
        return jax.grad(lambda x: jnp.vdot(jax.grad(f)(x), v))(x)

    def forward_over_reverse(x, v):
        return jax.jvp(jax.grad(f), (x,), (v,))[1]

    x, v = jnp.asarray(xv), jnp.asarray(vv)
    rows = []
    for name, form in (("double reverse", double_reverse), ("forward over reverse", forward_over_reverse)):
        hvp = jax.jit(form)
        call = lambda hvp=hvp: jax.block_until_ready(hvp(x, v))
        got, compile_s = timed_compile(call)
        _check([got], [expected], rtol=1e-9)
        rows.append(measure(f"JAX (jit) {name}", call, compile_s))
    return rows


@needs("pytensor")
def _hvp_pytensor(xv, vv, cv, expected) -> list[Timing]:
    import pytensor
    import pytensor.tensor as pt
    from pytensor.gradient import Rop, hessian_vector_product

    x, v = pt.dvectors("x", "v")
    y = pt.sum(pt.tanh(x) ** 2 * pt.constant(cv))
    forms = {"double reverse": hessian_vector_product(y, x, v),
             "forward over reverse": Rop(pytensor.grad(y, x), x, v, use_op_rop_implementation=True)}
    rows = []
    for name, expr in forms.items():
        hvp, build_s = timed_compile(lambda e=expr: pytensor.function([x, v], e, mode=PYTENSOR_MODE))
        got, first_s = timed_compile(lambda h=hvp: h(xv, vv))
        _check([got], [expected], rtol=1e-9)
        rows.append(measure(f"PyTensor (C) {name}", lambda h=hvp: h(xv, vv), build_s + first_s))
    return rows


def jacobian_square(xv, expected) -> list[Timing]:
    """The full Jacobian of x**2, vectorized over the rows of the identity."""
    return _jacobian_jax(xv, expected) + _jacobian_pytensor(xv, expected)


@needs("jax")
def _jacobian_jax(xv, expected) -> list[Timing]:
    jax = _jax()
    import jax.numpy as jnp

    jacobian = jax.jit(jax.jacrev(lambda x: x ** 2))
    x = jnp.asarray(xv)
    call = lambda: jax.block_until_ready(jacobian(x))
    got, compile_s = timed_compile(call)
    _check([got], [expected])
    return [measure("JAX (jit) jacrev", call, compile_s)]


@needs("pytensor")
def _jacobian_pytensor(xv, expected) -> list[Timing]:
    import inspect

    import pytensor
    import pytensor.tensor as pt
    from pytensor.gradient import jacobian

    x = pt.dvector("x")
    vectorized = "vectorize" in inspect.signature(jacobian).parameters
    j = jacobian(x ** 2, x, vectorize=True) if vectorized else jacobian(x ** 2, x)
    f, build_s = timed_compile(lambda: pytensor.function([x], j, mode=PYTENSOR_MODE))
    got, first_s = timed_compile(lambda: f(xv))
    _check([got], [expected])
    label = "vectorized" if vectorized else "row by row (scan)"
    return [measure(f"PyTensor (C) {label}", lambda: f(xv), build_s + first_s)]


# --- elementwise.py: a memory-bound chain -----------------------------------------------

def elementwise_chain(xv, yv, expected) -> list[Timing]:
    """(tanh(2x + y) exp(-y) - sqrt(x**2 + 1)) / (1 + |y|) + 0.5 on float32 arrays, on the CPU."""
    return _chain_jax(xv, yv, expected) + _chain_pytensor(xv, yv, expected)


@needs("jax")
def _chain_jax(xv, yv, expected) -> list[Timing]:
    jax = _jax()
    import jax.numpy as jnp

    @jax.jit
    def chain(x, y):
        return (jnp.tanh(x * 2 + y) * jnp.exp(-y) - jnp.sqrt(x * x + 1)) / (1 + jnp.abs(y)) + 0.5

    x, y = jnp.asarray(xv), jnp.asarray(yv)
    call = lambda: jax.block_until_ready(chain(x, y))
    got, compile_s = timed_compile(call)
    assert got.dtype == jnp.float32
    _check([got], [expected], atol=1e-6)
    return [measure("JAX (jit)", call, compile_s, note=_cpu_note())]


@needs("pytensor")
def _chain_pytensor(xv, yv, expected) -> list[Timing]:
    import pytensor
    import pytensor.tensor as pt

    x, y = pt.fmatrices("x", "y")
    expr = (pt.tanh(x * 2 + y) * pt.exp(-y) - pt.sqrt(x * x + 1)) / (1 + abs(y)) + 0.5
    f, build_s = timed_compile(lambda: pytensor.function([x, y], expr, mode=PYTENSOR_MODE))
    got, first_s = timed_compile(lambda: f(xv, yv))
    assert got.dtype == np.float32
    _check([got], [expected], atol=1e-6)
    return [measure("PyTensor (C)", lambda: f(xv, yv), build_s + first_s, note=_cpu_note())]


# --- rnn.py: backpropagation through time -------------------------------------------------

def rnn_bptt(xv, tv, weights, expected) -> list[Timing]:
    """The RNN's loss and its gradients w.r.t. (Wx, Wh, b, Wy), by a scan and reverse mode."""
    return _rnn_jax(xv, tv, weights, expected) + _rnn_pytensor(xv, tv, weights, expected)


@needs("jax")
def _rnn_jax(xv, tv, weights, expected) -> list[Timing]:
    jax = _jax()
    import jax.numpy as jnp

    def loss(params, x, target):
        wx, wh, b, wy = params

        def cell(h, x_t):
            h = jnp.tanh(x_t @ wx + h @ wh + b)
            return h, h

        _, hs = jax.lax.scan(cell, jnp.zeros((x.shape[1], wh.shape[0]), x.dtype), x)
        return jnp.mean((hs @ wy - target) ** 2)

    loss_and_grads = jax.jit(jax.value_and_grad(loss))
    params = [jnp.asarray(w) for w in weights]
    x, target = jnp.asarray(xv), jnp.asarray(tv)
    call = lambda: jax.block_until_ready(loss_and_grads(params, x, target))
    (value, grads), compile_s = timed_compile(call)
    _check([value, *grads], expected, rtol=2e-3, atol=2e-5)
    return [measure("JAX (jit) (lax.scan)", call, compile_s)]


@needs("pytensor")
def _rnn_pytensor(xv, tv, weights, expected) -> list[Timing]:
    import pytensor
    import pytensor.tensor as pt

    x, target = pt.tensor3("x", dtype="float32"), pt.tensor3("target", dtype="float32")
    wx, wh, b, wy = (pytensor.shared(w, name=n) for w, n in zip(weights, ("Wx", "Wh", "b", "Wy")))
    h0 = pt.zeros((x.shape[1], wh.shape[0]), dtype="float32")
    hs = pytensor.scan(lambda x_t, h, wx, wh, b: pt.tanh(pt.dot(x_t, wx) + pt.dot(h, wh) + b),
                       sequences=x, outputs_info=h0, non_sequences=[wx, wh, b], return_updates=False)
    loss = pt.mean((pt.dot(hs, wy) - target) ** 2)
    grads = pytensor.grad(loss, [wx, wh, b, wy])
    f, build_s = timed_compile(lambda: pytensor.function([x, target], [loss, *grads],
                                                         mode=PYTENSOR_MODE))
    got, first_s = timed_compile(lambda: f(xv, tv))
    _check(got, expected, rtol=2e-3, atol=2e-5)
    return [measure("PyTensor (C) (scan)", lambda: f(xv, tv), build_s + first_s, _pytensor_note())]

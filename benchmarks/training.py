"""Training steps: the seed's logistic regression and an MLP, against plain torch.

Each step is written three ways: symtorch (the Theano-style graph with T.grad
and updates), plain torch (autograd and in-place SGD, the code a torch user
would write), and torch.compile of that same plain-torch function.
"""

from __future__ import annotations

import numpy as np
import torch

import symtorch
import symtorch.tensor as T

from . import peers
from .common import Timing, measure, timed_compile


def logistic_regression(modes=("FAST_COMPILE", "FAST_RUN"), n=400, feats=784,
                        device: str = "cpu") -> list[Timing]:
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((n, feats))
    yv = rng.integers(0, 2, n).astype("float64")
    w0 = rng.standard_normal(feats)
    rows = []
    for mode in modes:
        x, y = T.dmatrix("x"), T.dvector("y")
        w = symtorch.shared(w0.copy(), name="w", device=device)
        b = symtorch.shared(0.0, name="b", device=device)
        p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
        xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
        cost = xent.mean() + 0.01 * (w ** 2).sum()
        gw, gb = T.grad(cost, [w, b])
        train, build_s = timed_compile(lambda: symtorch.function(
            [x, y], [p_1 > 0.5, xent], updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)], mode=mode,
            output_type="torch", device=device))
        xt, yt = torch.from_numpy(xv).to(device), torch.from_numpy(yv).to(device)
        first_call_s = timed_compile(lambda: train(xt, yt))[1]
        rows.append(measure(f"symtorch {mode}", lambda: train(xt, yt), build_s + first_call_s))

    xt, yt = torch.from_numpy(xv).to(device), torch.from_numpy(yv).to(device)
    tw = torch.tensor(w0, requires_grad=True, device=device)
    tb = torch.zeros((), dtype=torch.float64, requires_grad=True, device=device)

    def step(x, y):
        p_1 = torch.sigmoid(x @ tw + tb)
        xent = -y * torch.log(p_1) - (1 - y) * torch.log(1 - p_1)
        cost = xent.mean() + 0.01 * (tw ** 2).sum()
        gw, gb = torch.autograd.grad(cost, [tw, tb])
        with torch.no_grad():
            tw.sub_(0.1 * gw)
            tb.sub_(0.1 * gb)
        return p_1 > 0.5, xent.detach()

    reference = (step(xt, yt)[1].cpu().numpy(), tw.detach().cpu().numpy().copy())  # for peers
    rows.insert(0, measure("plain torch (autograd)", lambda: step(xt, yt)))
    compiled = torch.compile(step)
    compile_s = timed_compile(lambda: compiled(xt, yt))[1]
    rows.insert(1, measure("torch.compile", lambda: compiled(xt, yt), compile_s))
    return rows + (peers.logistic_regression(xv, yv, w0, reference) if device == "cpu" else [])


def mlp(modes=("FAST_COMPILE", "FAST_RUN"), batch=128, sizes=(784, 500, 10),
        device: str = "cpu") -> list[Timing]:
    rng = np.random.default_rng(1)
    xv = rng.standard_normal((batch, sizes[0])).astype("float32")
    yv = rng.integers(0, sizes[2], batch).astype("int64")
    w1_0 = (rng.standard_normal(sizes[:2]) * 0.05).astype("float32")
    w2_0 = (rng.standard_normal(sizes[1:]) * 0.05).astype("float32")
    rows = []
    for mode in modes:
        x, y = T.fmatrix("x"), T.lvector("y")
        w1 = symtorch.shared(w1_0.copy(), name="w1", device=device)
        b1 = symtorch.shared(np.zeros(sizes[1], "float32"), name="b1", device=device)
        w2 = symtorch.shared(w2_0.copy(), name="w2", device=device)
        b2 = symtorch.shared(np.zeros(sizes[2], "float32"), name="b2", device=device)
        h = T.tanh(T.dot(x, w1) + b1)
        p = T.nnet.softmax(T.dot(h, w2) + b2)
        cost = T.mean(T.nnet.categorical_crossentropy(p, y))
        params = [w1, b1, w2, b2]
        grads = T.grad(cost, params)
        updates = [(v, v - np.float32(0.1) * g) for v, g in zip(params, grads)]
        train, build_s = timed_compile(lambda: symtorch.function(
            [x, y], cost, updates=updates, mode=mode, output_type="torch", device=device))
        xt, yt = torch.from_numpy(xv).to(device), torch.from_numpy(yv).to(device)
        first_call_s = timed_compile(lambda: train(xt, yt))[1]
        rows.append(measure(f"symtorch {mode}", lambda: train(xt, yt), build_s + first_call_s))

    xt, yt = torch.from_numpy(xv).to(device), torch.from_numpy(yv).to(device)
    tparams = [torch.tensor(w1_0, requires_grad=True, device=device),
               torch.zeros(sizes[1], requires_grad=True, device=device),
               torch.tensor(w2_0, requires_grad=True, device=device),
               torch.zeros(sizes[2], requires_grad=True, device=device)]

    def step(x, y):
        w1, b1, w2, b2 = tparams
        h = torch.tanh(x @ w1 + b1)
        cost = torch.nn.functional.cross_entropy(h @ w2 + b2, y)
        grads = torch.autograd.grad(cost, tparams)
        with torch.no_grad():
            for v, g in zip(tparams, grads):
                v.sub_(0.1 * g)
        return cost.detach()

    reference = (step(xt, yt).cpu().numpy(), [v.detach().cpu().numpy().copy() for v in tparams])
    rows.insert(0, measure("plain torch (autograd)", lambda: step(xt, yt)))
    compiled = torch.compile(step)
    compile_s = timed_compile(lambda: compiled(xt, yt))[1]
    rows.insert(1, measure("torch.compile", lambda: compiled(xt, yt), compile_s))
    params0 = [w1_0, np.zeros(sizes[1], "float32"), w2_0, np.zeros(sizes[2], "float32")]
    return rows + (peers.mlp(xv, yv, params0, reference) if device == "cpu" else [])

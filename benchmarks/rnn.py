"""A recurrent network trained by backpropagation through time: symtorch's scan against
a plain-torch Python loop with autograd, and torch.compile of that loop.

h_t = tanh(x_t Wx + h_{t-1} Wh + b) over 100 steps (batch 32, 64 inputs, 128 hidden
units, float32), a linear readout, the mean squared error, and its gradient with
respect to all the weights. One call computes the loss and the four gradients.

    python -m benchmarks.rnn [--threads N] [--no-torch-compile]
"""

from __future__ import annotations

import sys

import numpy as np
import torch

import symtorch
import symtorch.tensor as T

from . import peers
from .common import Timing, measure, print_rows, timed_compile

STEPS, BATCH, N_IN, N_HID, N_OUT = 100, 32, 64, 128, 10


def _data(steps: int, batch: int, n_in: int, n_hid: int, n_out: int):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((steps, batch, n_in)).astype("float32")
    target = rng.standard_normal((steps, batch, n_out)).astype("float32")
    weights = [(rng.standard_normal((n_in, n_hid)) / np.sqrt(n_in)).astype("float32"),
               (rng.standard_normal((n_hid, n_hid)) / np.sqrt(n_hid)).astype("float32"),
               np.zeros(n_hid, "float32"),
               (rng.standard_normal((n_hid, n_out)) / np.sqrt(n_hid)).astype("float32")]
    return x, target, weights


def symtorch_rnn(weights: list[np.ndarray], mode: str, n_hid: int):
    """The loss and its gradients as one compiled symtorch function of (x, target)."""
    x, target = T.ftensor3("x"), T.ftensor3("target")
    wx, wh, b, wy = (symtorch.shared(w, name=n) for w, n in zip(weights, ("Wx", "Wh", "b", "Wy")))
    h0 = T.zeros((x.shape[1], n_hid), dtype="float32")
    hs, _ = symtorch.scan.scan(lambda x_t, h, wx, wh, b: T.tanh(T.dot(x_t, wx) + T.dot(h, wh) + b),
                               sequences=x, outputs_info=h0, non_sequences=[wx, wh, b])
    loss = T.mean((T.dot(hs, wy) - target) ** 2)
    grads = T.grad(loss, [wx, wh, b, wy])
    return symtorch.function([x, target], [loss, *grads], mode=mode, output_type="torch")


def torch_rnn(weights: list[np.ndarray]):
    """The same computation as a torch user writes it: a Python loop and autograd."""
    params = [torch.tensor(w, requires_grad=True) for w in weights]

    def step(x, target):
        wx, wh, b, wy = params
        h = x.new_zeros((x.shape[1], wh.shape[0]))
        hs = []
        for t in range(x.shape[0]):
            h = torch.tanh(x[t] @ wx + h @ wh + b)
            hs.append(h)
        loss = ((torch.stack(hs) @ wy - target) ** 2).mean()
        return (loss.detach(), *torch.autograd.grad(loss, params))

    return step


def rnn_bptt(modes=("FAST_COMPILE", "FAST_RUN"), steps: int = STEPS, batch: int = BATCH,
             n_in: int = N_IN, n_hid: int = N_HID, n_out: int = N_OUT,
             with_torch_compile: bool = True) -> list[Timing]:
    xv, tv, weights = _data(steps, batch, n_in, n_hid, n_out)
    xt, tt = torch.from_numpy(xv), torch.from_numpy(tv)
    step = torch_rnn(weights)
    expected = [r.detach().numpy() for r in step(xt, tt)]
    rows = [measure("plain torch (Python loop, autograd)", lambda: step(xt, tt))]
    if with_torch_compile:
        compiled = torch.compile(step)
        compile_s = timed_compile(lambda: compiled(xt, tt))[1]
        rows.append(measure("torch.compile (loop unrolled)", lambda: compiled(xt, tt), compile_s))
    for mode in modes:
        f, build_s = timed_compile(lambda m=mode: symtorch_rnn(weights, m, n_hid))
        got, first_s = timed_compile(lambda f=f: f(xt, tt))
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g.numpy(), e, rtol=2e-3, atol=2e-5)
        rows.append(measure(f"symtorch {mode}", lambda f=f: f(xt, tt), build_s + first_s))
    return rows + peers.rnn_bptt(xv, tv, weights, expected)


def main() -> None:
    if "--threads" in sys.argv:  # a fixed thread count steadies timings on a busy machine
        torch.set_num_threads(int(sys.argv[sys.argv.index("--threads") + 1]))
    rows = rnn_bptt(with_torch_compile="--no-torch-compile" not in sys.argv)
    print_rows(f"RNN, backpropagation through time: {STEPS} steps, batch {BATCH}, {N_IN} inputs, "
               f"{N_HID} hidden, float32; torch {torch.__version__}, {torch.get_num_threads()} threads",
               rows)


if __name__ == "__main__":
    main()

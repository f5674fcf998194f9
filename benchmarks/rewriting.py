"""The rewrites' effect and cost: graph sizes before and after rewriting, and rewrite time.

Sizes are numbers of Apply nodes of the compiled function's graph (outputs and updates)
with no rewrites, with FAST_COMPILE's and with FAST_RUN's; times are for the rewriting
alone (no lowering), the median of a few runs. Workloads: the seed notebook's logistic
regression training step, an MLP training step, and a generated graph of 10,000 nodes
(the engine must stay near linear in the graph's size).

    python -m benchmarks.rewriting        # prints the table; `rows()` and `section()` for run.py
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import symtorch
import symtorch.tensor as T
from symtorch.compile.mode import Mode, get_mode
from symtorch.graph.basic import Variable
from symtorch.graph.fg import FunctionGraph
from symtorch.graph.traversal import io_toposort
from symtorch.rewriting import rewrite_for_mode

# A graph is (inputs, outputs): the inputs include the shared variables it reads.
Graph = tuple[list[Variable], list[Variable]]


@dataclass
class RewriteRow:
    name: str
    nodes: int             # Apply nodes with no rewrite
    fast_compile: int      # after FAST_COMPILE's rewrites
    fast_run: int          # after FAST_RUN's rewrites
    rewrite_s: float       # FAST_RUN rewrite time, median


def logistic_regression_step() -> Graph:
    """The seed's training step: N=400 examples, 784 features, float64; the cost, its
    gradient, and the outputs and updates of `train`."""
    rng = np.random.RandomState(1234)
    x, y = T.dmatrix("x"), T.dvector("y")
    w = symtorch.shared(rng.randn(784), name="w")
    b = symtorch.shared(0.0, name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
    prediction = p_1 > 0.5
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    return [x, y, w, b], [prediction, xent, w - 0.1 * gw, b - 0.1 * gb]


def mlp_step() -> Graph:
    """One SGD step of a 784-500-10 MLP: tanh hidden layer, softmax output, categorical
    cross-entropy on integer labels, minibatches of 128, float32."""
    rng = np.random.RandomState(0)
    x, y = T.fmatrix("x"), T.ivector("y")  # minibatches of 128 rows, not told to the graph
    w1 = symtorch.shared(rng.uniform(-0.05, 0.05, (784, 500)).astype("float32"), name="w1")
    b1 = symtorch.shared(np.zeros(500, dtype="float32"), name="b1")
    w2 = symtorch.shared(rng.uniform(-0.05, 0.05, (500, 10)).astype("float32"), name="w2")
    b2 = symtorch.shared(np.zeros(10, dtype="float32"), name="b2")
    hidden = T.tanh(T.dot(x, w1) + b1)
    p_y = T.nnet.softmax(T.dot(hidden, w2) + b2)
    cost = T.mean(T.nnet.categorical_crossentropy(p_y, y))
    params = [w1, b1, w2, b2]
    grads = T.grad(cost, params)
    inputs = [x, y, *params]
    return inputs, [cost] + [p - np.float32(0.01) * g for p, g in zip(params, grads)]


def generated_graph(n_nodes: int = 10_000, seed: int = 0) -> Graph:
    """A random elementwise graph of `n_nodes` Apply nodes (or a few more) over a matrix
    and a vector, with the patterns the canonicalizer removes (constants to fold, x ** 2,
    -(-x), exp(log(.)), ones_like(x) * x) and two sums."""
    rng = np.random.RandomState(seed)
    x, y = T.dmatrix("x"), T.dvector("y")
    pool: list[Variable] = [x, y]
    makers: list[Callable[[Variable, Variable], Variable]] = [
        lambda a, b: T.tanh(a),
        lambda a, b: a * 2.0 + b,
        lambda a, b: (a - b) * 0.5,
        lambda a, b: T.exp(T.log(a * a + 1.0)),
        lambda a, b: T.neg(T.neg(a)) * 1.0,
        lambda a, b: a ** 2 + T.ones_like(b) * b,
    ]

    def outputs() -> list[Variable]:
        return [T.sum(pool[-1]) + T.sum(pool[-2])]

    while True:
        for _ in range(100):
            a, b = pool[rng.randint(len(pool))], pool[rng.randint(len(pool))]
            pool.append(makers[rng.randint(len(makers))](a, b))
            pool = pool[-50:]
        if len(io_toposort([x, y], outputs())) >= n_nodes:
            return [x, y], outputs()


def _size(graph: Graph, mode: Mode | None) -> tuple[int, float]:
    inputs, outputs = graph
    fgraph = FunctionGraph(inputs, outputs)
    start = time.perf_counter()
    if mode is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            rewrite_for_mode(fgraph, mode)
    return len(fgraph.apply_nodes), time.perf_counter() - start


def measure(name: str, graph: Graph, repeats: int = 3) -> RewriteRow:
    nodes, _ = _size(graph, None)
    fast_compile, _ = _size(graph, get_mode("FAST_COMPILE"))
    times, fast_run = [], 0
    for _ in range(repeats):
        fast_run, seconds = _size(graph, get_mode("FAST_RUN"))
        times.append(seconds)
    return RewriteRow(name, nodes, fast_compile, fast_run, statistics.median(times))


def rows(large: int = 10_000) -> list[RewriteRow]:
    return [
        measure("logistic regression step (N=400, 784 features, float64)",
                logistic_regression_step()),
        measure("MLP step (784-500-10, tanh, softmax + cross-entropy, batch 128, float32)",
                mlp_step()),
        measure(f"generated elementwise graph ({large:,} nodes)", generated_graph(large),
                repeats=3),
    ]


def section(result: list[RewriteRow] | None = None) -> str:
    """A Markdown section for RESULTS.md."""
    result = rows() if result is None else result
    lines = ["### Rewriting: graph size (Apply nodes) and rewrite time", "",
             "| graph | no rewrites | FAST_COMPILE | FAST_RUN | FAST_RUN rewrite time (s) |",
             "|---|---:|---:|---:|---:|"]
    for r in result:
        lines.append(f"| {r.name} | {r.nodes} | {r.fast_compile} | {r.fast_run} | "
                     f"{r.rewrite_s:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    sys.stdout.write(section())


if __name__ == "__main__":
    main()

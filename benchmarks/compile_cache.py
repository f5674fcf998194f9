"""Cold and warm compiles: the same FAST_RUN function (the MLP training step) compiled
in two fresh processes sharing one (initially empty) compile folder. The second should
take a small fraction of the first.

Each process first compiles a one-op function and times that apart: it pays what any
process pays once for Inductor (importing it and its runtime, and, the first time on a
machine, probing the C++ compiler and building shared headers). The MLP step's own
compile is timed after it, and the end-to-end figure is the sum.

    python -m benchmarks.compile_cache
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from .common import Timing

CHILD = r"""
import json, time
import numpy as np
import symtorch, symtorch.tensor as T
x, y = T.fmatrix("x"), T.lvector("y")
rng = np.random.default_rng(0)
w1 = symtorch.shared((rng.standard_normal((784, 500)) * 0.05).astype("float32"), name="w1")
b1 = symtorch.shared(np.zeros(500, "float32"), name="b1")
w2 = symtorch.shared((rng.standard_normal((500, 10)) * 0.05).astype("float32"), name="w2")
b2 = symtorch.shared(np.zeros(10, "float32"), name="b2")
h = T.tanh(T.dot(x, w1) + b1)
cost = T.mean(T.nnet.categorical_crossentropy(T.nnet.softmax(T.dot(h, w2) + b2), y))
params = [w1, b1, w2, b2]
updates = [(p, p - np.float32(0.1) * g) for p, g in zip(params, T.grad(cost, params))]
start = time.perf_counter()
a = T.dvector("a")
symtorch.function([a], a + 1, mode="FAST_RUN")(np.ones(3))
startup = time.perf_counter() - start
start = time.perf_counter()
train = symtorch.function([x, y], cost, updates=updates, mode="FAST_RUN")
train(rng.standard_normal((128, 784)).astype("float32"), rng.integers(0, 10, 128))
print(json.dumps({"startup": startup, "step": time.perf_counter() - start}))
"""


def cold_and_warm() -> list[Timing]:
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k != "TORCHINDUCTOR_CACHE_DIR"}
        env["SYMTORCH_FLAGS"] = f"compiledir={folder}"
        runs = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                                 text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    cold, warm = runs
    total = [r["startup"] + r["step"] for r in runs]
    return [
        Timing("MLP step compile, first process (empty cache): function() + first call",
               cold["step"] * 1e6),
        Timing("MLP step compile, second process (same cache)", warm["step"] * 1e6,
               note=f"{warm['step'] / cold['step']:.3f} of the first"),
        Timing("Inductor start-up, first process (once per process)", cold["startup"] * 1e6),
        Timing("Inductor start-up, second process", warm["startup"] * 1e6),
        Timing("end to end, first process", total[0] * 1e6),
        Timing("end to end, second process", total[1] * 1e6,
               note=f"{total[1] / total[0]:.2f} of the first"),
    ]


def section() -> str:
    lines = ["### Compile cache: the MLP step compiled in a first and a second process", "",
             "| what | seconds | note |", "|---|---:|---|"]
    lines += [f"| {row.name} | {row.median_us / 1e6:.2f} | {row.note} |" for row in cold_and_warm()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    for row in cold_and_warm():
        print(f"{row.name}: {row.median_us / 1e6:.2f} s {row.note}")

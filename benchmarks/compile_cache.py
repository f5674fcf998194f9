"""Cold and warm compiles: the same FAST_RUN function compiled in two fresh processes
sharing one (initially empty) compile cache folder. The second should take a small
fraction of the first.

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
train = symtorch.function([x, y], cost, updates=updates, mode="FAST_RUN")
train(rng.standard_normal((128, 784)).astype("float32"), rng.integers(0, 10, 128))
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def cold_and_warm() -> list[Timing]:
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=os.path.join(folder, "inductor"),
                   SYMTORCH_FLAGS=f"compiledir={folder}")
        times = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                                 text=True, check=True)
            times.append(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
    return [Timing("first process (cold cache): build + compile + first call", times[0] * 1e6),
            Timing("second process (warm cache): build + compile + first call", times[1] * 1e6,
                   note=f"{times[1] / times[0]:.2f} of the cold time")]


if __name__ == "__main__":
    for row in cold_and_warm():
        print(f"{row.name}: {row.median_us / 1e6:.2f} s {row.note}")

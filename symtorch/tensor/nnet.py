"""T.nnet: neural-network functions under Theano's names (sigmoid, softmax, relu, ...).

Part of the op library (tensor/). The elementwise activations are graphs of
Elemwise rows (scalar.py), differentiated through the Elemwise table; four ops
are worth a class of their own: Softmax and LogSoftmax along an axis, the
cross-entropy of integer class labels and its gradient (a scatter). Each holds
its L_op and R_op; their torch rules live in link/torch/nnet.py.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..graph.basic import Apply, Op
from . import math as tm
from .basic import NotScalarConstantError, as_tensor_variable, constant, get_scalar_constant_value
from .construction import arange
from .reduction import sum as tsum
from .scalar import upgrade_to_float
from .shape import shape_i, shape_padleft, shape_padright
from .type import TensorType, complex_dtypes, discrete_dtypes, float_dtypes, int_dtypes
from .variable import TensorConstant, TensorVariable

__all__ = [
    "CrossentropyCategorical1Hot", "CrossentropyCategorical1HotGrad", "LogSoftmax", "Softmax",
    "binary_crossentropy", "categorical_crossentropy", "crossentropy_categorical_1hot",
    "crossentropy_categorical_1hot_grad", "elu", "hard_sigmoid",
    "log_softmax", "logsoftmax", "relu", "selu", "sigmoid", "sigmoid_binary_crossentropy",
    "softmax", "softmax_with_bias", "softplus", "softsign", "ultra_fast_sigmoid",
]


def _float_input(x: Any, what: str) -> TensorVariable:
    """`x` as a real float tensor: integers and bools are cast as Theano's float
    functions do (int8/int16/uint8/bool to float32, int32/int64 to float64)."""
    x = as_tensor_variable(x)
    if x.dtype in complex_dtypes:
        raise TypeError(f"{what} is not defined for complex inputs; {x.describe()} is "
                        f"{x.type.describe_value()}")
    if x.dtype in discrete_dtypes:
        x = tm.cast(x, upgrade_to_float(x.dtype))
    return x


def _check_axis(axis: Any, x: TensorVariable, what: str) -> int | None:
    """The axis as a non-negative int (or None), or raise naming `x`."""
    if axis is None:
        return None
    if isinstance(axis, bool):
        raise TypeError(f"{what}: axis must be an int or None, not {axis!r}")
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{what}: axis must be an int or None, not {axis!r}") from None
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{what}: axis {axis} is out of range for {x.describe()}, which has "
                         f"{x.ndim} dimensions")
    return axis % x.ndim


# -- elementwise activations: graphs of scalar-table rows ----------------------------------

def sigmoid(x: Any) -> TensorVariable:
    """1 / (1 + exp(-x)), elementwise."""
    return tm.sigmoid(x)


def softplus(x: Any) -> TensorVariable:
    """log(1 + exp(x)), elementwise, computed without overflow."""
    return tm.softplus(x)


def ultra_fast_sigmoid(x: Any) -> TensorVariable:
    """Theano's piecewise approximation of sigmoid (absolute error below 0.028):
    with h = x/2 and a = |h|, 0.5 + 0.5 * g, where g is 1.5h/(1+a) for a < 1.7,
    then sign(h) times a line up to a = 3 and 0.99505475368673 beyond. NaN stays NaN."""
    x = _float_input(x, "ultra_fast_sigmoid")
    h = x * 0.5
    a = tm.abs(h)
    tail = tm.switch(tm.ge(a, 3.0), 0.99505475368673,
                     (a - 1.7) * 0.0458812946797165 + 0.935409070603099)
    g = tm.switch(tm.ge(a, 1.7), tm.switch(tm.lt(h, 0.0), -tail, tail), (h * 1.5) / (a + 1.0))
    return g * 0.5 + 0.5


def hard_sigmoid(x: Any) -> TensorVariable:
    """Theano's piecewise-linear sigmoid: clip(0.2 * x + 0.5, 0, 1)."""
    x = _float_input(x, "hard_sigmoid")
    return tm.clip(x * 0.2 + 0.5, 0.0, 1.0)


def relu(x: Any, alpha: Any = 0) -> TensorVariable:
    """max(x, 0), or with a slope `alpha` for negative inputs (leaky relu):
    x where x > 0, alpha * x elsewhere. With alpha = 0 the dtype is kept (an
    integer input gives an integer result, where Theano's 0.5 * (x + |x|) gave floats)."""
    x = as_tensor_variable(x)
    try:
        alpha_zero = get_scalar_constant_value(alpha) == 0
    except NotScalarConstantError:
        alpha_zero = False
    if alpha_zero:
        return tm.switch(tm.lt(x, 0), 0, x)  # max(x, 0), NaN kept
    return tm.switch(tm.gt(x, 0), x, alpha * x)


def elu(x: Any, alpha: Any = 1.0) -> TensorVariable:
    """Exponential linear unit: x where x > 0, alpha * (exp(x) - 1) elsewhere. The
    exponential only sees the non-positive inputs, so large ones give no inf whose
    zero-weighted gradient would be NaN."""
    x = _float_input(x, "elu")
    positive = tm.gt(x, 0)
    return tm.switch(positive, x, alpha * tm.expm1(tm.switch(positive, 0, x)))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Any) -> TensorVariable:
    """Scaled exponential linear unit: scale * elu(x, alpha), Klambauer et al.'s constants."""
    return elu(x, _SELU_ALPHA) * _SELU_SCALE


def softsign(x: Any) -> TensorVariable:
    """x / (1 + |x|), elementwise."""
    x = _float_input(x, "softsign")
    return x / (tm.abs(x) + 1.0)


# -- softmax and log-softmax ----------------------------------------------------------------

def _props_str(op: Op) -> str:
    return f"{type(op).__name__}{{{', '.join(f'{p}={getattr(op, p)!r}' for p in op.__props__)}}}"


class _SoftmaxBase(Op):
    """What Softmax and LogSoftmax share: one float input, output of the same type."""

    __props__ = ("axis",)
    what = ""

    def __init__(self, axis: int | None = -1):
        if axis is not None and (isinstance(axis, bool) or not isinstance(axis, (int, np.integer))):
            raise TypeError(f"{type(self).__name__}: axis must be an int or None, not {axis!r}")
        self.axis = None if axis is None else int(axis)

    def __str__(self) -> str:
        return _props_str(self)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.dtype not in float_dtypes:
            raise TypeError(f"{self.what} expects a float tensor; {x.describe()} is "
                            f"{x.type.describe_value()}")
        if self.axis is not None:
            _check_axis(self.axis, x, self.what)
        return Apply(self, [x], [x.type.make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [input_shapes[0]]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        (x,) = inputs
        work = x.astype(np.float32) if x.dtype == np.float16 else x
        if work.size == 0:
            return [x.copy()]
        with np.errstate(all="ignore"):
            shifted = work - np.max(work, axis=self.axis, keepdims=True)
            out = self._from_shifted(shifted)
        return [np.asarray(out).astype(x.dtype, copy=False)]

    def _from_shifted(self, shifted: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _sum(self, v: TensorVariable) -> TensorVariable:
        """v summed along the op's axis (all axes for None), keeping the dimensions."""
        return tsum(v, axis=self.axis, keepdims=True)


class Softmax(_SoftmaxBase):
    """softmax(x, axis) = exp(x - max) / sum(exp(x - max)) along `axis` (None: over
    all elements). Floats only; the output has the input's type. Theano's softmax
    of a matrix is row-wise: axis=-1. A vector stays a vector (Theano made it a row)."""

    what = "softmax"

    def _from_shifted(self, shifted):
        e = np.exp(shifted)
        return e / np.sum(e, axis=self.axis, keepdims=True)

    def L_op(self, inputs, outputs, output_grads):
        """dx = y * (g - sum(g * y)): written with the output, so saturated inputs
        (y exactly 0 or 1) give finite gradients."""
        (y,), (g,) = outputs, output_grads
        return [y * (g - self._sum(g * y))]

    def R_op(self, inputs, eval_points):
        """dy = y * (v - sum(v * y)), the same product applied to the tangent."""
        (v,) = eval_points
        if v is None:
            return [None]
        y = self(inputs[0])
        return [y * (v - self._sum(v * y))]


class LogSoftmax(_SoftmaxBase):
    """log_softmax(x, axis) = x - max - log(sum(exp(x - max))) along `axis`: the log
    of softmax, without its underflow to log(0)."""

    what = "log_softmax"

    def _from_shifted(self, shifted):
        return shifted - np.log(np.sum(np.exp(shifted), axis=self.axis, keepdims=True))

    def L_op(self, inputs, outputs, output_grads):
        """dx = g - softmax(x) * sum(g), with softmax(x) = exp(y) (y <= 0: no overflow)."""
        (y,), (g,) = outputs, output_grads
        return [g - tm.exp(y) * self._sum(g)]

    def R_op(self, inputs, eval_points):
        """dy = v - sum(softmax(x) * v)."""
        (v,) = eval_points
        if v is None:
            return [None]
        y = self(inputs[0])
        return [v - self._sum(tm.exp(y) * v)]


def softmax(x: Any, axis: int | None = -1) -> TensorVariable:
    """exp(x) / sum(exp(x)) along `axis` (the last by default: rows of a matrix)."""
    x = _float_input(x, "softmax")
    return Softmax(_check_axis(axis, x, "softmax"))(x)


def log_softmax(x: Any, axis: int | None = -1) -> TensorVariable:
    """log(softmax(x, axis)), computed stably."""
    x = _float_input(x, "log_softmax")
    return LogSoftmax(_check_axis(axis, x, "log_softmax"))(x)


logsoftmax = log_softmax  # Theano's spelling


def softmax_with_bias(x: Any, b: Any) -> TensorVariable:
    """Theano's softmax_with_bias(x, b): softmax(x + b) along the last axis."""
    return softmax(tm.add(x, b))


# -- cross-entropies --------------------------------------------------------------------------

class CrossentropyCategorical1Hot(Op):
    """-log(coding_dist[..., true_idx]): the cross-entropy of integer class labels.

    `coding_dist` holds probabilities along its last axis, shape (..., n_classes);
    `true_idx` holds integer labels in [0, n_classes) of shape (...), the same as
    coding_dist's leading dimensions (checked; no broadcasting). The result has
    coding_dist's dtype and the labels' shape. A label out of range is an error
    when the function runs (NumPy's IndexError, torch's RuntimeError).
    """

    __props__ = ()

    def make_node(self, coding_dist: Any, true_idx: Any) -> Apply:
        coding, labels = as_tensor_variable(coding_dist), as_tensor_variable(true_idx)
        if coding.dtype not in float_dtypes or coding.ndim < 1:
            raise TypeError(f"categorical_crossentropy: coding_dist must be a float tensor with a "
                            f"class axis (1 or more dims); {coding.describe()} is "
                            f"{coding.type.describe_value()}")
        if labels.dtype not in int_dtypes or labels.ndim != coding.ndim - 1:
            raise TypeError(f"categorical_crossentropy: integer labels must be an integer tensor "
                            f"with {coding.ndim - 1} dims (one fewer than coding_dist "
                            f"{coding.describe()}); {labels.describe()} is "
                            f"{labels.type.describe_value()}")
        shape = []
        for dim, (c, l) in enumerate(zip(coding.type.shape[:-1], labels.type.shape)):
            if c is not None and l is not None and c != l:
                raise ValueError(f"categorical_crossentropy: {labels.describe()} has length {l} in "
                                 f"dimension {dim}, but coding_dist {coding.describe()} has {c}")
            shape.append(c if c is not None else l)
        return Apply(self, [coding, labels], [TensorType(coding.dtype, shape).make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [tuple(input_shapes[0][:-1])]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        coding, labels = inputs
        check_label_shape(coding, labels)
        if labels.size and (labels.min() < 0 or labels.max() >= coding.shape[-1]):
            raise IndexError(f"categorical_crossentropy: labels must lie in [0, {coding.shape[-1]}); "
                             f"got {labels.min()}..{labels.max()}")
        picked = np.take_along_axis(coding, labels.astype(np.intp)[..., None], axis=-1)[..., 0]
        with np.errstate(divide="ignore"):
            return [np.asarray(-np.log(picked)).astype(coding.dtype, copy=False)]

    def L_op(self, inputs, outputs, output_grads):
        """d coding_dist = -g / coding_dist at the labels' positions, zero elsewhere (one
        scatter, `CrossentropyCategorical1HotGrad`); the labels are disconnected."""
        coding, labels = inputs
        return [crossentropy_categorical_1hot_grad(output_grads[0], coding, labels), None]

    def R_op(self, inputs, eval_points):
        """d out = -v[label] / coding_dist[label]."""
        coding, labels = inputs
        v = eval_points[0]
        if v is None:
            return [None]
        return [-pick_labels(v, labels) / pick_labels(coding, labels)]


def _one_hot(labels: TensorVariable, like: TensorVariable) -> TensorVariable:
    """A bool mask shaped like `like`: True where the last index equals the label."""
    classes = arange(shape_i(like, like.ndim - 1))
    return tm.eq(shape_padleft(classes, labels.ndim), shape_padright(labels, 1))


def pick_labels(x: Any, labels: Any) -> TensorVariable:
    """x[..., label]: the entry of x's last axis at each label, as a graph (a one-hot
    select and sum, so inf or nan elsewhere in x do not leak in). Differentiable; used
    by the cross-entropy ops' second derivatives and R_ops."""
    x, labels = as_tensor_variable(x), as_tensor_variable(labels)
    return tsum(tm.switch(_one_hot(labels, x), x, 0), axis=-1)


class CrossentropyCategorical1HotGrad(Op):
    """The gradient of `CrossentropyCategorical1Hot` with respect to coding_dist:
    inputs (g, coding_dist, true_idx), g shaped like the labels; the result is shaped
    like coding_dist, -g / coding_dist[..., label] at each label's position and 0
    elsewhere. Only the labels' entries of coding_dist are read, so zeros elsewhere
    (a saturated softmax) do not turn into inf or nan. g is cast to coding_dist's dtype.
    """

    __props__ = ()

    def make_node(self, g: Any, coding_dist: Any, true_idx: Any) -> Apply:
        forward = crossentropy_categorical_1hot.make_node(coding_dist, true_idx)
        coding, labels = forward.inputs
        g = as_tensor_variable(g)
        if g.dtype not in float_dtypes or g.ndim != labels.ndim:
            raise TypeError(f"CrossentropyCategorical1HotGrad: the output gradient must be a float "
                            f"tensor with {labels.ndim} dims, like the labels {labels.describe()}; "
                            f"{g.describe()} is {g.type.describe_value()}")
        if g.dtype != coding.dtype:
            g = tm.cast(g, coding.dtype)
        return Apply(self, [g, coding, labels], [coding.type.make_variable()])

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        return [input_shapes[1]]

    def perform(self, node: Apply, inputs: list[np.ndarray]) -> list[np.ndarray]:
        g, coding, labels = inputs
        check_label_shape(coding, labels)
        index = labels.astype(np.intp)[..., None]
        out = np.zeros_like(coding)
        with np.errstate(divide="ignore", invalid="ignore"):
            picked = -g[..., None] / np.take_along_axis(coding, index, axis=-1)
        np.put_along_axis(out, index, picked.astype(coding.dtype, copy=False), axis=-1)
        return [out]

    def L_op(self, inputs, outputs, output_grads):
        """With h = G[label] and p = coding[label]: dg = -h / p, d coding = g h / p^2 at the
        labels (the same scatter, of -g h / p)."""
        g, coding, labels = inputs
        h, p = pick_labels(output_grads[0], labels), pick_labels(coding, labels)
        return [-h / p, self(-g * h / p, coding, labels), None]

    def R_op(self, inputs, eval_points):
        """d out = scatter of -(v_g - g v_p / p) / p at the labels."""
        g, coding, labels = inputs
        v_g, v_coding = eval_points[0], eval_points[1]
        if v_g is None and v_coding is None:
            return [None]
        h = None
        if v_coding is not None:
            h = -g * pick_labels(v_coding, labels) / pick_labels(coding, labels)
        if v_g is not None:
            h = v_g if h is None else v_g + h
        return [self(h, coding, labels)]


def check_label_shape(coding: Any, labels: Any) -> None:
    """Raise ValueError unless the labels' shape is coding_dist's without its last axis.
    Works on NumPy arrays and torch tensors (the lowering calls it too)."""
    if tuple(labels.shape) != tuple(coding.shape[:-1]):
        raise ValueError(f"categorical_crossentropy: labels of shape {tuple(labels.shape)} do not "
                         f"match coding_dist of shape {tuple(coding.shape)} (expected labels of "
                         f"shape {tuple(coding.shape[:-1])})")


crossentropy_categorical_1hot = CrossentropyCategorical1Hot()
crossentropy_categorical_1hot_grad = CrossentropyCategorical1HotGrad()


def categorical_crossentropy(coding_dist: Any, true_dist: Any) -> TensorVariable:
    """Cross-entropy between predicted distributions and targets, per example.

    `coding_dist` holds probabilities along its last axis. `true_dist` is either
    integer class labels with one dimension fewer (-log of the picked
    probability), or distributions of coding_dist's shape (one-hot or soft):
    -sum(true_dist * log(coding_dist), axis=-1).
    """
    coding = as_tensor_variable(coding_dist)
    target = as_tensor_variable(true_dist)
    if target.ndim == coding.ndim - 1 and target.dtype in discrete_dtypes:
        return crossentropy_categorical_1hot(coding, target)
    if target.ndim == coding.ndim and coding.ndim >= 1:
        coding = _float_input(coding, "categorical_crossentropy")
        return -(target * tm.log(coding)).sum(axis=coding.ndim - 1)
    raise TypeError(f"categorical_crossentropy: true_dist must be integer labels with "
                    f"{coding.ndim - 1} dims or distributions with {coding.ndim} dims, like "
                    f"coding_dist {coding.describe()}; {target.describe()} is "
                    f"{target.type.describe_value()}")


def binary_crossentropy(output: Any, target: Any) -> TensorVariable:
    """-(target * log(output) + (1 - target) * log(1 - output)), elementwise;
    `output` holds probabilities. log(1 - output) is computed as log1p(-output)."""
    output = _float_input(output, "binary_crossentropy")
    target = as_tensor_variable(target)
    if isinstance(target, TensorConstant) and target.weak:  # a Python number: keep it weak in
        target = constant(target.data.astype(output.type.numpy_dtype))  # 1 - target too
    return -(target * tm.log(output) + (1.0 - target) * tm.log1p(-output))


def sigmoid_binary_crossentropy(logits: Any, target: Any) -> TensorVariable:
    """binary_crossentropy(sigmoid(logits), target), computed from the logits without
    overflow: max(logits, 0) - logits * target + log(1 + exp(-|logits|))."""
    logits = _float_input(logits, "sigmoid_binary_crossentropy")
    target = as_tensor_variable(target)
    return relu(logits) - logits * target + tm.softplus(-tm.abs(logits))

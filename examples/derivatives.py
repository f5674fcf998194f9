"""Seed "Derivatives in Aesara": the tutorial's code with only its imports changed.

The manual Jacobian and Hessian with scan are in scan_tutorial.py; the library's
jacobian and hessian are printed at the end.
"""
import numpy
import symtorch as aesara
import symtorch.tensor as aet
from symtorch import pp

x = aet.dscalar('x')
y = x ** 2
gy = aet.grad(y, x)
print(pp(gy))  # print out the gradient prior to optimization
f = aesara.function([x], gy)
print(repr(f(4)))
print(numpy.allclose(f(94.2), 188.4))
print(pp(f.maker.fgraph.outputs[0]))

x = aet.dmatrix('x')
s = aet.sum(1 / (1 + aet.exp(-x)))
gs = aet.grad(s, x)
dlogistic = aesara.function([x], gs)
print(repr(dlogistic([[0, 1], [-1, -2]])))

# R-operator
W = aet.dmatrix('W')
V = aet.dmatrix('V')
x = aet.dvector('x')
y = aet.dot(x, W)
JV = aesara.gradient.Rop(y, W, V)
f = aesara.function([W, V, x], JV)
print(repr(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1])))

# L-operator
W = aet.dmatrix('W')
v = aet.dvector('v')
x = aet.dvector('x')
y = aet.dot(x, W)
VJ = aesara.gradient.Lop(y, W, v)
f = aesara.function([v, x], VJ)
print(repr(f([2, 2], [0, 1])))

# Hessian times a vector, by two gradients
x = aet.dvector('x')
v = aet.dvector('v')
y = aet.sum(x ** 2)
gy = aet.grad(y, x)
vH = aet.grad(aet.sum(gy * v), x)
f = aesara.function([x, v], vH)
print(repr(f([4, 4], [2, 2])))

# ... and by the R-operator
x = aet.dvector('x')
v = aet.dvector('v')
y = aet.sum(x ** 2)
gy = aet.grad(y, x)
Hv = aesara.gradient.Rop(gy, x, v)
f = aesara.function([x, v], Hv)
print(repr(f([4, 4], [2, 2])))

# The library's Jacobian and Hessian (vectorized: all rows at once)
x = aet.dvector('x')
y = x ** 2
f = aesara.function([x], aesara.gradient.jacobian(y, x, vectorize=True))
print(repr(f([4, 4])))
f = aesara.function([x], aesara.gradient.hessian(aet.sum(x ** 2), x, vectorize=True))
print(repr(f([4, 4])))

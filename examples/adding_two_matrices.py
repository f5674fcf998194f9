"""Seed notebook, "Adding Two Matrices": the Theano code with only its imports changed."""
import numpy as np

import symtorch.tensor as T
from symtorch import function

x = T.dmatrix('x')
y = T.dmatrix('y')
z = x + y
f = function([x, y], z)

print(repr(f([[1, 2], [3, 4]], [[10, 20], [30, 40]])))
print(repr(f(np.array([[1, 2], [3, 4]]), np.array([[10, 20], [30, 40]]))))

"""Seed notebook, "Adding Two Scalars": the Theano code with only its imports changed."""
import numpy as np  # noqa: F401

import symtorch as theano  # noqa: F401
import symtorch.tensor as T
from symtorch import function

x = T.dscalar('x')
y = T.dscalar('y')

print(type(x))
print(x.type)
print(T.dscalar)
print(x.type is T.dscalar)

z = x + y

from symtorch import pp  # noqa: E402

print(pp(z))

f = function([x, y], z)
print(repr(f(2, 3)))

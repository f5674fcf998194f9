"""Seed "Derivatives in Aesara", its Jacobian and Hessian sections: computed manually with
scan, the tutorial's code with only its imports changed (the tutorial uses `T.arange`
without importing T; the import is added)."""
import symtorch as aesara
import symtorch.tensor as T
import symtorch.tensor as aet

# Computing the Jacobian
x = aet.dvector('x')
y = x ** 2
J, updates = aesara.scan(lambda i, y, x : aet.grad(y[i], x), sequences=T.arange(y.shape[0]), non_sequences=[y, x])  # noqa: E501
f = aesara.function([x], J, updates=updates)
print(repr(f([4, 4])))

# Computing the Hessian
x = aet.dvector('x')
y = x ** 2
cost = y.sum()
gy = aet.grad(cost, x)
H, updates = aesara.scan(lambda i, gy,x : aet.grad(gy[i], x), sequences=T.arange(gy.shape[0]), non_sequences=[gy, x])  # noqa: E501
f = aesara.function([x], H, updates=updates)
print(repr(f([4, 4])))

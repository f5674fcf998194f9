"""Seed notebook, "Graph Structures": Variables, Apply nodes and Ops."""
import symtorch as theano

x = theano.tensor.dmatrix('x')
y = x * 2

print(type(y.owner))
print(y.owner.op.name)
print(len(y.owner.inputs))
print(y.owner.inputs[0])
print(y.owner.inputs[1])
print(type(y.owner.inputs[1]))
print(type(y.owner.inputs[1].owner))
print(y.owner.inputs[1].owner.op)
print(y.owner.inputs[1].owner.inputs)

"""Seed notebook, "Shared Variables": an accumulator with persistent state."""
import symtorch.tensor as T
from symtorch import function, shared

state = shared(0)
inc = T.iscalar('inc')
accumulator = function([inc], state, updates=[(state, state + inc)])

print(state.get_value())
print(repr(accumulator(1)))
print(state.get_value())
print(repr(accumulator(300)))
print(state.get_value())

state.set_value(-1)
print(repr(accumulator(3)))
print(state.get_value())

decrementor = function([inc], state, updates=[(state, state - inc)])
print(repr(decrementor(2)))
print(state.get_value())

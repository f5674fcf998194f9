"""Seed notebook, "Logistic Regression Example": the Theano code with only its imports
changed (and the training accuracy printed at the end)."""
import numpy as np
import symtorch.tensor as T
import symtorch as theano

rng = np.random
rng.seed(1234)  # added: a reproducible run

N = 400      # Training sample size
feats = 784  # Number of input variables

# generate a dataset: D = (input_values, target_class)
# D[0].shape = (400, 784), D[1].shape = (400,)
D = (rng.randn(N, feats), rng.randint(size=N, low=0, high=2))
training_steps = 10000

# Declare Theano symbolic variables
x = T.dmatrix('x')
y = T.dvector('y')

# Initialize the weight vector w randomly
#
# This and the following bias variable b
# are shared so they keep their udpate values
# between training iterations (updates)
w = theano.shared(rng.randn(feats), name='w')

# Initialize bias term
b = theano.shared(0., name='b')

print('Initial model: ')
print(w.get_value())
print(b.get_value())

# ------- Construct Theano Expression Graph ---------
# Prediction, Probability that target = 1
p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
prediction = p_1 > 0.5                        # Prediction threshold

# Cross entropy loss function, returns an array of cross entropy's
xent = -y * T.log(p_1) - (1-y) * T.log(1-p_1)

# Get the average of all the cross entropy's, add regularization
cost = xent.mean() + 0.01 * (w ** 2).sum()

# Compute the gradient of the cost (w/ reg), w.r.t weight vector w and bias term b
gw, gb = T.grad(cost, [w, b])

# Compile
train = theano.function(
  inputs=[x, y],
  outputs=[prediction, xent],
  updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb))
)
predict = theano.function(inputs=[x], outputs=prediction)

# Train
for i in range(training_steps):
    pred, err = train(D[0], D[1])

print("Final model:")
print(w.get_value())
print(b.get_value())
print("target values for D:")
print(D[1])
print("prediction on D:")
print(predict(D[0]))
print("training accuracy:", (predict(D[0]) == D[1]).mean())  # added

"""Seed notebook, "Logistic Regression: Classifying MNIST Digits".

The tutorial's LogisticRegression class, trained with minibatch SGD through
`givens` that slice shared datasets, with its code unchanged but for imports.
MNIST itself cannot be downloaded here: the script reads the standard
`mnist.pkl.gz` when you have it (pass its path, or put it in ./data/), and
otherwise trains on scikit-learn's bundled 8x8 handwritten digits
(`pip install scikit-learn`).

    python examples/mnist_logistic.py [path/to/mnist.pkl.gz]
"""
import gzip
import os
import pickle
import sys
import timeit

import numpy as np
import symtorch as theano
import symtorch.tensor as T


class LogisticRegression(object):
    """Multi-class Logistic Regression Class

    The logistic regression is fully described by a weight matrix `W`
    and bias vector `b`. Classification is done by projecting data
    points onto a set of hyperplanes, the distance to which is used to
    determine a class membership probability.
    """

    def __init__(self, input, n_in, n_out):
        # initialize with 0 the weights W as a matrix of shape (n_in, n_out)
        self.W = theano.shared(
            value=np.zeros(
                (n_in, n_out),
                dtype=theano.config.floatX
            ),
            name='W',
            borrow=True
        )
        # initialize the biases b as a vector of n_out 0s
        self.b = theano.shared(
            value=np.zeros(
                (n_out,),
                dtype=theano.config.floatX
            ),
            name='b',
            borrow=True
        )

        # symbolic expression for computing the matrix of class-membership
        # probabilities
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)

        # symbolic description of how to compute prediction as class whose
        # probability is maximal
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)

        # parameters of the model
        self.params = [self.W, self.b]

        # keep track of model input
        self.input = input

    def negative_log_likelihood(self, y):
        """Return the mean of the negative log-likelihood of the prediction
        of this model under a given target distribution."""
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        """Return a float representing the number of errors in the minibatch
        over the total number of examples of the minibatch ; zero one
        loss over the size of the minibatch"""
        # check if y has same dimension of y_pred
        if y.ndim != self.y_pred.ndim:
            raise TypeError(
                'y should have the same shape as self.y_pred',
                ('y', y.type, 'y_pred', self.y_pred.type)
            )
        # check if y is of the correct datatype
        if y.dtype.startswith('int'):
            # the T.neq operator returns a vector of 0s and 1s, where 1
            # represents a mistake in prediction
            return T.mean(T.neq(self.y_pred, y))
        else:
            raise NotImplementedError()


# -- data -----------------------------------------------------------------------------------


def load_mnist_pickle(path):
    """The standard mnist.pkl.gz: three (images, labels) pairs, train/valid/test."""
    with gzip.open(path, 'rb') as f:
        try:
            train_set, valid_set, test_set = pickle.load(f, encoding='latin1')
        except TypeError:  # pickles written by Python 3 need no encoding
            f.seek(0)
            train_set, valid_set, test_set = pickle.load(f)
    return train_set, valid_set, test_set


def load_digits_split(seed=0):
    """scikit-learn's handwritten digits (8x8), split 60/20/20, scaled to [0, 1]."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit("No mnist.pkl.gz given and scikit-learn is not installed: "
                 "pip install scikit-learn, or pass the path to mnist.pkl.gz")
    digits = load_digits()
    x = (digits.data / 16.0).astype(theano.config.floatX)
    y = digits.target.astype('int64')
    order = np.random.RandomState(seed).permutation(len(y))
    x, y = x[order], y[order]
    a, b = int(0.6 * len(y)), int(0.8 * len(y))
    return (x[:a], y[:a]), (x[a:b], y[a:b]), (x[b:], y[b:])


def shared_dataset(data_xy, borrow=True):
    """Keep a dataset in shared variables (on the device), labels cast to int32."""
    data_x, data_y = data_xy
    shared_x = theano.shared(np.asarray(data_x, dtype=theano.config.floatX), borrow=borrow)
    shared_y = theano.shared(np.asarray(data_y, dtype=theano.config.floatX), borrow=borrow)
    return shared_x, T.cast(shared_y, 'int32')


def find_mnist(argv):
    candidates = argv[1:2] + [os.path.join('data', 'mnist.pkl.gz'), 'mnist.pkl.gz']
    return next((p for p in candidates if os.path.exists(p)), None)


# -- training -----------------------------------------------------------------------------


def sgd_optimization(datasets, learning_rate=0.13, n_epochs=200, batch_size=600, verbose=True):
    """Minibatch SGD with early stopping on the validation error; returns the test error."""
    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]
    test_set_x, test_set_y = datasets[2]
    n_in = train_set_x.get_value(borrow=True).shape[1]
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size
    n_test_batches = test_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()  # index to a [mini]batch
    x = T.matrix('x')    # data, presented as rasterized images
    y = T.ivector('y')   # labels, presented as 1D vector of [int] labels

    classifier = LogisticRegression(input=x, n_in=n_in, n_out=10)
    cost = classifier.negative_log_likelihood(y)

    test_model = theano.function(
        inputs=[index],
        outputs=classifier.errors(y),
        givens={
            x: test_set_x[index * batch_size: (index + 1) * batch_size],
            y: test_set_y[index * batch_size: (index + 1) * batch_size]
        }
    )
    validate_model = theano.function(
        inputs=[index],
        outputs=classifier.errors(y),
        givens={
            x: valid_set_x[index * batch_size: (index + 1) * batch_size],
            y: valid_set_y[index * batch_size: (index + 1) * batch_size]
        }
    )

    g_W = T.grad(cost=cost, wrt=classifier.W)
    g_b = T.grad(cost=cost, wrt=classifier.b)
    updates = [(classifier.W, classifier.W - learning_rate * g_W),
               (classifier.b, classifier.b - learning_rate * g_b)]
    train_model = theano.function(
        inputs=[index],
        outputs=cost,
        updates=updates,
        givens={
            x: train_set_x[index * batch_size: (index + 1) * batch_size],
            y: train_set_y[index * batch_size: (index + 1) * batch_size]
        }
    )

    best_validation_loss, test_score = np.inf, np.inf
    start_time = timeit.default_timer()
    for epoch in range(1, n_epochs + 1):
        for minibatch_index in range(n_train_batches):
            train_model(minibatch_index)
        this_validation_loss = np.mean([validate_model(i) for i in range(n_valid_batches)])
        if this_validation_loss < best_validation_loss:
            best_validation_loss = this_validation_loss
            test_score = np.mean([test_model(i) for i in range(n_test_batches)])
        if verbose and (epoch % 20 == 0 or epoch == 1):
            print(f"epoch {epoch}: validation error {this_validation_loss * 100:.2f} %, "
                  f"test error of best model {test_score * 100:.2f} %")
    if verbose:
        print(f"Optimization complete in {timeit.default_timer() - start_time:.1f} s: best "
              f"validation error {best_validation_loss * 100:.2f} %, test error {test_score * 100:.2f} %")
    return test_score


def main(argv):
    path = find_mnist(argv)
    if path is not None:
        print(f"training on MNIST from {path}")
        raw = load_mnist_pickle(path)
        batch_size, n_epochs = 600, 50
    else:
        print("mnist.pkl.gz not found: training on scikit-learn's handwritten digits")
        raw = load_digits_split()
        batch_size, n_epochs = 60, 200
    datasets = [shared_dataset(part) for part in raw]
    test_error = sgd_optimization(datasets, n_epochs=n_epochs, batch_size=batch_size)
    print(f"test accuracy: {1 - test_error:.3f}")
    return test_error


if __name__ == '__main__':
    main(sys.argv)

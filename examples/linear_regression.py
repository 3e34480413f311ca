"""Fit the tutorials' linear regression, loss = (x @ W + b - y) ** 2, by gradient descent.

The gradient is not taped or traced: ``@sourcegrad.grad`` reads the function's source and writes
its adjoint as plain numpy, printed at the end. Run from the repository root:

    python examples/linear_regression.py
"""
import numpy as np

import sourcegrad


def loss(W, b, x, y):
    """Mean squared error of the linear model x @ W + b over the data set."""
    return np.mean((x @ W + b - y) ** 2)


@sourcegrad.grad(wrt=("W", "b"))
def loss_gradient(W, b, x, y):
    """The same body as ``loss``: the decorator turns it into (d loss/dW, d loss/db)."""
    return np.mean((x @ W + b - y) ** 2)


def make_data(n=200, seed=0):
    """A synthetic data set: y = x @ W_true + b_true + a little noise."""
    rng = np.random.default_rng(seed)
    W_true = np.array([[2.0], [-3.0], [0.5]])
    b_true = np.array([1.5])
    x = rng.normal(size=(n, 3))
    y = x @ W_true + b_true + 0.01 * rng.normal(size=(n, 1))
    return x, y, W_true, b_true


def fit(x, y, steps=300, learning_rate=0.02, seed=1):
    rng = np.random.default_rng(seed)
    W = rng.random((3, 1))  # like torch.rand((3, 1)) in the tutorial
    b = rng.random(1)
    for step in range(steps + 1):
        if step % 30 == 0:
            print(f"step {step:4d}   loss {loss(W, b, x, y):.6f}")
        dW, db = loss_gradient(W, b, x, y)
        W = W - learning_rate * dW
        b = b - learning_rate * db
    return W, b


def main():
    np.set_printoptions(precision=4, suppress=True)
    x, y, W_true, b_true = make_data()
    W, b = fit(x, y)
    print()
    print("fitted W:", W.ravel(), "  true W:", W_true.ravel())
    print("fitted b:", b, "  true b:", b_true)
    error = max(np.max(np.abs(W - W_true)), np.max(np.abs(b - b_true)))
    print(f"max parameter error: {error:.4f}")
    print()
    print("The gradient sourcegrad generated for loss_gradient:")
    print()
    print(sourcegrad.source(loss_gradient))


if __name__ == "__main__":
    main()

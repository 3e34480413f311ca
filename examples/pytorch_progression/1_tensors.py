"""Step 1: fit y = sin(x) with a cubic, gradients worked out by hand, on tensors.

The model is y = a + b x + c x^2 + d x^3 over 2000 points in [-pi, pi]; the loss is the sum of
squared errors, and its gradient with respect to each coefficient is written out below. No
autograd yet: tensors are just arrays here.
"""
import math

import sourcegrad as torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# fixed starting coefficients, so every run (and PyTorch's) prints the same numbers
a, b, c, d = (torch.tensor(v) for v in (0.1, -0.2, 0.3, -0.05))

learning_rate = 1e-6
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, f"{loss.item():.6g}")

    # d loss / d y_pred, then the chain rule by hand for each coefficient
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()

    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d

print(f"Result: y = {a.item():.5f} + {b.item():.5f} x + {c.item():.5f} x^2 + {d.item():.5f} x^3")

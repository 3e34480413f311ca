"""Step 2: the same fit, with the gradients from autograd.

The coefficients require grad, so every operation on them is recorded; ``loss.backward()``
fills ``a.grad`` ... ``d.grad``. The update runs under ``no_grad`` (it must not be recorded) and
the gradients are reset after each step, because backward adds to them.
"""
import math

import sourcegrad as torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (0.1, -0.2, 0.3, -0.05))

learning_rate = 1e-6
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, f"{loss.item():.6g}")

    loss.backward()

    with torch.no_grad():
        for coefficient in (a, b, c, d):
            coefficient -= learning_rate * coefficient.grad
            coefficient.grad = None

print(f"Result: y = {a.item():.5f} + {b.item():.5f} x + {c.item():.5f} x^2 + {d.item():.5f} x^3")
print("grad_fn of the last loss:", type(loss.grad_fn).__name__)

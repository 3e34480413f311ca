"""Step 3: a custom autograd.Function with its own backward.

The model becomes y = a + b P3(c + d x), with P3 the Legendre polynomial of degree 3,
P3(z) = (5 z^3 - 3 z) / 2. ``LegendreP3.forward`` computes it and saves its input;
``LegendreP3.backward`` returns d P3 / dz = 1.5 (5 z^2 - 1) times the incoming gradient.
"""
import math

import sourcegrad as torch


class LegendreP3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return 0.5 * (5 * z ** 3 - 3 * z)

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * z ** 2 - 1)


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))

learning_rate = 5e-6
for t in range(300):
    y_pred = a + b * LegendreP3.apply(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, f"{loss.item():.6g}")
    loss.backward()
    with torch.no_grad():
        for coefficient in (a, b, c, d):
            coefficient -= learning_rate * coefficient.grad
            coefficient.grad = None

print(f"Result: y = {a.item():.5f} + {b.item():.5f} * P3({c.item():.5f} + {d.item():.5f} x)")
print("node of P3:", type(LegendreP3.apply(c + d * x).grad_fn).__name__)

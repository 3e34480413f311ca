"""Step 7: control flow and weight sharing: the graph is built anew on every call.

Each forward pass adds the x^4 term between zero and two times (chosen at random), reusing the
same parameter ``e`` each time: Python's ``for`` decides the graph, and the gradient of ``e``
adds up over its uses. SGD with momentum trains it.
"""
import math
import random

import sourcegrad as torch


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Parameter(torch.tensor(0.1)), torch.nn.Parameter(
            torch.tensor(-0.2))
        self.c, self.d = torch.nn.Parameter(torch.tensor(0.3)), torch.nn.Parameter(
            torch.tensor(-0.05))
        self.e = torch.nn.Parameter(torch.tensor(0.01))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return (f"y = {self.a.item():.5f} + {self.b.item():.5f} x + {self.c.item():.5f} x^2 + "
                f"{self.d.item():.5f} x^3 + {self.e.item():.5f} x^4 ? + {self.e.item():.5f} x^5 ?")


random.seed(0)  # the same sequence of graphs in every run
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

model = DynamicNet()
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(600):
    loss = criterion(model(x), y)
    if t % 200 == 199:
        print(t, f"{loss.item():.6g}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"Result: {model.string()}")

"""Step 4: the cubic as an ``nn`` model, trained with a hand-written update.

The inputs become the features (x, x^2, x^3); ``nn.Linear(3, 1)`` holds the coefficients b, c, d
as its weight and a as its bias; ``nn.Flatten(0, 1)`` turns the (2000, 1) output into 2000
values. ``nn.MSELoss(reduction="sum")`` is the loss; ``model.parameters()`` the values to update.
"""
import math

import sourcegrad as torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
powers = torch.tensor([1, 2, 3])
features = x.unsqueeze(-1).pow(powers)

model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():  # fixed starting weights instead of the random ones
    model[0].weight.copy_(torch.tensor([[-0.2, 0.3, -0.05]]))
    model[0].bias.fill_(0.1)
loss_fn = torch.nn.MSELoss(reduction="sum")
print(model)

learning_rate = 1e-6
for t in range(300):
    loss = loss_fn(model(features), y)
    if t % 100 == 99:
        print(t, f"{loss.item():.6g}")
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear = model[0]
print(f"Result: y = {linear.bias.item():.5f} + {linear.weight[:, 0].item():.5f} x + "
      f"{linear.weight[:, 1].item():.5f} x^2 + {linear.weight[:, 2].item():.5f} x^3")

"""Step 5: let an optimizer do the update.

The same model and loss; ``torch.optim.RMSprop`` keeps a running average of squared gradients
per parameter and scales each step by it. ``optimizer.zero_grad()`` / ``optimizer.step()``
replace the loop over parameters.
"""
import math

import sourcegrad as torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
features = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))

model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[-0.2, 0.3, -0.05]]))
    model[0].bias.fill_(0.1)
loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)

for t in range(300):
    loss = loss_fn(model(features), y)
    if t % 100 == 99:
        print(t, f"{loss.item():.6g}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear = model[0]
print(f"Result: y = {linear.bias.item():.5f} + {linear.weight[:, 0].item():.5f} x + "
      f"{linear.weight[:, 1].item():.5f} x^2 + {linear.weight[:, 2].item():.5f} x^3")

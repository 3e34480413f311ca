"""Training machinery against real PyTorch: ``optim`` (each optimizer and schedule, a few steps
from the same start), ``nn.init``, ``nn.utils`` and ``utils.data`` (the autograd API is
``test_tensor_vs_torch_autograd.py``)."""
from __future__ import annotations

import math

import pytest
from tensor_compare import Registry, check

import sourcegrad

torch = pytest.importorskip("torch", reason="the differential tests need PyTorch (Python 3.11)")

REGISTRY = Registry(torch)
case = REGISTRY.case


# -- optimizers -----------------------------------------------------------------------------------
def _train(make_optimizer, steps=5, schedule=None):
    """A small regression fitted for a few steps; returns the path the parameters took."""
    def expr(m):
        m.manual_seed(0)
        model = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.Tanh(), m.nn.Linear(4, 1))
        x = m.linspace(-1, 1, 15).reshape(5, 3)
        y = (x ** 2).sum(1, keepdim=True)
        opt = make_optimizer(m, model.parameters())
        scheduler = schedule(m, opt) if schedule else None
        path = []
        for _ in range(steps):
            opt.zero_grad()
            loss = m.nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            path.append((loss.item(), [g["lr"] for g in opt.param_groups]))
        state = opt.state_dict()
        return (path, list(model.parameters()), repr(opt), sorted(state["state"].get(0, {})),
                [sorted(g) for g in state["param_groups"]])
    return expr


_OPTIMIZERS = {
    "SGD": lambda m, ps: m.optim.SGD(ps, lr=0.1),
    "SGD-momentum": lambda m, ps: m.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    "SGD-nesterov": lambda m, ps: m.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "SGD-dampening": lambda m, ps: m.optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.3,
                                                maximize=True),
    "Adam": lambda m, ps: m.optim.Adam(ps, lr=0.05),
    "Adam-amsgrad": lambda m, ps: m.optim.Adam(ps, lr=0.05, weight_decay=0.1, amsgrad=True),
    "AdamW": lambda m, ps: m.optim.AdamW(ps, lr=0.05),
    "RMSprop": lambda m, ps: m.optim.RMSprop(ps, lr=0.01),
    "RMSprop-centered": lambda m, ps: m.optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True,
                                                      weight_decay=0.1),
    "Adagrad": lambda m, ps: m.optim.Adagrad(ps, lr=0.1, lr_decay=0.01, weight_decay=0.1),
}
for _label, _make in _OPTIMIZERS.items():
    _name = _label.split("-")[0]
    case(_name, _train(_make), grad=False, rtol=1e-4, atol=1e-6, label=_label)
case("SGD", lambda m: m.optim.SGD([], lr=0.1), error=True)
case("SGD", lambda m: m.optim.SGD([m.ones(2, requires_grad=True) * 2], lr=0.1), error=True)
case("Adam", lambda m: m.optim.Adam([m.ones(2, requires_grad=True)], lr=-1), error=True)
case("Optimizer", lambda m: isinstance(m.optim.SGD([m.ones(1, requires_grad=True)]),
                                       m.optim.Optimizer))


def _zero_grad(m):
    w = m.ones(2, requires_grad=True)
    opt = m.optim.SGD([w], lr=0.1)
    (w * 2).sum().backward()
    opt.zero_grad(set_to_none=False)
    kept = w.grad
    opt.zero_grad()
    return kept, w.grad


case("zero_grad", _zero_grad, grad=False)
case("add_param_group", lambda m: (opt := m.optim.SGD([m.ones(1, requires_grad=True)], lr=1),
                                   opt.add_param_group({"params": [m.ones(2, requires_grad=True)],
                                                        "lr": 0.5}),
                                   [g["lr"] for g in opt.param_groups])[2])

_SCHEDULES = {
    "StepLR": lambda m, o: m.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
    "MultiStepLR": lambda m, o: m.optim.lr_scheduler.MultiStepLR(o, [1, 3], gamma=0.3),
    "ExponentialLR": lambda m, o: m.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    "LambdaLR": lambda m, o: m.optim.lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1)),
    "CosineAnnealingLR": lambda m, o: m.optim.lr_scheduler.CosineAnnealingLR(o, T_max=3),
}
for _name, _schedule in _SCHEDULES.items():
    case(f"lr_scheduler.{_name}", _train(_OPTIMIZERS["SGD"], 7, _schedule), grad=False,
         rtol=1e-4, atol=1e-6)


def _plateau(m):
    opt = m.optim.SGD([m.ones(1, requires_grad=True)], lr=1.0)
    sched = m.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    rates = []
    for metric in (3.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0):
        sched.step(metric)
        rates.append(opt.param_groups[0]["lr"])
    return rates


case("lr_scheduler.ReduceLROnPlateau", _plateau)
case("lr_scheduler.StepLR", lambda m: m.optim.lr_scheduler.StepLR(
    m.optim.SGD([m.ones(1, requires_grad=True)], lr=0.1), 2).get_last_lr())

# -- nn.init and nn.utils -------------------------------------------------------------------------
for _name, _fill in {
        "uniform_": lambda m, w: m.nn.init.uniform_(w, -0.2, 0.3),
        "normal_": lambda m, w: m.nn.init.normal_(w, 0.5, 2.0),
        "constant_": lambda m, w: m.nn.init.constant_(w, 0.25),
        "ones_": lambda m, w: m.nn.init.ones_(w), "zeros_": lambda m, w: m.nn.init.zeros_(w),
        "eye_": lambda m, w: m.nn.init.eye_(w),
        "xavier_uniform_": lambda m, w: m.nn.init.xavier_uniform_(w),
        "xavier_normal_": lambda m, w: m.nn.init.xavier_normal_(w, gain=2.0),
        "kaiming_uniform_": lambda m, w: m.nn.init.kaiming_uniform_(w, a=math.sqrt(5)),
        "kaiming_normal_": lambda m, w: m.nn.init.kaiming_normal_(w, nonlinearity="relu"),
}.items():
    case(f"init.{_name}", lambda m, fill=_fill: (m.manual_seed(0) and None,
                                                 fill(m, m.empty(4, 5, requires_grad=True))),
         rtol=1e-6, atol=1e-7, grad=False)
case("init.calculate_gain", lambda m: [m.nn.init.calculate_gain(n, 0.2) for n in
                                       ("linear", "tanh", "relu", "leaky_relu", "selu")])


def _clip(m, how):
    w = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (w * m.tensor([3.0, 4.0, -5.0])).sum().backward()
    if how == "norm":
        total = m.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        return total, w.grad
    m.nn.utils.clip_grad_value_(w, 3.5)
    return w.grad


case("utils.clip_grad_norm_", lambda m: _clip(m, "norm"), grad=False)
case("utils.clip_grad_value_", lambda m: _clip(m, "value"), grad=False)
case("utils.parameters_to_vector", lambda m: (m.manual_seed(0) and None, m.nn.utils
                                              .parameters_to_vector(m.nn.Linear(2, 2)
                                                                    .parameters())))


def _vector_to_parameters(m):
    layer = m.nn.Linear(2, 2)
    m.nn.utils.vector_to_parameters(m.arange(6.0), layer.parameters())
    return layer.weight, layer.bias


case("utils.vector_to_parameters", _vector_to_parameters)

# -- utils.data -----------------------------------------------------------------------------------


def _loader(m, **kwargs):
    x = m.arange(10.0).reshape(5, 2)
    y = m.arange(5)
    data = m.utils.data.TensorDataset(x, y)
    loader = m.utils.data.DataLoader(data, **kwargs)
    return len(data), data[1], len(loader), list(loader)


case("data.TensorDataset", lambda m: _loader(m, batch_size=2))
case("data.DataLoader", lambda m: _loader(m, batch_size=2, drop_last=True))
case("data.DataLoader", lambda m: [sorted(t.tolist()) for t in
                                   _loader(m, batch_size=5, shuffle=True)[3][0]])
case("data.default_collate", lambda m: m.utils.data.default_collate(
    [(1.5, 2, m.ones(2)), (2.5, 3, m.zeros(2))]))
case("data.default_collate", lambda m: m.utils.data.default_collate([{"a": 1.0}, {"a": 2.0}]))


def _dataset(m):
    class Squares(m.utils.data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, k):
            return m.tensor([float(k)]), float(k * k)
    return Squares()


case("data.Dataset", lambda m: list(m.utils.data.DataLoader(_dataset(m), batch_size=3)))
case("data.Subset", lambda m: [m.utils.data.Subset(_dataset(m), [3, 1])[k] for k in range(2)])
case("data.ConcatDataset", lambda m: [s[1] for s in m.utils.data.ConcatDataset(
    [_dataset(m), _dataset(m)])])
case("data.random_split", lambda m: sorted(len(s) for s in m.utils.data.random_split(
    _dataset(m), [3, 1])))
case("data.random_split", lambda m: sorted(len(s) for s in m.utils.data.random_split(
    _dataset(m), [0.5, 0.5])))


def _stream(m):
    class Counter(m.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(5))
    return list(m.utils.data.DataLoader(Counter(), batch_size=2))


case("data.IterableDataset", _stream)


@pytest.mark.parametrize("one", REGISTRY.params())
def test_matches_pytorch(one):
    check(one, sourcegrad, torch)

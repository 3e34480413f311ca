"""``nn.functional``, ``nn`` modules, ``optim``, ``utils.data``, ``autograd`` (``Function``,
``functional``, ``gradcheck``), grad modes and the remaining torch-level names, against real
PyTorch. Modules are built after the same ``manual_seed``, so they start from the same weights.
"""
from __future__ import annotations

import pytest
from tensor_compare import Registry, c, check, f, i

import sourcegrad

torch = pytest.importorskip("torch", reason="the differential tests need PyTorch (Python 3.11)")

REGISTRY = Registry(torch)
case = REGISTRY.case


def fcall(name, *leaves, **options):
    """``F.<name>(*leaves, **kwargs)`` (keyword values may be leaves too)."""
    kwargs = options.pop("kwargs", {})
    keys, n = list(kwargs), len(leaves)
    case(f"F.{name}", lambda m, *xs: getattr(m.nn.functional, name)(
        *xs[:n], **dict(zip(keys, xs[n:]))), *leaves, *kwargs.values(), **options)


# -- nn.functional --------------------------------------------------------------------------------
for _name in ("relu", "relu6", "sigmoid", "tanh", "gelu", "silu", "elu", "selu", "celu",
              "leaky_relu", "softplus", "logsigmoid", "hardtanh", "softsign"):
    fcall(_name, f(2, 5, low=-7, high=7))
fcall("gelu", f(5), kwargs={"approximate": "tanh"})
fcall("leaky_relu", f(5), 0.2)
fcall("elu", f(5), kwargs={"alpha": 0.5})
fcall("softplus", f(5, low=-30, high=30), kwargs={"beta": 2.0, "threshold": 10.0})
case("F.relu", lambda m: m.nn.functional.relu6(m.tensor([0.0, 6.0, 3.0], requires_grad=True)))
case("F.leaky_relu", lambda m: m.nn.functional.leaky_relu(m.tensor([0.0, -1.0],
                                                                   requires_grad=True)))
for _name in ("softmax", "log_softmax", "softmin"):
    fcall(_name, f(2, 4), kwargs={"dim": 1})
    fcall(_name, f(2, 4), kwargs={"dim": 0, "dtype": None})
    case(f"softmax-method-{_name}", lambda m, x, n=_name: getattr(x, n)(-1)
         if n != "softmin" else x.softmax(0), f(2, 4))
case("softmax", lambda m, x: m.softmax(x, 1), f(2, 3))
case("log_softmax", lambda m, x: m.log_softmax(x, dim=0), f(2, 3))
fcall("linear", f(4, 3), f(2, 3), f(2))
fcall("linear", f(4, 3), f(2, 3))
fcall("linear", f(3), f(2, 3), f(2))
fcall("linear", f(3), f(2, 3))
fcall("linear", f(2, 4, 3), f(2, 3), f(2))
fcall("dropout", f(3, 4), kwargs={"p": 0.0})
fcall("dropout", f(3, 4), kwargs={"training": False})
fcall("dropout", f(30), kwargs={"p": 0.5}, values=False, grad=False)  # not PyTorch's masks
fcall("dropout", f(3), kwargs={"p": 1.5}, error=True)
case("dropout", lambda m, x: m.dropout(x, 0.0, True), f(3))
fcall("one_hot", i(4, high=3))
fcall("one_hot", i(4, high=3), 5)
fcall("one_hot", c(3), error=True)
fcall("normalize", f(3, 4))
fcall("normalize", f(3, 4), kwargs={"p": 1.0, "dim": 0})
fcall("cosine_similarity", f(3, 4), f(3, 4))
fcall("cosine_similarity", f(3, 4), f(4), kwargs={"dim": -1}, rtol=1e-4)
fcall("pairwise_distance", f(3, 4), f(3, 4), names=False)
fcall("pad", f(2, 3), (1, 2))
fcall("pad", f(2, 3), (1, 1, 2, 0), kwargs={"value": 0.5})
fcall("embedding", i(2, 3, high=5), f(5, 4))
fcall("layer_norm", f(2, 3, 4), (4,))
fcall("layer_norm", f(2, 3, 4), (3, 4), f(3, 4), f(3, 4))
fcall("batch_norm", f(4, 3), None, None, kwargs={"training": True})
fcall("batch_norm", f(4, 3, 2), c(3), c(3, low=0.5, high=2), f(3), f(3),
      kwargs={"training": False}, names=False)
case("flatten", lambda m, x: m.nn.functional.flatten(x, 1) if hasattr(m.nn.functional,
     "flatten") else x.flatten(1), f(2, 3, 2))

# -- losses ---------------------------------------------------------------------------------------
for _name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
    for _reduction in ("mean", "sum", "none"):
        fcall(_name, f(3, 4), c(3, 4), kwargs={"reduction": _reduction})
fcall("mse_loss", f(3), c(2), error=True)
fcall("smooth_l1_loss", f(6), c(6), kwargs={"beta": 0.5})
fcall("huber_loss", f(6), c(6), kwargs={"delta": 0.5})
fcall("binary_cross_entropy", f(3, 4, low=0.05, high=0.95), c(3, 4, low=0, high=1))
fcall("binary_cross_entropy", f(4, low=0.05, high=0.95), c(4, low=0, high=1), c(4, low=0, high=2),
      kwargs={"reduction": "sum"})
fcall("binary_cross_entropy", f(4), c(3), error=True)
fcall("binary_cross_entropy_with_logits", f(3, 4), c(3, 4, low=0, high=1))
fcall("binary_cross_entropy_with_logits", f(4), c(4, low=0, high=1),
      kwargs={"pos_weight": c(4, low=0.5, high=2), "reduction": "none"})
for _reduction in ("mean", "sum", "none"):
    fcall("nll_loss", f(4, 3), i(4, high=3), kwargs={"reduction": _reduction})
    fcall("cross_entropy", f(4, 3), i(4, high=3), kwargs={"reduction": _reduction})
    fcall("cross_entropy", f(2, 3, 5), i(2, 5, high=3), kwargs={"reduction": _reduction})
    fcall("cross_entropy", f(2, 3, 2, 2), i(2, 2, 2, high=3), kwargs={"reduction": _reduction})
    fcall("cross_entropy", f(4, 3), i(4, high=3),
          kwargs={"reduction": _reduction, "label_smoothing": 0.1})
fcall("nll_loss", f(2, 3, 4), i(2, 4, high=3))
fcall("cross_entropy", f(3), i(high=3))
fcall("cross_entropy", f(4, 3), i(4, high=3), kwargs={"weight": c(3, low=0.5, high=2)})
fcall("cross_entropy", f(4, 3), i(4, low=-1, high=3), kwargs={"ignore_index": -1})
fcall("cross_entropy", f(4, 3), c(4, 3, low=0, high=1))
fcall("cross_entropy", f(4, 3), c(4, 3, low=0, high=1), kwargs={"label_smoothing": 0.2})
fcall("cross_entropy", f(4, 3), i(3, high=3), error=True)
fcall("kl_div", f(3, 4), c(3, 4, low=0, high=1), kwargs={"reduction": "batchmean"}, names=False)
fcall("kl_div", f(3, 4), f(3, 4), kwargs={"reduction": "sum", "log_target": True}, names=False)


# -- modules --------------------------------------------------------------------------------------
def _module(factory, x_shape, *, train=True, loss=None):
    """Build the module after manual_seed(0), run it, backpropagate; return what to compare."""
    def expr(m, x):
        m.manual_seed(0)
        module = factory(m)
        module.train(train)
        out = module(x) if loss is None else module(x, loss(m, x))
        total = out.sum() if out.requires_grad else None
        if total is not None:
            total.backward()
        params = [(name, p, p.grad) for name, p in module.named_parameters()]
        return (out, params, repr(module), list(module.state_dict()),
                [type(t).__name__ for t in module.state_dict().values()])
    case(factory.__name__ if hasattr(factory, "__name__") else "module", expr, f(*x_shape),
         grad=False)


def _register(name, factory, x_shape, **options):
    factory.__name__ = name
    _module(factory, x_shape, **options)


_register("Linear", lambda m: m.nn.Linear(3, 2), (4, 3))
_register("Linear", lambda m: m.nn.Linear(3, 2, bias=False), (3,))
_register("Sequential", lambda m: m.nn.Sequential(
    m.nn.Linear(3, 4), m.nn.ReLU(), m.nn.Linear(4, 1), m.nn.Flatten(0, 1)), (5, 3))
for _name, _factory in {
        "ReLU": lambda m: m.nn.ReLU(), "ReLU6": lambda m: m.nn.ReLU6(),
        "Tanh": lambda m: m.nn.Tanh(), "Sigmoid": lambda m: m.nn.Sigmoid(),
        "GELU": lambda m: m.nn.GELU(), "SiLU": lambda m: m.nn.SiLU(),
        "ELU": lambda m: m.nn.ELU(alpha=0.5), "SELU": lambda m: m.nn.SELU(),
        "CELU": lambda m: m.nn.CELU(), "LeakyReLU": lambda m: m.nn.LeakyReLU(0.2),
        "Softplus": lambda m: m.nn.Softplus(), "LogSigmoid": lambda m: m.nn.LogSigmoid(),
        "Hardtanh": lambda m: m.nn.Hardtanh(), "Softsign": lambda m: m.nn.Softsign(),
        "Softmax": lambda m: m.nn.Softmax(dim=1), "LogSoftmax": lambda m: m.nn.LogSoftmax(1),
        "Softmin": lambda m: m.nn.Softmin(dim=1), "Identity": lambda m: m.nn.Identity(),
        "Flatten": lambda m: m.nn.Flatten(), "Unflatten": lambda m: m.nn.Unflatten(1, (2, 3)),
        "Dropout": lambda m: m.nn.Dropout(0.3), "LayerNorm": lambda m: m.nn.LayerNorm(6),
        "BatchNorm1d": lambda m: m.nn.BatchNorm1d(4),
        "ReLU-inplace": lambda m: m.nn.Sequential(m.nn.Linear(6, 6), m.nn.ReLU(True)),
}.items():
    _register(_name, _factory, (4, 6) if _name not in ("BatchNorm1d",) else (5, 4),
              train=_name not in ("Dropout",))
_register("BatchNorm1d", lambda m: m.nn.BatchNorm1d(4), (5, 4), train=False)
_register("BatchNorm2d", lambda m: m.nn.BatchNorm2d(2), (3, 2, 2, 2))


def _embedding(m):
    return m.nn.Embedding(6, 3)


def _embedding_expr(m, idx):
    m.manual_seed(0)
    layer = _embedding(m)
    out = layer(idx)
    out.sum().backward()
    return out, layer.weight.grad, repr(layer), repr(m.nn.Embedding(4, 2, padding_idx=0))


case("Embedding", _embedding_expr, i(2, 3, high=6), grad=False)

for _name, _factory in {
        "MSELoss": lambda m: m.nn.MSELoss(), "L1Loss": lambda m: m.nn.L1Loss(),
        "SmoothL1Loss": lambda m: m.nn.SmoothL1Loss(beta=0.5),
        "HuberLoss": lambda m: m.nn.HuberLoss(), "BCELoss": lambda m: m.nn.BCELoss(),
        "BCEWithLogitsLoss": lambda m: m.nn.BCEWithLogitsLoss(reduction="sum"),
        "KLDivLoss": lambda m: m.nn.KLDivLoss(reduction="batchmean"),
}.items():
    def _loss_expr(m, x, y, factory=_factory, name=_name):
        x = x.sigmoid() if name == "BCELoss" else x.log_softmax(1) if name == "KLDivLoss" else x
        loss = factory(m)
        return loss(x, y), repr(loss)
    case(_name, _loss_expr, f(3, 4), c(3, 4, low=0, high=1), names=_name != "KLDivLoss")
for _name, _factory in {
        "CrossEntropyLoss": lambda m: m.nn.CrossEntropyLoss(label_smoothing=0.1),
        "NLLLoss": lambda m: m.nn.NLLLoss(),
}.items():
    case(_name, lambda m, x, y, fac=_factory: (fac(m)(x.log_softmax(1), y), repr(fac(m))),
         f(4, 3), i(4, high=3))
case("CrossEntropyLoss", lambda m, x, y: m.nn.CrossEntropyLoss(weight=m.tensor([1.0, 2, 0.5]))(
    x, y), f(4, 3), i(4, high=3))


def _custom_module(m):
    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = m.nn.Linear(2, 2)
            self.layers = m.nn.ModuleList([m.nn.Tanh(), m.nn.Sigmoid(), m.nn.Sigmoid()])
            self.heads = m.nn.ModuleDict({"a": m.nn.Linear(2, 1)})
            self.scale = m.nn.Parameter(m.ones(1))
            self.extra = m.nn.ParameterList([m.nn.Parameter(m.zeros(2))])
            self.table = m.nn.ParameterDict({"bias": m.nn.Parameter(m.ones(2))})
            self.register_buffer("steps", m.zeros(1))

        def forward(self, x):
            for layer in self.layers:
                x = layer(self.fc(x))
            return self.heads["a"](x * self.scale + self.extra[0] + self.table["bias"])
    return Net()


def _module_api(m, x):
    m.manual_seed(0)
    net = _custom_module(m)
    out = net(x).sum()
    out.backward()
    sd = net.state_dict()
    other = _custom_module(m)
    result = other.load_state_dict(sd)
    grads = [(n, p.grad) for n, p in net.named_parameters()]
    net.zero_grad()
    return (repr(net), [n for n, _ in net.named_parameters()], list(sd), repr(result), grads,
            [p.grad for p in net.parameters()], [n for n, _ in net.named_modules()],
            [type(c).__name__ for c in net.children()], net.training, net.eval().training,
            net.fc.training, [n for n, _ in net.named_buffers()], len(list(net.buffers())),
            other.fc.weight, repr(m.nn.Parameter(m.ones(2))), len(net.layers),
            net.get_submodule("heads.a").weight, net.get_parameter("fc.bias"))


case("Module", _module_api, f(3, 2), grad=False)
for _name in ("ModuleList", "ModuleDict", "Parameter", "ParameterList", "ParameterDict"):
    case(_name, _module_api, f(3, 2), grad=False)
case("Module", lambda m: m.nn.Linear(2, 2).load_state_dict({"weight": m.ones(2, 2)}),
     error=True)
case("Module", lambda m: m.nn.Module()(m.ones(1)), error=True)
case("Module", lambda m: m.nn.Sequential(m.nn.Linear(2, 2)).to(m.float64)[0].weight.dtype)
case("Module", lambda m: (m.manual_seed(0) and None, m.nn.Sequential(
    m.nn.Linear(2, 3), m.nn.Linear(3, 1))[-1].bias, m.nn.Sequential(m.nn.ReLU(), m.nn.Tanh())[0:1]))
case("Sequential", lambda m: repr(m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)])))


@pytest.mark.parametrize("one", REGISTRY.params())
def test_matches_pytorch(one):
    check(one, sourcegrad, torch)

"""The autograd API against real PyTorch: ``autograd.grad``/``backward``, ``Function`` (with
``ctx``, ``setup_context``, ``once_differentiable``), ``functional`` (jacobian, hessian, vjp, jvp,
hvp, vhp), ``gradcheck``, grad modes, seeds and generators, ``save``/``load``, and the global
defaults (dtype, device, print options)."""
from __future__ import annotations

import io

import pytest
from tensor_compare import Leaf, Registry, c, check, d, f

import sourcegrad

torch = pytest.importorskip("torch", reason="the differential tests need PyTorch (Python 3.11)")

REGISTRY = Registry(torch)
case = REGISTRY.case


# -- autograd -------------------------------------------------------------------------------------
case("autograd.grad", lambda m, x, y: m.autograd.grad((x * y).sum(), [x, y]), f(3), f(3))
case("autograd.grad", lambda m, x, y: m.autograd.grad((x * x).sum(), [x, y], allow_unused=True),
     f(3), f(3))
case("autograd.grad", lambda m, x, y: m.autograd.grad((x * x).sum(), [x, y]), f(3), f(3),
     error=True)
case("autograd.grad", lambda m, x: m.autograd.grad(x * 2, x, m.ones(3)), f(3))
case("autograd.grad", lambda m, x: m.autograd.grad(m.autograd.grad(
    (x ** 3).sum(), x, create_graph=True)[0].sum(), x), f(3))
case("autograd.grad", lambda m, x: m.autograd.grad(x.norm(), x, create_graph=True), f(3),
     names=False)
case("autograd.grad", lambda m, x, y: m.autograd.grad((x * x).sum(), [x, y],
                                                       materialize_grads=True), f(3), f(3))
case("autograd.backward", lambda m, x: (m.autograd.backward([(x * 2).sum()]), x.grad)[1], f(3))
case("autograd.backward", lambda m, x, y: (m.autograd.backward((x * y).sum(), inputs=[y]),
                                           x.grad, y.grad)[1:], f(3), f(3))
case("autograd.Variable", lambda m, x: m.autograd.Variable(x, requires_grad=True), c(3))
case("autograd.Variable", lambda m, x: m.autograd.Variable(x), c(3))


def _functions(m):
    """Custom autograd.Functions in each library (PyTorch's own examples of the API)."""
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    class ScaleShift(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, shift):
            ctx.scale = scale
            return x * scale + shift, x.sign()

        @staticmethod
        def backward(ctx, grad, grad_sign):
            return grad * ctx.scale, None, grad

    class Exp(m.autograd.Function):
        @staticmethod
        def forward(x):
            return x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * result

    class AddOneInPlace(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    class SortWithIndices(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, indices = x.sort()
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            return values, indices

        @staticmethod
        def backward(ctx, grad_values, grad_indices):
            (indices,) = ctx.saved_tensors
            return grad_values.new_zeros(grad_values.shape).scatter(0, indices, grad_values)

    return Cube, ScaleShift, Exp, AddOneInPlace, SortWithIndices


def _function_case(m, x, y, which):
    cube, scale_shift, exp, add_one, sort_with_indices = _functions(m)
    if which == "cube":
        out = cube.apply(x)
        return out, type(out.grad_fn).__name__, out.grad_fn.needs_input_grad
    if which == "two-outputs":
        return scale_shift.apply(x, 2.5, y)
    if which == "setup_context":
        return exp.apply(x)
    if which == "mark_dirty":
        z = x * 1
        out = add_one.apply(z)
        return out, out is z, z._version
    if which == "mark_non_differentiable":
        values, indices = sort_with_indices.apply(x)
        return values, indices, indices.requires_grad
    if which == "second-order":
        (g,) = m.autograd.grad(cube.apply(x).sum(), x, create_graph=True)
        return m.autograd.grad(g.sum(), x)
    if which == "freed":
        out = cube.apply(x).sum()
        out.backward()
        return out.grad_fn.next_functions[0][0].saved_tensors
    if which == "modified":
        z = x * 1
        out = cube.apply(z)
        z.add_(1)
        out.sum().backward()
    return None


for _which in ("cube", "two-outputs", "setup_context", "second-order", "mark_dirty",
               "mark_non_differentiable"):
    case("autograd.Function", lambda m, x, y, w=_which: _function_case(m, x, y, w), f(3), f(3),
         label=f"Function-{_which}")
for _which in ("freed", "modified"):
    case("autograd.Function", lambda m, x, y, w=_which: _function_case(m, x, y, w), f(3), f(3),
         error=True, label=f"Function-{_which}")
case("autograd.once_differentiable", lambda m, x: _once(m, x), f(3))


def _once(m, x):
    once = m.autograd.function.once_differentiable  # where PyTorch keeps it

    class Double(m.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        @once
        def backward(ctx, grad):
            return grad * 2
    return Double.apply(x)


def _functional(name):
    def scalar(x, y):
        return (x.sin() * y ** 2).sum()

    def vector(x, y):
        return x * y.exp(), (x ** 2).sum()

    def expr(m, x, y, v):
        F = m.autograd.functional
        if name == "jacobian":
            return F.jacobian(lambda a, b: vector(a, b)[0], (x, y)), F.jacobian(lambda a: a.tanh(),
                                                                                x)
        if name == "hessian":
            return F.hessian(scalar, (x, y)), F.hessian(lambda a: (a ** 3).sum(), x)
        if name == "vjp":
            return F.vjp(lambda a, b: vector(a, b)[0], (x, y), v)
        if name == "jvp":
            return F.jvp(lambda a: a.sin() * 2, x, v)
        if name == "hvp":
            return F.hvp(lambda a: (a.sin() * a).sum(), x, v)
        if name == "vhp":
            return F.vhp(lambda a: (a.sin() * a).sum(), x, v)
        return F.jacobian(lambda a: a ** 2, x, create_graph=True)
    return expr


for _name in ("jacobian", "hessian", "vjp", "jvp", "hvp", "vhp", "create_graph"):
    case(f"autograd.functional.{_name if _name != 'create_graph' else 'jacobian'}",
         _functional(_name), f(3), f(3), c(3), names=False, rtol=1e-4, atol=1e-5)
case("autograd.gradcheck", lambda m, x: m.autograd.gradcheck(lambda a: (a.sin() * a).sum(), (x,)),
     d(3), grad=False)
case("autograd.gradcheck", lambda m, x: m.autograd.gradcheck(_wrong(m), (x,)), d(3), error=True)
case("autograd.gradgradcheck", lambda m, x: m.autograd.gradgradcheck(lambda a: a.sin() * a,
                                                                      (x,)), d(3), grad=False)


def _wrong(m):
    class Wrong(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3
    return Wrong.apply


# -- second derivatives (create_graph=True) of the operations -------------------------------------
_SECOND_ORDER = {
    "cumsum": lambda m, x: x.cumsum(0), "prod": lambda m, x: x.prod(1),
    "repeat": lambda m, x: x.repeat(2, 1), "roll": lambda m, x: x.roll(1, 0),
    "flip": lambda m, x: x.flip(0), "tril": lambda m, x: x.tril(), "trace": lambda m, x: x.trace(),
    "sort": lambda m, x: x.sort(1).values, "topk": lambda m, x: x.topk(2).values,
    "cross": lambda m, x: m.cross(x, x * 2, dim=1),
    "einsum": lambda m, x: m.einsum("ij,jk->ik", x, x), "inv": lambda m, x: m.linalg.inv(x),
    "solve": lambda m, x: m.linalg.solve(x, x[0]), "qr": lambda m, x: m.linalg.qr(x).R.abs(),
    "cholesky": lambda m, x: m.linalg.cholesky(x @ x.T + m.eye(3, dtype=m.float64)),
    "pinv": lambda m, x: m.linalg.pinv(x), "matrix_power": lambda m, x: m.linalg.matrix_power(x, 3),
    "max": lambda m, x: x.max(), "amax": lambda m, x: x.amax(1),
    "max_dim": lambda m, x: x.max(1).values, "var": lambda m, x: x.var(1),
    "std": lambda m, x: x.std(), "fmod": lambda m, x: m.fmod(x, 0.7),
    "remainder": lambda m, x: x % 0.7,
    "gather": lambda m, x: x.gather(1, m.tensor([[0, 2], [1, 1], [2, 0]])),
    "scatter_add": lambda m, x: x.scatter_add(1, m.tensor([[0, 0, 1]] * 3), x),
    "index_select": lambda m, x: x.index_select(0, m.tensor([0, 2, 0])),
    "take": lambda m, x: x.take(m.tensor([0, 5])), "median": lambda m, x: x.median(1).values,
    "masked_select": lambda m, x: x.masked_select(x > 0), "norm": lambda m, x: x.norm(),
    "norm_inf": lambda m, x: x.norm(float("inf")), "logsumexp": lambda m, x: x.logsumexp(1),
    "where": lambda m, x: m.where(x > 0, x, x * 2), "clamp": lambda m, x: x.clamp(-0.5, 0.5),
    "maximum": lambda m, x: m.maximum(x, x.flip(0)),
    "layer_norm": lambda m, x: m.nn.functional.layer_norm(x, (3,)),
    "cross_entropy": lambda m, x: m.nn.functional.cross_entropy(x, m.tensor([0, 2, 1])),
    "setitem": lambda m, x: _written(x),
}


def _written(x):
    y = x * 1
    y[0] = x[1] * 2
    y[1:, 1] *= 3
    return y


def _second_order(op):
    def expr(m, x):
        (g,) = m.autograd.grad((op(m, x) ** 2).sum(), x, create_graph=True)
        return m.autograd.grad((g * g).sum(), x)
    return expr


for _name, _op in _SECOND_ORDER.items():
    case("autograd.grad", _second_order(_op), Leaf((3, 3), "d"), grad=False, rtol=1e-5,
         atol=1e-8, label=f"second-order-{_name}")


# -- grad modes -----------------------------------------------------------------------------------
def _modes(m, x):
    out = []
    with m.no_grad():
        out.append((x * 2).requires_grad)
        with m.enable_grad():
            out.append((x * 2).requires_grad)
    with m.set_grad_enabled(False):
        out.append(m.is_grad_enabled())
    with m.inference_mode():
        out.append(((x * 2).requires_grad, m.is_inference_mode_enabled()))
    with m.inference_mode(False):
        out.append((x * 2).requires_grad)

    @m.no_grad
    def bare(t):
        return t * 2

    @m.no_grad()
    def called(t):
        return t * 2

    @m.enable_grad()
    def enabled(t):
        return t * 2

    @m.inference_mode()
    def inferred(t):
        return t * 2

    out += [bare(x).requires_grad, called(x).requires_grad, inferred(x).requires_grad]
    with m.no_grad():
        out.append(enabled(x).requires_grad)
    m.set_grad_enabled(False)
    out.append(m.is_grad_enabled())
    m.set_grad_enabled(True)
    out.append(m.is_grad_enabled())
    return out


for _name in ("no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
              "is_inference_mode_enabled"):
    case(_name, _modes, f(2), grad=False)



def _autograd_modes(m, x):
    with m.autograd.no_grad():
        off = (x * 2).requires_grad
        with m.autograd.enable_grad():
            on = (x * 2).requires_grad
    with m.autograd.set_grad_enabled(False):
        flag = m.is_grad_enabled()
    with m.autograd.inference_mode():
        inferred = (x * 2).requires_grad
    return off, on, flag, inferred


for _name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode"):
    case(f"autograd.{_name}", _autograd_modes, f(2), grad=False)

# -- seeds, saving, defaults ----------------------------------------------------------------------
case("manual_seed", lambda m: (m.manual_seed(3) and None, m.rand(3), m.randn(2), m.initial_seed()),
     rtol=0, atol=0)
case("initial_seed", lambda m: (m.manual_seed(7) and None, m.initial_seed()))
case("seed", lambda m: isinstance(m.seed(), int))
case("Generator", lambda m: (g := m.Generator().manual_seed(5), m.rand(3, generator=g),
                             m.randn(4, generator=g), g.initial_seed())[1:], rtol=0, atol=0)
case("default_generator", lambda m: (m.default_generator.manual_seed(2) and None, m.rand(2)),
     rtol=0, atol=0)


def _save_load(m, x):
    buffer = io.BytesIO()
    m.manual_seed(0)
    model = m.nn.Linear(2, 2)
    m.save({"model": model.state_dict(), "x": x}, buffer)
    buffer.seek(0)
    loaded = m.load(buffer)
    fresh = m.nn.Linear(2, 2)
    fresh.load_state_dict(loaded["model"])
    return loaded["x"], fresh.weight, sorted(loaded)


for _name in ("save", "load"):
    case(_name, _save_load, c(3))


def _default_dtype(m):
    m.set_default_dtype(m.float64)
    try:
        return m.tensor([1.5]), m.zeros(2), m.tensor([1, 2]) / 2, str(m.get_default_dtype())
    finally:
        m.set_default_dtype(m.float32)


case("set_default_dtype", _default_dtype)
case("set_default_dtype", lambda m: m.set_default_dtype(m.int64), error=True)


def _default_device(m):
    m.set_default_device("cpu")
    try:
        return str(m.ones(1).device), str(m.get_default_device())
    finally:
        m.set_default_device(None)


case("set_default_device", _default_device)


def _printing(m, x):
    m.set_printoptions(precision=2)
    try:
        short = repr(x)
        m.set_printoptions(sci_mode=False)
        plain = repr(m.tensor([1e-5, 1.0, 123.456]))
        m.set_printoptions(profile="default")
        return short, plain, repr(m.tensor([1e-5, 1.0, 123.456])), f"{m.tensor(0.123456)}"
    finally:
        m.set_printoptions(profile="default")


case("set_printoptions", _printing, c(2, 3))
case("return_types", lambda m, x: (type(x.max(0)).__name__, repr(x.max(0)), x.max(0).indices,
                                   repr(x.sort())), c(2, 3))
case("nn", lambda m: repr(m.nn.Sequential(m.nn.Identity())))
case("optim", lambda m: sorted(n for n in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")
                               if hasattr(m.optim, n)))
case("utils", lambda m: hasattr(m.utils.data, "DataLoader"))
case("autograd", lambda m: hasattr(m.autograd, "grad"))
case("linalg", lambda m, x: m.linalg.norm(x), f(3))


@pytest.mark.parametrize("one", REGISTRY.params())
def test_matches_pytorch(one):
    check(one, sourcegrad, torch)

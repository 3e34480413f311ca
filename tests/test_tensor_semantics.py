"""One test per autograd rule the Tensor facade shares with PyTorch (messages included)."""
from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import sourcegrad as torch
from sourcegrad import autograd
from sourcegrad.tensor.tensor import NONLEAF_GRAD_WARNING


def leaf(values, dtype=None):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


def test_gradients_accumulate_across_backward_calls_and_zero_resets_them():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0]
    x.grad.zero_()
    (3 * x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_only_leaves_get_grad_and_non_leaf_access_warns():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning) as record:
        assert y.grad is None
    assert str(record[0].message) == NONLEAF_GRAD_WARNING
    assert "retain_grad()" in NONLEAF_GRAD_WARNING
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad.tolist() == [2.0, 2.0]  # a leaf: no warning


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad.tolist() == [6.0, 12.0]


def test_backward_on_non_scalar_needs_a_gradient():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(torch.tensor([1.0, 10.0]))
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"torch.Size\(\[3\]\)"):
        y.backward(torch.ones(3))


def test_backward_without_anything_to_differentiate():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        torch.zeros(3).sum().backward()


def test_second_backward_through_freed_buffers_mentions_retain_graph():
    x = leaf([1.0, 2.0])
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*"
                                           r"retain_graph=True"):
        z.backward()


def test_retain_graph_allows_repeated_backward():
    x = leaf([1.0, 2.0])
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.tolist() == [6.0, 12.0]


def test_graph_that_saved_nothing_can_be_run_twice():
    x = leaf([1.0, 2.0])
    s = (x + 1).sum()  # AddBackward0 and SumBackward0 save no tensors, as in PyTorch
    s.backward()
    s.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_inplace_change_of_a_saved_input_is_detected():
    x = leaf([1.0, 2.0, 3.0])
    b = x * 1
    c = b * b
    b.mul_(2)
    with pytest.raises(RuntimeError) as err:
        c.sum().backward()
    assert str(err.value).startswith(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [torch.FloatTensor [3]], which is output 0 of Mul, is at version 1; "
        "expected version 0 instead.")


def test_inplace_change_of_a_saved_output_is_detected():
    x = leaf([1.0, 2.0])
    e = x.exp()       # ExpBackward0 saves its result
    e.add_(1)
    with pytest.raises(RuntimeError, match="output 0 of Exp, is at version 1; expected version 0"):
        e.sum().backward()


def test_inplace_change_of_a_saved_leaf_is_detected():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    s = x.sin()
    with torch.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[2, 3\]\] is at version 1; "
                                           r"expected version 0 instead"):
        s.sum().backward()


def test_inplace_change_of_a_value_only_used_for_its_shape_is_fine():
    x = leaf([1.0, 2.0])
    m = x.mean()
    with torch.no_grad():
        x.add_(1)
    m.backward()
    assert x.grad.tolist() == [0.5, 0.5]
    y = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    row = y[0] * 3          # indexing needs only y's shape for backward
    with torch.no_grad():
        y.add_(1)
    row.sum().backward()
    assert y.grad.tolist() == [[3.0, 3.0], [0.0, 0.0]]


def test_inplace_on_a_leaf_that_requires_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        x.add_(1)
    with torch.no_grad():  # the parameter-update idiom
        x -= 0.5 * torch.ones(2)
    assert x.tolist() == [0.5, 1.5] and x.is_leaf and x.requires_grad


def test_inplace_ops_on_non_leaves_are_recorded():
    x = leaf([1.0, 2.0])
    y = x * 1
    y.mul_(x)           # y = x * x
    y.add_(1)
    assert y.grad_fn.name() == "AddBackward0"
    assert y._version == 2
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_dynamic_graph_follows_python_control_flow():
    def f(x):
        y = x
        while y.norm() < 10:
            y = y * 2
        return y.sum() if y.sum() > 0 else -y.sum()

    x = leaf([1.0, 1.0])
    f(x).backward()
    assert x.grad.tolist() == [8.0, 8.0]  # doubled three times
    x2 = leaf([-3.0, -3.0])
    f(x2).backward()
    assert x2.grad.tolist() == [-4.0, -4.0]


def test_create_graph_gives_differentiable_gradients():
    x = leaf([0.5, 1.5], dtype=torch.float64)
    y = (x.sin() * x ** 3).sum()
    (g,) = autograd.grad(y, x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (h,) = autograd.grad(g.sum(), x)
    xs = np.array([0.5, 1.5])
    expected = (-np.sin(xs) * xs ** 3 + 6 * np.cos(xs) * xs ** 2 + 6 * xs * np.sin(xs))
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-12)


def test_create_graph_through_backward_accumulates_a_differentiable_grad():
    x = leaf([2.0])
    (x ** 3).backward(create_graph=True)
    assert x.grad.tolist() == [12.0] and x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.tolist() == [12.0]  # d/dx 3x^2 = 6x


def test_grad_fn_names_and_next_functions():
    x = leaf([1.0, 2.0])
    y = x * x
    z = y + 4
    assert z.grad_fn.name() == "AddBackward0"
    (mul, i), (const, j) = z.grad_fn.next_functions
    assert (type(mul).__name__, i, const, j) == ("MulBackward0", 0, None, 0)
    acc = mul.next_functions[0][0]
    assert type(acc).__name__ == "AccumulateGrad"
    assert acc.name() == "torch::autograd::AccumulateGrad"
    assert acc.variable is x
    assert mul.next_functions[1][0] is acc  # one accumulator per leaf
    assert repr(z.grad_fn).startswith("<AddBackward0 object at 0x")
    assert x.pow(2).grad_fn.next_functions[0][0] is acc and len(x.pow(2).grad_fn.next_functions) == 1


@pytest.mark.parametrize("expr, name", [
    ("x + 1", "AddBackward0"), ("x - 1", "SubBackward0"), ("1 - x", "RsubBackward1"),
    ("x * 2", "MulBackward0"), ("x / 2", "DivBackward0"), ("2 / x", "MulBackward0"),
    ("-x", "NegBackward0"), ("x ** 2", "PowBackward0"), ("x ** x", "PowBackward1"),
    ("2 ** x", "PowBackward2"), ("x.exp()", "ExpBackward0"), ("x.log()", "LogBackward0"),
    ("x.sin()", "SinBackward0"), ("x.cos()", "CosBackward0"), ("x.tanh()", "TanhBackward0"),
    ("x.sigmoid()", "SigmoidBackward0"), ("x.relu()", "ReluBackward0"),
    ("x.sum()", "SumBackward0"), ("M.sum(0)", "SumBackward1"), ("x.mean()", "MeanBackward0"),
    ("M.mean(1)", "MeanBackward1"), ("M @ M", "MmBackward0"), ("M @ x", "MvBackward0"),
    ("x @ M", "SqueezeBackward4"), ("x @ x", "DotBackward0"), ("M.t()", "TBackward0"),
    ("M.T", "PermuteBackward0"), ("M.transpose(0, 1)", "TransposeBackward0"),
    ("M.reshape(4)", "ViewBackward0"), ("M.view(4)", "ViewBackward0"), ("M[0]", "SelectBackward0"),
    ("x[[0, 1]]", "IndexBackward0"), ("x.unsqueeze(0)", "UnsqueezeBackward0"),
    ("x.max()", "MaxBackward1"), ("x.clone()", "CloneBackward0"), ("x.expand(3, 2)", "ExpandBackward0"),
    ("F.mse_loss(x, torch.zeros(2))", "MseLossBackward0"),
    ("F.binary_cross_entropy_with_logits(x, torch.zeros(2))", "BinaryCrossEntropyWithLogitsBackward0"),
    ("F.cross_entropy(M, torch.tensor([0, 1]))", "NllLossBackward0"),
    ("F.softmax(M, dim=1)", "SoftmaxBackward0"), ("F.log_softmax(M, dim=1)", "LogSoftmaxBackward0"),
])
def test_grad_fn_is_named_as_pytorch_names_it(expr, name):
    scope = {"x": leaf([1.0, 2.0]), "M": leaf([[1.0, 2.0], [3.0, 4.0]]),
             "F": torch.nn.functional, "torch": torch}
    assert eval(expr, scope).grad_fn.name() == name


def test_hooks_see_and_replace_gradients():
    x = leaf([1.0, 2.0])
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    handle = x.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert seen == [[1.0, 1.0]] and x.grad.tolist() == [20.0, 20.0]
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_no_grad_enable_grad_set_grad_enabled():
    x = leaf([1.0])
    with torch.no_grad():
        assert not (x * 2).requires_grad
        with torch.enable_grad():
            assert (x * 2).requires_grad
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @torch.no_grad()
    def frozen(t):
        return t * 2

    assert not frozen(x).requires_grad and torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)


def test_grad_mode_is_thread_local():
    x = leaf([1.0])
    seen = {}
    with torch.no_grad():
        t = threading.Thread(target=lambda: seen.setdefault("other", (x * 2).requires_grad))
        t.start()
        t.join()
        assert not (x * 2).requires_grad
    assert seen["other"] is True


def test_detach_shares_data_and_version_but_not_history():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    d.add_(1)
    assert y.tolist() == [3.0, 5.0] and y._version == 1


def test_autograd_grad_returns_gradients_without_touching_grad():
    x = leaf([1.0, 2.0])
    w = leaf([3.0])
    (gx,) = autograd.grad((x * x).sum(), x)
    assert gx.tolist() == [2.0, 4.0] and x.grad is None
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not "
                                           "have been used in the graph"):
        autograd.grad((x * x).sum(), [x, w])
    assert autograd.grad((x * x).sum(), [x, w], allow_unused=True)[1] is None


def test_comparisons_give_bool_tensors_usable_in_if_and_all():
    a = leaf([1.0, 2.0])
    same = a == a.detach()
    assert same.dtype == torch.bool and not same.requires_grad
    assert all(a * 2 == 2 * a)
    if a.sum() > 2:
        pass
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(a > 0)


def test_conversions_and_their_errors():
    a = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        a.numpy()
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        a.item()
    assert a.detach().numpy().dtype == np.float32 and a.tolist() == [1.0, 2.0]
    assert a.sum().item() == 3.0 and isinstance(a.sum().item(), float)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        torch.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        (a * 2).requires_grad_(False)


def test_dtypes_follow_pytorch():
    assert torch.tensor([1, 2]).dtype == torch.int64
    assert torch.tensor([1.0]).dtype == torch.float32
    assert torch.Tensor([1, 2]).dtype == torch.float32
    assert (torch.tensor([1, 2]) / 2).dtype == torch.float32
    assert (torch.tensor([1.0]) * 2.5).dtype == torch.float32
    assert (torch.tensor([1.0], dtype=torch.float64) + torch.tensor([1.0])).dtype == torch.float64
    assert leaf([1.0], dtype=torch.float64).sum().grad_fn is not None


def test_backward_order_is_deterministic_and_iterative():
    x = leaf([1.0])
    y = x
    for _ in range(5000):  # deep graph: no recursion limit
        y = y * 1.0
    y.backward()
    assert x.grad.tolist() == [1.0]

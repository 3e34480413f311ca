"""The four autograd tutorials (../shared/tutorials) run on sourcegrad, cell by cell.

Each tutorial's code cells are copied verbatim; the only change is ``import torch`` ->
``import sourcegrad as torch``. Cells run in order in one namespace, as a notebook runs them: a
cell ending in an expression displays its repr, ``%`` magics are skipped, an exception is shown as
``!! Type: message``, and warnings are shown after the cell's output.

The expected outputs are what PyTorch 2.13.0 (CPU) printed for the same cells after
``torch.manual_seed(0)`` (the tutorials draw random numbers; PyTorch seeds itself randomly at
start-up, so any exact comparison needs a seed). Object addresses are masked as ``0x...``.
``test_golden_outputs_are_pytorchs`` re-derives them from real PyTorch when it is installed.
"""
from __future__ import annotations

import ast
import contextlib
import io
import re
import warnings

import pytest

import sourcegrad

# -- the code cells, verbatim -----------------------------------------------------------------

TUTORIAL_1 = [
    'import torch\ntorch.__version__',
    'x = torch.Tensor([2])\nprint(x)',
    'print(x.requires_grad)',
    'x.requires_grad_(True)  # note the underscore',
    'print(x.requires_grad)',
    'y = x * x\nprint(y)',
    'print(y.requires_grad)',
    'print(y.grad_fn)',
    'z = y + 4\nprint(z)',
    'print(x.grad)',
    'z.backward()',
    'print(x.grad)',
    'x = torch.Tensor([1,2,3])\ny = torch.Tensor([1])\n\nW = torch.rand((3,1), requires_grad=True)\nb = torch.rand(1, requires_grad=True)\nprint(W, "\\n\\n", b)',
    'loss = (x @ W + b - y) ** 2\nprint(loss)',
    'print(W.grad, b.grad)',
    'loss.backward()',
    'print(W.grad, "\\n\\n", b.grad)',
    'print(x.grad, y.grad)',
    'loss = (x @ W + b - y) ** 2\nloss.backward()',
    'print(W.grad, "\\n\\n", b.grad)',
    ('x = torch.randn(3, requires_grad=True)\nprint("x.requires_grad : ", x.requires_grad)\n\n'
    'y = (x ** 2)\nprint("y.requires_grad : ", y.requires_grad)\n\n'
    'with torch.no_grad():\n    y = (x ** 2)\n    print("y.requires_grad : ", y.requires_grad)'),
    ('A = torch.rand(1,2, requires_grad=True)\nB = A.mean()\n\nprint("B : ", B)\n'
    'print("B.requires_grad :", B.requires_grad)\nprint("B.grad_fn :", B.grad_fn)\n\n'
    'C = B.detach()\nprint("\\n-- C = B.detach() -- \\n")\n\nprint("C : ", C)\n'
    'print("C.requires_grad :", C.requires_grad)\nprint("C.grad_fn :", C.grad_fn)'),
    ('A = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)\n'
    'B = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True) + 2  # B is the result of an operation (+)\n'
    'C = 5 * A  # C is the result of an operation (*)\nprint("A.is_leaf :", A.is_leaf)\n'
    'print("B.is_leaf :", B.is_leaf)\nprint("C.is_leaf :", C.is_leaf)'),
    ('A = torch.Tensor([[1, 2], [3, 4]])\nA.requires_grad_()\n\nB = 5 * (A + 3)\nC = B.mean()\n\n'
    'print("A.grad :", A.grad)\nprint("B.grad :", B.grad)\nC.backward()\n'
    'print("\\n-- Backward --\\n")\nprint("A.grad :", A.grad)\nprint("B.grad :", B.grad)'),
    ('A = torch.Tensor([[1, 2], [3, 4]])\nA.requires_grad_()\n\nB = 5 * (A + 3)\n'
    'B.retain_grad()  # <----- This line let us have access to gradient wrt. B after the backward pass\n'
    'C = B.mean()\n\n\nprint("A.grad :", A.grad)\nprint("B.grad :", B.grad)\nC.backward()\n'
    'print("\\n-- Backward --\\n")\nprint("A.grad :", A.grad)\nprint("B.grad :", B.grad)'),
    ('print(y.grad_fn)\nprint(y.grad_fn.next_functions[0][0])\n'
    'print(y.grad_fn.next_functions[0][0].next_functions[0][0])'),
    ('# In our example, the final `add` operation has two inputs:\n'
    '# - The first is the output of `multiplication`.\n'
    '# - The second is a constant `4` for which we don\'t require a gradient.\n'
    'y.grad_fn.next_functions'),
]

TUTORIAL_2 = [
    'print("Automatic Differentiation with torch.autograd()")',
    'import torch',
    ('x = torch.ones(5)\ny = torch.zeros(3)\n\nw = torch.randn(5,3, requires_grad=True)\n'
    'b = torch.randn(3, requires_grad=True)\n\nz = torch.matmul(x,w) + b\n'
    'loss = torch.nn.functional.binary_cross_entropy_with_logits(z,y)\n\n'
    'print(x, "\\n", y, "\\n", w, "\\n", b)\n\nprint(z)\nprint(loss)'),
    ('print(f"Gradient function for z = {z.grad_fn}")\n'
    'print(f"Gradient function for loss = {loss.grad_fn}")'),
    'loss.backward()\nprint(w.grad)\nprint(b.grad)\nprint(loss)',
    'z = torch.matmul(x,w) + b\nprint(z)\n\nwith torch.no_grad():\n    z = torch.matmul(x,w) + b\nprint(z)',
    'z = torch.matmul(x,w) + b\nz_det = z.detach()\nprint(z_det)\nprint(z_det.requires_grad)',
    ('inp = torch.eye(4,5, requires_grad=True)\nout = (inp+1).pow(2).t()\n\nprint(inp, "\\n", out)\n\n'
    'out.backward(torch.ones_like(out), retain_graph=True)\nprint(f"First call\\n{inp.grad}")\n\n'
    'out.backward(torch.ones_like(out), retain_graph=True)\nprint(f"Second call\\n{inp.grad}")\n\n'
    'inp.grad.zero_()\nout.backward(torch.ones_like(out), retain_graph=True)\n'
    'print(f"\\nCall after zeroing gradients\\n{inp.grad}")'),
]

TUTORIAL_3 = [
    '%matplotlib inline',
    'import torch',
    'x = torch.tensor([5.], requires_grad=True)\nprint(x)',
    'y = x ** 3\nprint(y)',
    'y.backward()\nif x.grad == 3 * x ** 2:\n    print("Gradients match!")',
    'a = torch.tensor([1., 2., 3.], requires_grad=True)\nb = a ** 3\nb.retain_grad()\ny_hat = b ** 2',
    'error = torch.sum(y_hat)',
    ('error.backward()\nif all(a.grad == 6 * b * a ** 2) and all(b.grad == 2 * b):\n'
    '    print("Gradients match!")'),
]

TUTORIAL_4 = [
    'import torch',
    'x = torch.tensor([1.,2.,3.], requires_grad=True)\ny = torch.tensor([4.,5.,6.], requires_grad=True)',
    'z = x + y ',
    'print(z)',
    'print(z.grad_fn)',
    's = z.sum()',
    'print(s)',
    'print(s.grad_fn)',
    's.backward()',
    'x.grad',
    'x = torch.randn(2,2)\ny = torch.randn(2,2)\nprint(x.requires_grad, y.requires_grad)',
    'z = x + y',
    'print(z.grad_fn)',
    'x.requires_grad_()\ny.requires_grad_()',
    'z = x + y\nprint(z.grad_fn)',
    'new_z = z.detach()\nprint(new_z.grad_fn)',
    'print(x.requires_grad)',
    'print((x+10).requires_grad)',
    'with torch.no_grad():\n    print((x+10).requires_grad)\n    print(x.requires_grad)',
    'x = torch.ones(2, 2, requires_grad=True)\nprint(x)',
    'y = x + 2',
    'print(y.requires_grad)',
    'print(y.grad_fn)',
    'z = y * y * 3',
    'out = z.mean()',
    'print(z,out)',
    'out.backward()',
    'print(x.grad)',
    'print(y.grad)',
]

TUTORIALS = {"autograd-tutorial-1": TUTORIAL_1, "autograd-tutorial-2": TUTORIAL_2,
             "autograd-tutorial-3": TUTORIAL_3, "autograd-tutorial-4": TUTORIAL_4}

# -- what PyTorch printed --------------------------------------------------------------------

#: Cells whose output deliberately differs from PyTorch's, and what sourcegrad shows instead.
DELIBERATE = {
    # torch.__version__ is PyTorch's version; sourcegrad reports its own.
    ("autograd-tutorial-1", 0): lambda: f"{sourcegrad.__version__!r}\n",
}
#: PyTorch 2.13.0's output for each cell (seed 0, addresses masked)
EXPECTED = {'autograd-tutorial-1': ["'2.13.0+cpu'\n",
                         'tensor([2.])\n',
                         'False\n',
                         'tensor([2.], requires_grad=True)\n',
                         'True\n',
                         'tensor([4.], grad_fn=<MulBackward0>)\n',
                         'True\n',
                         '<MulBackward0 object at 0x...>\n',
                         'tensor([8.], grad_fn=<AddBackward0>)\n',
                         'None\n',
                         '',
                         'tensor([4.])\n',
                         ('tensor([[0.4963],\n'
                         '        [0.7682],\n'
                         '        [0.0885]], requires_grad=True) \n'
                         '\n'
                         ' tensor([0.1320], requires_grad=True)\n'),
                         'tensor([2.0454], grad_fn=<PowBackward0>)\n',
                         'None None\n',
                         '',
                         ('tensor([[2.8603],\n'
                         '        [5.7207],\n'
                         '        [8.5810]]) \n'
                         '\n'
                         ' tensor([2.8603])\n'),
                         'None None\n',
                         '',
                         ('tensor([[ 5.7207],\n'
                         '        [11.4413],\n'
                         '        [17.1620]]) \n'
                         '\n'
                         ' tensor([5.7207])\n'),
                         ('x.requires_grad :  True\n'
                         'y.requires_grad :  True\n'
                         'y.requires_grad :  False\n'),
                         ('B :  tensor(0.0956, grad_fn=<MeanBackward0>)\n'
                         'B.requires_grad : True\n'
                         'B.grad_fn : <MeanBackward0 object at 0x...>\n'
                         '\n'
                         '-- C = B.detach() -- \n'
                         '\n'
                         'C :  tensor(0.0956)\n'
                         'C.requires_grad : False\n'
                         'C.grad_fn : None\n'),
                         'A.is_leaf : True\nB.is_leaf : False\nC.is_leaf : False\n',
                         ('A.grad : None\n'
                         'B.grad : None\n'
                         '\n'
                         '-- Backward --\n'
                         '\n'
                         'A.grad : tensor([[1.2500, 1.2500],\n'
                         '        [1.2500, 1.2500]])\n'
                         'B.grad : None\n'
                         '[UserWarning] The .grad attribute of a Tensor that is not a leaf Tensor '
                         "is being accessed. Its .grad attribute won't be populated during "
                         'autograd.backward(). If you indeed want the .grad field to be populated '
                         'for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If '
                         'you access the non-leaf Tensor by mistake, make sure you access the '
                         'leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more '
                         'information.\n'
                         '[UserWarning] The .grad attribute of a Tensor that is not a leaf Tensor '
                         "is being accessed. Its .grad attribute won't be populated during "
                         'autograd.backward(). If you indeed want the .grad field to be populated '
                         'for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If '
                         'you access the non-leaf Tensor by mistake, make sure you access the '
                         'leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more '
                         'information.\n'),
                         ('A.grad : None\n'
                         'B.grad : None\n'
                         '\n'
                         '-- Backward --\n'
                         '\n'
                         'A.grad : tensor([[1.2500, 1.2500],\n'
                         '        [1.2500, 1.2500]])\n'
                         'B.grad : tensor([[0.2500, 0.2500],\n'
                         '        [0.2500, 0.2500]])\n'),
                         ('None\n'
                         "!! AttributeError: 'NoneType' object has no attribute "
                         "'next_functions'\n"),
                         ("!! AttributeError: 'NoneType' object has no attribute "
                         "'next_functions'\n")],
 'autograd-tutorial-2': ['Automatic Differentiation with torch.autograd()\n',
                         '',
                         ('tensor([1., 1., 1., 1., 1.]) \n'
                         ' tensor([0., 0., 0.]) \n'
                         ' tensor([[ 1.5410, -0.2934, -2.1788],\n'
                         '        [ 0.5684, -1.0845, -1.3986],\n'
                         '        [ 0.4033,  0.8380, -0.7193],\n'
                         '        [-0.4033, -0.5966,  0.1820],\n'
                         '        [-0.8567,  1.1006, -1.0712]], requires_grad=True) \n'
                         ' tensor([ 0.1227, -0.5663,  0.3731], requires_grad=True)\n'
                         'tensor([ 1.3755, -0.6023, -4.8127], grad_fn=<AddBackward0>)\n'
                         'tensor(0.6819, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)\n'),
                         ('Gradient function for z = <AddBackward0 object at 0x...>\n'
                         'Gradient function for loss = <BinaryCrossEntropyWithLogitsBackward0 '
                         'object at 0x...>\n'),
                         ('tensor([[0.2661, 0.1179, 0.0027],\n'
                         '        [0.2661, 0.1179, 0.0027],\n'
                         '        [0.2661, 0.1179, 0.0027],\n'
                         '        [0.2661, 0.1179, 0.0027],\n'
                         '        [0.2661, 0.1179, 0.0027]])\n'
                         'tensor([0.2661, 0.1179, 0.0027])\n'
                         'tensor(0.6819, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)\n'),
                         ('tensor([ 1.3755, -0.6023, -4.8127], grad_fn=<AddBackward0>)\n'
                         'tensor([ 1.3755, -0.6023, -4.8127])\n'),
                         'tensor([ 1.3755, -0.6023, -4.8127])\nFalse\n',
                         ('tensor([[1., 0., 0., 0., 0.],\n'
                         '        [0., 1., 0., 0., 0.],\n'
                         '        [0., 0., 1., 0., 0.],\n'
                         '        [0., 0., 0., 1., 0.]], requires_grad=True) \n'
                         ' tensor([[4., 1., 1., 1.],\n'
                         '        [1., 4., 1., 1.],\n'
                         '        [1., 1., 4., 1.],\n'
                         '        [1., 1., 1., 4.],\n'
                         '        [1., 1., 1., 1.]], grad_fn=<TBackward0>)\n'
                         'First call\n'
                         'tensor([[4., 2., 2., 2., 2.],\n'
                         '        [2., 4., 2., 2., 2.],\n'
                         '        [2., 2., 4., 2., 2.],\n'
                         '        [2., 2., 2., 4., 2.]])\n'
                         'Second call\n'
                         'tensor([[8., 4., 4., 4., 4.],\n'
                         '        [4., 8., 4., 4., 4.],\n'
                         '        [4., 4., 8., 4., 4.],\n'
                         '        [4., 4., 4., 8., 4.]])\n'
                         '\n'
                         'Call after zeroing gradients\n'
                         'tensor([[4., 2., 2., 2., 2.],\n'
                         '        [2., 4., 2., 2., 2.],\n'
                         '        [2., 2., 4., 2., 2.],\n'
                         '        [2., 2., 2., 4., 2.]])\n')],
 'autograd-tutorial-3': ['',
                         '',
                         'tensor([5.], requires_grad=True)\n',
                         'tensor([125.], grad_fn=<PowBackward0>)\n',
                         'Gradients match!\n',
                         '',
                         '',
                         'Gradients match!\n'],
 'autograd-tutorial-4': ['',
                         '',
                         '',
                         'tensor([5., 7., 9.], grad_fn=<AddBackward0>)\n',
                         '<AddBackward0 object at 0x...>\n',
                         '',
                         'tensor(21., grad_fn=<SumBackward0>)\n',
                         '<SumBackward0 object at 0x...>\n',
                         '',
                         'tensor([1., 1., 1.])\n',
                         'False False\n',
                         '',
                         'None\n',
                         ('tensor([[-1.0845, -1.3986],\n'
                         '        [ 0.4033,  0.8380]], requires_grad=True)\n'),
                         '<AddBackward0 object at 0x...>\n',
                         'None\n',
                         'True\n',
                         'True\n',
                         'False\nTrue\n',
                         'tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)\n',
                         '',
                         'True\n',
                         '<AddBackward0 object at 0x...>\n',
                         '',
                         '',
                         ('tensor([[27., 27.],\n'
                         '        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., '
                         'grad_fn=<MeanBackward0>)\n'),
                         '',
                         'tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])\n',
                         ('None\n'
                         '[UserWarning] The .grad attribute of a Tensor that is not a leaf Tensor '
                         "is being accessed. Its .grad attribute won't be populated during "
                         'autograd.backward(). If you indeed want the .grad field to be populated '
                         'for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If '
                         'you access the non-leaf Tensor by mistake, make sure you access the '
                         'leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more '
                         'information.\n')]}


def run_cells(cells, module_name="sourcegrad", seed=0):
    """Run notebook cells in one namespace; return each cell's displayed output."""
    namespace: dict = {}
    module = __import__(module_name)
    module.manual_seed(seed)
    outputs = []
    for source in cells:
        if module_name != "torch":
            source = source.replace("import torch", f"import {module_name} as torch")
        code = "\n".join("pass  # " + line if line.startswith("%") else line
                         for line in source.split("\n"))
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                tree = ast.parse(code)
                last = tree.body.pop() if isinstance(tree.body[-1], ast.Expr) else None
                exec(compile(tree, "<cell>", "exec"), namespace)  # noqa: S102 (running the cells is the test)
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
                    if value is not None:
                        print(repr(value))
            except Exception as exc:  # noqa: BLE001 (shown, as a notebook shows it)
                print(f"!! {type(exc).__name__}: {exc}")
        text = buffer.getvalue()
        for w in caught:
            message = str(w.message).split(" (Triggered internally")[0]
            text += f"[{w.category.__name__}] {message}\n"
        outputs.append(re.sub(r"0x[0-9a-fA-F]+", "0x...", text))
    return outputs


@pytest.mark.parametrize("name", sorted(TUTORIALS))
def test_tutorial_prints_what_pytorch_prints(name):
    got = run_cells(TUTORIALS[name])
    for i, (expected, actual) in enumerate(zip(EXPECTED[name], got)):
        if (name, i) in DELIBERATE:
            expected = DELIBERATE[name, i]()
        assert actual == expected, f"{name}, cell {i}:\n{TUTORIALS[name][i]}"
    assert len(got) == len(EXPECTED[name])


def test_only_the_import_line_changes():
    for cells in TUTORIALS.values():
        assert sum("import torch" in c for c in cells) == 1


@pytest.mark.parametrize("name", sorted(TUTORIALS))
def test_golden_outputs_are_pytorchs(name):
    pytest.importorskip("torch")
    assert run_cells(TUTORIALS[name], module_name="torch") == EXPECTED[name]

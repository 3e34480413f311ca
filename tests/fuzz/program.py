"""A generated program: module text, argument values, the parameters to differentiate.

sourcegrad reads a function's source, so every program is written to a real file before it
is loaded. Each load uses a fresh file name: ``linecache`` (which ``inspect`` reads through)
keys on the name and only notices a rewrite when the size or mtime changes, so reusing a name
could hand sourcegrad the text of an earlier program.
"""
from __future__ import annotations

import copy
import importlib.util
import itertools
import multiprocessing.util
import os
import pathlib
import shutil
import tempfile
from dataclasses import dataclass, field

import numpy as np

# The imports every program may use. The autograd variant binds the same names to autograd's
# wrappers, so one program text serves both (math.* on an autograd box fails: no opinion).
NUMPY_HEADER = ("import functools\nimport math\n\nimport numpy as np\n"
                "from scipy.special import logsumexp\n")
#: autograd's numpy, and ``math`` functions that have an autograd twin taken from it (so a
#: program calling math.exp still gets a second opinion)
AUTOGRAD_HEADER = (
    "import functools\nimport math as _math\nimport types as _types\n\n"
    "import autograd.numpy as np\nfrom autograd.scipy.special import logsumexp\n\n"
    "math = _types.SimpleNamespace(**{_n: getattr(np, _n, getattr(_math, _n))\n"
    "                                 for _n in dir(_math) if not _n.startswith('_')})\n")

_file_numbers = itertools.count()
_scratch_dir: pathlib.Path | None = None


@dataclass
class Program:
    """``body`` is the module text after the imports: constants, helpers, ``def f(...)``."""

    seed: int
    category: str
    body: str
    params: list[str]
    args: list
    wrt: tuple[str, ...]
    mixed: tuple[str, ...] = field(default_factory=tuple)

    def source(self, header: str = NUMPY_HEADER) -> str:
        return header + "\n\n" + self.body

    def wrt_spec(self):
        """A single name gives a single gradient; several give a tuple, as users write it."""
        return self.wrt[0] if len(self.wrt) == 1 else self.wrt

    def fresh_args(self) -> list:
        return copy.deepcopy(self.args)

    def with_body(self, body: str, params=None, args=None, wrt=None) -> Program:
        return Program(self.seed, self.category, body,
                       list(self.params if params is None else params),
                       list(self.args if args is None else args),
                       tuple(self.wrt if wrt is None else wrt), self.mixed)

    def args_text(self) -> str:
        """The arguments as Python source that recreates them exactly (repr of floats
        round-trips)."""
        return "\n".join(f"{name} = {value_text(value)}"
                         for name, value in zip(self.params, self.args))


def value_text(value) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r}, dtype=np.{value.dtype})"
    return repr(value)


def scratch_dir() -> pathlib.Path:
    """One temporary directory per process for the program files, removed when the process
    ends (a multiprocessing finalizer, since pool workers skip atexit handlers)."""
    global _scratch_dir
    if _scratch_dir is None or _scratch_dir.name.split("_")[1] != str(os.getpid()):
        _scratch_dir = pathlib.Path(tempfile.mkdtemp(prefix=f"sgfuzz_{os.getpid()}_"))
        multiprocessing.util.Finalize(None, shutil.rmtree, args=(str(_scratch_dir), True),
                                      exitpriority=1)
    return _scratch_dir


def load_module(text: str, stem: str = "fuzz_program"):
    """Execute ``text`` as a module defined in a file of its own; returns its namespace."""
    path = scratch_dir() / f"{stem}_{next(_file_numbers)}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_f(program: Program, header: str = NUMPY_HEADER):
    return load_module(program.source(header)).f


def same_value(a, b) -> bool:
    """Exact equality of two argument values, dtype and type included (the mutation check)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b

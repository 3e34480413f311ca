"""``python -m sourcegrad``: see, check and time the gradient of a function in a file.

    python -m sourcegrad show model.py:loss --wrt W,b
    python -m sourcegrad show model.py:loss --wrt W,b --shapes W=3,1 b=1 x=8,3 y=8,1
    python -m sourcegrad check model.py:loss --wrt W,b --shapes W=3,1 b=1 x=8,3 y=8,1
    python -m sourcegrad bench model.py:loss --wrt W,b --shapes W=3,1 b=1 x=8,3 y=8,1

The file is loaded as a module from its path (its own directory first on ``sys.path``, as
``python model.py`` would have it), so its functions have source to read. Exit status: 0 when
all is well, 1 when a gradient check fails or the function cannot be differentiated or run,
2 for a mistake on the command line (a missing file or function, a bad shape).
"""
from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import pathlib
import statistics
import sys
import textwrap
import timeit
import traceback

import numpy as np

from .api import grad, source, value_and_grad
from .compiler import resolve_wrt
from .errors import TransformError
from .testing import check_grads

PROG = "python -m sourcegrad"

SHAPES_HELP = """\
one NAME=SHAPE per parameter without a default: NAME=3,4 is a float64 array of shape (3, 4)
(NAME=5 one of shape (5,)); NAME= or NAME=scalar is a Python float. Values are random
(standard normal, seeded by --seed); parameters with defaults keep them unless given here"""

EPILOG = """\
FILE.py:FUNCTION names a module-level function (Class.method for a function inside a class).
--wrt takes names or positions, comma-separated (default: the first parameter).

examples:
  python -m sourcegrad show model.py:loss --wrt W,b
  python -m sourcegrad show model.py:loss --wrt W,b --shapes W=3,1 b=1 x=8,3 y=8,1
  python -m sourcegrad check model.py:loss --wrt W,b --shapes W=3,1 b=1 x=8,3 y=8,1
  python -m sourcegrad bench model.py:loss --shapes W=3,1 b=1 x=8,3 y=8,1

exit status: 0 all is well; 1 a gradient check failed, or the function could not be
differentiated or run; 2 a mistake on the command line."""


class UsageError(Exception):
    """A mistake on the command line: told in one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        return options.run(options)
    except UsageError as error:
        print(f"{PROG} {options.command}: error: {error}", file=sys.stderr)
        return 2
    except TransformError as error:  # (the message locates the problem in the user's file)
        print(f"cannot differentiate {options.target}:\n{error}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="See, check and time the gradient sourcegrad generates for a function "
                    "in a file.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    show = _command(commands, "show", run_show,
                    "print the generated gradient (syntax-highlighted on a terminal)",
                    "Print the generated gradient: the general code, or with --shapes the "
                    "code specialized to float64 arrays of those shapes.")
    show.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="highlight with pygments when it is installed: on a terminal "
                           "(auto, unless NO_COLOR is set), always or never")
    check = _command(commands, "check", run_check,
                     "compare the gradient with finite differences on random inputs",
                     "Run sourcegrad.testing.check_grads on random inputs of the given "
                     "shapes, one line per differentiated argument; exit status 1 if any "
                     "disagrees.", shapes_required=True)
    check.add_argument("--rtol", type=float, default=1e-5, help="relative tolerance (1e-5)")
    check.add_argument("--atol", type=float, default=1e-6, help="absolute tolerance (1e-6)")
    bench = _command(commands, "bench", run_bench,
                     "time the gradient against the function itself",
                     "Time the function, its gradient and value_and_grad on random inputs "
                     "(timeit: the median of --repeat runs of --number calls each).",
                     shapes_required=True)
    bench.add_argument("--repeat", type=_positive, default=7, help="runs to take the median "
                       "of (7)")
    bench.add_argument("--number", type=_positive, default=None,
                       help="calls per run (default: enough for 0.2 s, as timeit chooses)")
    return parser


def _command(commands, name, run, summary, description, shapes_required=False):
    shapes = "--shapes NAME=SHAPE [NAME=SHAPE ...]"
    usage = (f"{PROG} {name} FILE.py:FUNCTION [--wrt W,b] "
             f"{shapes if shapes_required else '[' + shapes + ']'} [options]")
    command = commands.add_parser(name, help=summary, usage=usage,
                                  description=textwrap.fill(description, 92),
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog=EPILOG)
    command.set_defaults(run=run)
    command.add_argument("target", metavar="FILE.py:FUNCTION", help="the function to "
                         "differentiate")
    command.add_argument("--wrt", metavar="W,b", default=None, help="the arguments to "
                         "differentiate: names or positions, comma-separated (default: 0)")
    command.add_argument("--shapes", metavar="NAME=SHAPE", nargs="+", action="extend",
                         default=[], required=shapes_required, help=SHAPES_HELP)
    command.add_argument("--seed", type=int, default=0, help="seed of the random inputs (0)")
    return command


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


# -- the commands ----------------------------------------------------------------------------

def run_show(options) -> int:
    fn = load_function(options.target)
    wrt = parse_wrt(fn, options.wrt)
    df = grad(fn, wrt=wrt)
    if options.shapes:
        args, kwargs, _ = make_arguments(fn, parse_shapes(options.shapes), options.seed)
        text = source(df, *args, **kwargs)
    else:
        text = source(df)
    sys.stdout.write(highlight(text, options.color))
    return 0


def run_check(options) -> int:
    fn = load_function(options.target)
    wrt = parse_wrt(fn, options.wrt)
    names, _ = resolve_wrt(fn, wrt)
    args, kwargs, described = make_arguments(fn, parse_shapes(options.shapes), options.seed)
    print(f"checking the gradient of {fn.__qualname__}() against central finite differences "
          f"(rtol={options.rtol}, atol={options.atol})\non {described}, seed {options.seed}")
    failed = 0
    for name in names:
        try:
            check_grads(fn, *args, wrt=name, rtol=options.rtol, atol=options.atol, **kwargs)
        except AssertionError as mismatch:
            failed += 1
            print(f"  FAIL  {name}\n{textwrap.indent(str(mismatch), '        ')}")
        except TransformError:
            raise
        except Exception:  # noqa: BLE001 (the function or its gradient raised: its traceback
            # names the user's line; the other arguments are not checked)
            traceback.print_exc()
            print(f"  ERROR {name}: the function or its gradient raised (traceback above)")
            return 1
        else:
            print(f"  pass  {name}")
    print(f"{len(names) - failed} of {len(names)} gradients agree" if failed else
          "all gradients agree")
    return 1 if failed else 0


def run_bench(options) -> int:
    fn = load_function(options.target)
    wrt = parse_wrt(fn, options.wrt)
    names, _ = resolve_wrt(fn, wrt)
    args, kwargs, described = make_arguments(fn, parse_shapes(options.shapes), options.seed)
    df, vdf = grad(fn, wrt=wrt), value_and_grad(fn, wrt=wrt)
    with_respect = ", ".join(names)
    rows = [(f"{fn.__qualname__} (the function)", lambda: fn(*args, **kwargs)),
            (f"grad wrt {with_respect}", lambda: df(*args, **kwargs)),
            (f"value_and_grad wrt {with_respect}", lambda: vdf(*args, **kwargs))]
    for _, call in rows:
        call()  # (the first call compiles the specialization: not timed)
    print(f"timing {fn.__qualname__}() on {described}: median of {options.repeat} runs")
    width = max(len(label) for label, _ in rows)
    print(f"  {'':<{width}}  {'per call':>10}  {'vs function':>11}")
    forward = None
    for label, call in rows:
        seconds = time_call(call, options.repeat, options.number)
        forward = forward or seconds
        print(f"  {label:<{width}}  {_duration(seconds):>10}  {seconds / forward:>10.2f}x")
    return 0


def time_call(call, repeat: int, number: int | None) -> float:
    """Seconds per call: the median over ``repeat`` runs of ``number`` calls each."""
    timer = timeit.Timer(call)
    if number is None:
        number, _ = timer.autorange()
    return statistics.median(timer.repeat(repeat=repeat, number=number)) / number


def _duration(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


# -- reading the command line ----------------------------------------------------------------

def load_function(target: str):
    """The function ``FILE.py:NAME`` names, from the file loaded as a module by its path."""
    path_text, colon, name = target.rpartition(":")
    if not colon or not path_text or not name:
        raise UsageError(f"expected FILE.py:FUNCTION, not {target!r}")
    path = pathlib.Path(path_text)
    if not path.is_file():
        raise UsageError(f"no such file: {path_text}")
    module = _load_module(path.resolve())
    found = module
    for part in name.split("."):
        found = getattr(found, part, None)
        if found is None:
            functions = sorted(n for n, v in vars(module).items() if inspect.isfunction(v) and
                               v.__module__ == module.__name__)
            listed = ", ".join(functions) if functions else "none"
            raise UsageError(f"{path_text} has no function {name!r} (its functions: {listed})")
    if not callable(found):
        raise UsageError(f"{name} in {path_text} is a {type(found).__name__}, not a function")
    return found


def _load_module(path: pathlib.Path):
    stem = path.stem if path.stem.isidentifier() else "module"
    # (the file's own name, unless a module of that name is loaded already: numpy.py must not
    # replace numpy)
    name = stem if stem not in sys.modules else f"sourcegrad_cli_{stem}"
    sys.path.insert(0, str(path.parent))  # (its sibling modules import, as under python FILE)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def parse_wrt(fn, text: str | None):
    """``--wrt`` as ``grad`` takes it: a name or position, or a tuple of those."""
    if text is None:
        return 0
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise UsageError(f"--wrt {text!r}: expected names or positions separated by commas")
    wrt = [int(item) if item.lstrip("-").isdigit() else item for item in items]
    wrt = wrt[0] if len(wrt) == 1 else tuple(wrt)
    try:
        resolve_wrt(fn, wrt)
    except (TypeError, ValueError) as error:
        raise UsageError(f"--wrt {text}: {error}") from None
    return wrt


def parse_shapes(items: list[str]) -> dict[str, tuple[int, ...] | None]:
    """``["x=3,4", "t=", "s=scalar"]`` -> ``{"x": (3, 4), "t": None, "s": None}`` (None: a
    Python float)."""
    shapes: dict[str, tuple[int, ...] | None] = {}
    for item in items:
        name, equals, spec = (part.strip() for part in item.partition("="))
        if not equals or not name.isidentifier():
            raise UsageError(f"bad shape {item!r}: expected NAME=3,4 (a float64 array of that "
                             "shape), or NAME= or NAME=scalar (a Python float)")
        if name in shapes:
            raise UsageError(f"two shapes for {name}")
        if spec in ("", "scalar"):
            shapes[name] = None
            continue
        lengths = spec.split(",")
        if lengths[-1] == "" and len(lengths) > 1:
            lengths.pop()  # (x=3, is the tuple (3,))
        if not all(length.strip().isdigit() for length in lengths):
            raise UsageError(f"bad shape {item!r}: lengths are whole numbers separated by "
                             "commas, as in x=3,4")
        shapes[name] = tuple(int(length) for length in lengths)
    return shapes


def make_arguments(fn, shapes: dict, seed: int):
    """Random arguments of the given shapes, in ``fn``'s order: ``(args, kwargs, described)``,
    ``described`` saying what each is."""
    parameters = inspect.signature(fn).parameters
    named = [p for p in parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    unknown = [n for n in shapes if n not in {p.name for p in named}]
    if unknown:
        raise UsageError(f"{fn.__qualname__}() has no parameter {', '.join(unknown)} (its "
                         f"parameters: {', '.join(p.name for p in named)})")
    missing = [p.name for p in named if p.name not in shapes and p.default is p.empty]
    if missing:
        example = " ".join(f"{n}=3" for n in missing)
        raise UsageError(f"no shape for {', '.join(missing)} (a parameter without a default "
                         f"needs one, e.g. --shapes {example})")
    rng = np.random.default_rng(seed)
    args, kwargs, described = [], {}, []
    for p in named:
        if p.name in shapes:
            shape = shapes[p.name]
            value = float(rng.standard_normal()) if shape is None else \
                rng.standard_normal(shape)
            described.append(f"{p.name}: " + ("float" if shape is None else
                                              f"float64 array {shape}"))
        elif p.kind is p.KEYWORD_ONLY:
            continue
        else:
            value = p.default  # (a later positional parameter is given)
        if p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = value
        else:
            args.append(value)
    return args, kwargs, ", ".join(described)


def highlight(text: str, color: str) -> str:
    """``text`` in terminal colours when asked for and pygments is importable; else as is."""
    wanted = color == "always" or (color == "auto" and sys.stdout.isatty() and
                                   not os.environ.get("NO_COLOR"))
    if not wanted:
        return text
    try:
        from pygments import highlight as colorize
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:  # (an optional nicety, never a dependency)
        return text
    return colorize(text, PythonLexer(), TerminalFormatter())

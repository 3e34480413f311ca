"""Run one program three ways and classify it.

* ``sourcegrad.grad`` and ``sourcegrad.value_and_grad`` (the only sourcegrad API used, with
  ``sourcegrad.TransformError``);
* central finite differences in float64 at two step sizes: where they disagree the point is
  near a kink, and the arguments are resampled a few times before the program is called
  ``kinky``;
* HIPS autograd on the same text with ``np`` bound to ``autograd.numpy``, when it runs (an
  autograd failure only means there is no second opinion).

Classes: ``ok``, ``wrong`` (gradient vs finite differences, value_and_grad's value vs f's,
an argument changed, a gradient of the wrong shape or type), ``crash`` (an exception other than
TransformError from grad(), or any exception while the gradient runs), ``refused``
(TransformError), ``kinky``, ``singular`` (nan from a derivative at a singular point, see
the README), ``invalid`` (f itself fails: a generator bug).
"""
from __future__ import annotations

import random
import re
import signal
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

import sourcegrad

from .program import AUTOGRAD_HEADER, Program, load_f, same_value
from .refusals import documented, runtime_sharing

STEPS = (1e-6, 1e-4)     # the two finite-difference steps of the kink check
RTOL, ATOL = 1e-5, 1e-6  # gradient vs finite differences
KINK_RTOL, KINK_ATOL = 1e-4, 1e-5  # the two FD estimates must agree this well
RESAMPLES = 3
TIME_LIMIT = 30.0        # seconds per program: a hang is a crash of the phase that hung


@dataclass
class Outcome:
    cls: str
    kind: str = ""
    detail: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def signature(self) -> str:
        """What two failures must share to count as the same (minimizer, deduplication)."""
        if self.cls == "crash":  # the exception line
            return f"crash:{self.kind}:{normalize(self.detail.splitlines()[-1:])}"
        if self.cls == "refused":  # the message line (the rest is the caret and the hint)
            return f"refused:{self.kind}:{normalize(self.detail.splitlines()[:1])}"
        return f"{self.cls}:{self.kind}"


def normalize(lines) -> str:
    """An error message without the parts that vary between programs."""
    text = " ".join(lines)
    text = re.sub(r"^\S+\.py:\d+:\d+: in \w+\(\): ", "", text)
    text = re.sub(r"\b[a-z_]+\d+\b", "NAME", text)
    return re.sub(r"\d+", "N", text)[:200]


class _Timeout(BaseException):
    """BaseException, so no ``except Exception`` in code under test swallows it."""


def _alarm(signum, frame):
    raise _Timeout()


def check(program: Program, *, autograd_opinion: bool = True) -> Outcome:
    phase = ["load"]
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return _check(program, phase, autograd_opinion)
    except _Timeout:
        cls = "invalid" if phase[0] in ("load", "f", "fd") else "crash"
        return Outcome(cls, "timeout", f"no answer within {TIME_LIMIT:.0f} s in {phase[0]}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _error_text(err: BaseException) -> str:
    frames = traceback.extract_tb(err.__traceback__)[-3:]
    where = "; ".join(f"{fr.name}:{fr.lineno} `{(fr.line or '').strip()}`" for fr in frames)
    return f"{where}\n{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


def _call_f(f, args):
    value = f(*args)
    if np.ndim(value) != 0 or not np.isfinite(float(value)):
        raise ValueError(f"f gave {value!r}")
    return value


def _check(program: Program, phase: list, autograd_opinion: bool) -> Outcome:
    try:
        f = load_f(program)
        phase[0] = "f"
        args = program.fresh_args()
        value = _call_f(f, args)
    except Exception as err:
        return Outcome("invalid", "f", _error_text(err))
    if not all(same_value(a, b) for a, b in zip(args, program.args)):
        return Outcome("invalid", "f", "f changes its arguments")
    wrt = program.wrt_spec()
    phase[0] = "transform"
    made = {}
    for api in ("grad", "value_and_grad"):
        try:
            made[api] = getattr(sourcegrad, api)(f, wrt=wrt)
        except sourcegrad.TransformError as err:
            doc = documented(getattr(err, "message", str(err)), getattr(err, "lineno", None),
                             program.source(), runtime_sharing(f, program.args))
            return Outcome("refused", f"documented: {doc}" if doc else "undocumented",
                           str(err))
        except Exception as err:
            return Outcome("crash", f"{api}() raised", _error_text(err))
    phase[0] = "gradient"
    results = {}
    for api, df in made.items():
        args = program.fresh_args()
        try:
            results[api] = df(*args)
        except sourcegrad.TransformError as err:  # (a check made when called: the sharing)
            doc = documented(err.message, err.lineno, program.source(),
                             runtime_sharing(f, program.args))
            return Outcome("refused", f"documented: {doc}" if doc else "undocumented",
                           str(err))
        except Exception as err:
            return Outcome("crash", f"{api} call", _error_text(err))
        changed = [n for n, a, b in zip(program.params, args, program.args)
                   if not same_value(a, b)]
        if changed:
            return Outcome("wrong", "mutated input", f"{api} changed argument(s) {changed}")
    grads = _as_tuple(results["grad"], program)
    bad = _structure_problem(grads, program)
    if bad:
        return Outcome("wrong", "gradient type", bad)
    v, g2 = results["value_and_grad"]
    if not _close(v, value, 1e-9, 1e-12):
        return Outcome("wrong", "value", f"value_and_grad value {v!r}, f gives {value!r}")
    if isinstance(v, np.ndarray) != isinstance(value, np.ndarray):
        return Outcome("wrong", "value type", f"value_and_grad value {type(v).__name__}, "
                                              f"f gives {type(value).__name__}")
    g2 = _as_tuple(g2, program)
    if _structure_problem(g2, program) or not all(
            _close(a, b, 1e-9, 1e-12) for a, b in zip(grads, g2)):
        return Outcome("wrong", "value_and_grad gradient",
                       f"grad gives {grads!r}, value_and_grad gives {g2!r}")
    phase[0] = "fd"
    return _compare_numeric(program, f, made["grad"], grads, phase, autograd_opinion)


def _as_tuple(g, program: Program):
    """One gradient per wrt name (a single name gives a bare gradient)."""
    if len(program.wrt) == 1:
        return (g,)
    return g  # a tuple if sourcegrad keeps its promise; _structure_problem checks


def _structure_problem(grads, program: Program) -> str:
    if not isinstance(grads, tuple) or len(grads) != len(program.wrt):
        return f"expected {len(program.wrt)} gradient(s), got {grads!r}"
    for name, g in zip(program.wrt, grads):
        arg = program.args[program.params.index(name)]
        if isinstance(arg, float):
            if not isinstance(g, float):
                return f"d{name}: a Python float argument got {type(g).__name__} {g!r}"
        elif not isinstance(g, np.ndarray) or g.shape != arg.shape or g.dtype != arg.dtype:
            return (f"d{name}: argument {arg.dtype}{arg.shape}, gradient "
                    f"{type(g).__name__} {getattr(g, 'dtype', '')}{np.shape(g)}")
    return ""


def _close(a, b, rtol, atol) -> bool:
    """NaN equals NaN here (two computations agreeing); NaN against finite differences is
    caught by the tolerance test in _compare_numeric."""
    try:
        return bool(np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol,
                                atol=atol, equal_nan=True))
    except (TypeError, ValueError):
        return False


def numeric_gradient(f, args: list, index: int, h: float):
    """Central differences of f in argument ``index`` (a Python float stays a float)."""
    base = args[index]
    def at(x):
        shifted = list(args)
        shifted[index] = x
        return float(f(*shifted))
    if isinstance(base, float):
        return (at(base + h) - at(base - h)) / (2 * h)
    out = np.zeros(np.shape(base))
    for i in np.ndindex(out.shape):
        plus, minus = base.copy(), base.copy()
        plus[i] += h
        minus[i] -= h
        out[i] = (at(plus) - at(minus)) / (2 * h)
    return out


def _perturbed(program: Program, rng: random.Random) -> list:
    args = program.fresh_args()
    for k, name in enumerate(program.params):
        if name not in program.wrt:
            continue
        a = args[k]
        if isinstance(a, float):
            args[k] = a + rng.gauss(0, 0.03)
        else:
            args[k] = a + np.array([rng.gauss(0, 0.03) for _ in range(a.size)]).reshape(a.shape)
    return args


def _tolerance(fd, scale, rtol, atol):
    return atol * max(1.0, scale / 10.0) + rtol * np.abs(fd)


def _compare_numeric(program, f, df, grads, phase, autograd_opinion) -> Outcome:
    indices = [program.params.index(n) for n in program.wrt]
    rng = random.Random(program.seed)
    args = program.fresh_args()
    for attempt in range(RESAMPLES + 1):
        if attempt:
            args = _perturbed(program, rng)
            try:
                phase[0] = "f"
                scale = abs(float(_call_f(f, args)))
            except Exception:
                continue  # a resampled point outside f's domain: try another
            phase[0] = "gradient"
            try:
                grads = _as_tuple(df(*[np.copy(a) if isinstance(a, np.ndarray) else a
                                       for a in args]), program)
            except Exception as err:
                return Outcome("crash", "grad call", "at a resampled point: " +
                               _error_text(err))
            phase[0] = "fd"
        else:
            scale = abs(float(f(*args)))
        small = [numeric_gradient(f, args, i, STEPS[0]) for i in indices]
        large = [numeric_gradient(f, args, i, STEPS[1]) for i in indices]
        if all(np.all(np.abs(np.subtract(s, l)) <= _tolerance(s, scale, KINK_RTOL, KINK_ATOL))
               for s, l in zip(small, large)):
            break
    else:
        return Outcome("kinky", "", "finite differences at two steps disagree at "
                                    f"{RESAMPLES + 1} points")
    phase[0] = "autograd"
    theirs = _autograd(program, args, indices) if autograd_opinion else None
    mismatch = [k for k, (g, s) in enumerate(zip(grads, small))
                if not np.all(np.abs(np.subtract(g, s)) <= _tolerance(s, scale, RTOL, ATOL))]
    notes = []
    if theirs is not None:
        agree = all(_close(g, a, 1e-6, 1e-8) for g, a in zip(grads, theirs))
        notes.append("autograd agrees" if agree else "autograd disagrees")
    if not mismatch:
        return Outcome("ok", notes=notes)
    if all(_only_nonfinite(grads[k], small[k]) for k in mismatch) and \
            _derivative_is_singular(f, df, args):
        # the chain rule met a primitive where its derivative is undefined (cbrt at 0,
        # arctan2 at the origin) and a later zero (t - t) multiplies it: every chain-rule AD
        # gives that nan (autograd, JAX, PyTorch), while f itself is smooth
        return Outcome("singular", "", "nan where finite differences are finite: the "
                       "gradient divides by zero (a derivative at a singular point)", notes)
    near_miss = all(np.all(np.abs(np.subtract(grads[k], small[k]))
                           <= 1e-3 * (1 + np.abs(small[k]))) for k in mismatch)
    if theirs is not None and notes == ["autograd agrees"] and near_miss:
        return Outcome("ok", notes=["finite differences imprecise, autograd agrees"])
    return Outcome("wrong", "gradient", _table(program, args, grads, small, large, theirs,
                                               mismatch), notes)


def _only_nonfinite(ours, fd) -> bool:
    """Whether ``ours`` differs from finite differences only by non-finite entries."""
    ours, fd = np.asarray(ours, float), np.asarray(fd, float)
    bad = ~np.isfinite(ours)
    return ours.shape == fd.shape and bool(bad.any()) and bool(np.all(np.isfinite(fd[bad])))


def _derivative_is_singular(f, df, args) -> bool:
    """Whether the gradient divides by zero (or makes 0/0, inf - inf) where f does not."""
    def copies():
        return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    with np.errstate(divide="raise", invalid="raise", over="ignore", under="ignore"):
        try:
            f(*copies())
        except (FloatingPointError, ZeroDivisionError):
            return False
        try:
            df(*copies())
        except (FloatingPointError, ZeroDivisionError):
            return True
        except Exception:
            return False
    return False


def _autograd(program: Program, args, indices):
    """autograd's gradients at ``args``, or None when autograd cannot run the program."""
    try:
        import autograd
        f = load_f(program, AUTOGRAD_HEADER)
        out = []
        for i in indices:
            call = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
            g = autograd.grad(f, i)(*call)
            if np.shape(g) != np.shape(args[i]) or not np.all(np.isfinite(g)):
                return None
            out.append(g)
        return out
    except Exception:
        return None


def _table(program, args, grads, small, large, theirs, mismatch) -> str:
    rows = ["argument  index       sourcegrad      FD(1e-6)      FD(1e-4)      autograd"]
    for k in mismatch:
        name = program.wrt[k]
        g, s, l = (np.asarray(v, float) for v in (grads[k], small[k], large[k]))
        a = np.asarray(theirs[k], float) if theirs is not None else None
        for i in list(np.ndindex(s.shape))[:8]:
            ag = f"{a[i]:13.6g}" if a is not None else "          n/a"
            gi = g[i] if g.shape == s.shape else float("nan")
            rows.append(f"{name:9} {i!s:8} {gi:13.6g} {s[i]:13.6g} {l[i]:13.6g} {ag}")
    return "\n".join(rows)

"""Errors raised while a generated gradient runs, told at the user's line.

The code generator knows which user statement every generated line comes from (the ``Origin``
of its IR statement, the same fact the ``# grad of:`` comments print). The loader registers
that map for each generated pseudo-file (``register_user_lines``). Nothing else happens while
the gradient runs normally: the function users call (the dispatcher, or a thin wrapper where
there is none) has one ``try``/``except`` around the call of the compiled code, and only when an
exception passes it does ``note_user_lines`` walk the traceback and look up each generated frame.

How the user's line is shown depends on the interpreter:

* Python 3.11+: ``BaseException.add_note``. Every traceback printer shows notes under the
  message; the exception's type, arguments and message stay exactly as raised.
* Python 3.10 has no notes. A rewritten message would change ``str(error)`` and ``error.args``,
  which programs inspect (and ``KeyError`` or ``OSError`` format their arguments themselves);
  chaining would print the location *before* the traceback, as the "direct cause" of the error,
  which it is not. So the traceback gets one more entry after the generated frame: a frame whose
  code object is placed at the user's file and line (Jinja2 shows template lines the same way).
  ``traceback``, the interpreter's own printer (which reads real files only, so it never shows
  generated lines on 3.10-3.12), IDEs and ``pdb`` all show it as the user's file, line and
  source line. The frame itself never ran: its locals are empty.
"""
from __future__ import annotations

import functools
import linecache
import sys
import types
from typing import NamedTuple

#: what each role of a generated line is called in messages
SWEEPS = {"": "forward sweep", "grad": "backward sweep", "tangent": "forward-mode derivative"}


class UserLine(NamedTuple):
    """The user's statement a generated line comes from."""

    filename: str
    lineno: int  # 1-based line in ``filename``
    text: str  # the statement as one stripped line
    function: str  # qualified name of the user function holding it
    role: str  # a key of SWEEPS


_user_lines: dict[str, dict[int, UserLine]] = {}  # generated file -> its line -> user line


def register_user_lines(filename: str, lines: dict[int, UserLine]) -> None:
    """Record where the lines of generated file ``filename`` come from (adds to earlier ones:
    a program registers one map per generated function)."""
    _user_lines.setdefault(filename, {}).update(lines)


def user_line_at(filename: str, lineno: int) -> UserLine | None:
    lines = _user_lines.get(filename)
    return None if lines is None else lines.get(lineno)


def note_user_lines(error: BaseException) -> None:
    """Tell, in ``error``'s traceback, which user line each generated frame it passed through
    comes from. Safe to call again for the same error (a gradient called inside another)."""
    noted = getattr(error, "__sourcegrad_noted__", None)
    if noted is None:
        noted = set()
        try:
            error.__sourcegrad_noted__ = noted
        except AttributeError:  # (an exception type without a __dict__: nothing to remember)
            pass
    previous = None
    tb = error.__traceback__
    while tb is not None:
        following = tb.tb_next
        code = tb.tb_frame.f_code
        line = user_line_at(code.co_filename, tb.tb_lineno)
        if line is not None and id(tb) not in noted:
            noted.add(id(tb))
            if line != previous:  # (a recursive helper: one mention per run of its frames)
                _show(error, tb, line)
            previous = line
        tb = following


def describe(line: UserLine, generated: str = "") -> str:
    """``in the gradient of f() at file.py:12: <the line>`` and, when known, the generated
    line (the interpreter's own printer does not show generated lines before Python 3.13)."""
    text = f"in the gradient of {line.function}() at {line.filename}:{line.lineno}: {line.text}"
    sweep = SWEEPS.get(line.role, line.role)
    return text + (f"\n  {sweep}, generated line: {generated}" if generated else "")


if sys.version_info >= (3, 11):
    def _show(error, tb, line) -> None:
        generated = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).strip()
        error.add_note(describe(line, generated))
else:
    def _show(error, tb, line) -> None:
        frame = _frame_at(line)
        tb.tb_next = types.TracebackType(tb.tb_next, frame, frame.f_lasti, line.lineno)


def _frame_at(line: UserLine):
    """A frame whose code sits at the user's file and line, named after the function and the
    sweep (``in f (backward sweep of its gradient)``)."""
    namespace = {"_getframe": sys._getframe}
    # (runs one constant statement, compiled below: only its file name and line are the user's)
    exec(_code_at(line.filename, line.lineno, line.function, line.role), namespace)  # noqa: S102
    return namespace.pop("frame")


@functools.lru_cache(maxsize=256)
def _code_at(filename: str, lineno: int, function: str, role: str):
    sweep = SWEEPS.get(role, role)
    code = compile("frame = _getframe()", filename, "exec")
    # (the line table counts from co_firstlineno: moving it moves the one line there is)
    return code.replace(co_firstlineno=lineno, co_name=f"{function} ({sweep} of its gradient)")


def with_user_lines(df):
    """``df`` behind a wrapper that notes user lines: for gradients without a dispatcher
    (``optimize=False``, ``*args``), whose generated code has no ``try`` of its own."""

    @functools.wraps(df)
    def gradient(*args, **kwargs):
        try:
            return df(*args, **kwargs)
        except BaseException as error:
            note_user_lines(error)
            raise

    return gradient

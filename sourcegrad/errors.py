"""Located diagnostics: every error the compiler raises points at the user's line."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a construct sits in the user's file (1-based line, 0-based column)."""

    filename: str
    lineno: int
    col: int
    end_col: int | None
    source_line: str
    function: str

    def render(self) -> str:
        line = self.source_line.rstrip("\n")
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        width = max(1, (self.end_col or self.col + 1) - self.col)
        width = min(width, max(1, len(line) - self.col))
        caret = " " * (4 + self.col - indent) + "^" * width
        return f"    {stripped}\n{caret}"


class TransformError(Exception):
    """The compiler cannot differentiate this code; the message says where and what to do.

    Attributes ``filename``, ``lineno``, ``col``, ``function`` and ``hint`` are set when the
    error has a location in user code.
    """

    def __init__(self, message: str, location: Location | None = None, hint: str = ""):
        self.message = message
        self.location = location
        self.hint = hint
        self.filename = location.filename if location else None
        self.lineno = location.lineno if location else None
        self.col = location.col if location else None
        self.function = location.function if location else None
        super().__init__(self._format())

    def _format(self) -> str:
        parts = []
        if self.location:
            loc = self.location
            parts.append(f"{loc.filename}:{loc.lineno}:{loc.col + 1}: in {loc.function}(): "
                         f"{self.message}")
            parts.append(loc.render())
        else:
            parts.append(self.message)
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)

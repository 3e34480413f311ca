"""The one namer: deterministic, readable, unique names for everything the compiler adds."""
from __future__ import annotations

import builtins
import keyword
import re


class Namer:
    """Hands out names that clash with nothing the user's code or the runtime uses.

    ``fresh("x")`` gives ``x`` if free, else ``x_1``, ``x_2``, ... ``adjoint("x")`` gives
    ``dx``. ``helper(obj, "np")`` gives one stable name per runtime object the generated code
    refers to (``np`` for numpy unless the user's code already means something else by it).
    """

    def __init__(self, taken=()):
        self.taken: set[str] = set(taken) | set(keyword.kwlist)
        self.helpers: dict[int, tuple[str, object]] = {}

    def reserve(self, *names: str) -> None:
        self.taken.update(names)

    def fresh(self, base: str) -> str:
        if not (base.isascii() and base.isidentifier()):
            base = re.sub(r"\W", "_", base)
        base = base.strip("_") or "t"
        if base[0].isdigit():
            base = "_" + base
        if base not in self.taken and not hasattr(builtins, base):
            self.taken.add(base)
            return base
        stem = re.sub(r"_\d+$", "", base)
        i = 1
        while f"{stem}_{i}" in self.taken:
            i += 1
        name = f"{stem}_{i}"
        self.taken.add(name)
        return name

    def adjoint(self, name: str) -> str:
        return self.fresh("d" + name)

    def helper(self, obj: object, preferred: str) -> str:
        """The generated code's name for a runtime object (the same object, the same name)."""
        entry = self.helpers.get(id(obj))
        if entry is not None:
            return entry[0]
        name = self.fresh(preferred)
        self.helpers[id(obj)] = (name, obj)
        return name

    def helper_objects(self) -> dict[str, object]:
        return {name: obj for name, obj in self.helpers.values()}

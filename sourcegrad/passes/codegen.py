"""Pass 7: gast tree -> Python source text, with comments.

We print with the standard library's ``ast.unparse`` (Python >= 3.9) rather than astor: astor's
last release (0.8.1, 2019) predates Python 3.10-3.13 syntax it has to print (``match``, PEP 701
f-strings, ``type`` parameters) and its output for 3.10+ trees is not kept in step with the
grammar; ``ast.unparse`` ships with each interpreter and is exact for its own grammar. gast
gives us one tree shape across versions; ``gast.gast_to_ast`` converts it back for printing.
"""
from __future__ import annotations

import ast
import re

import gast

from .nodes import COMMENT_PREFIX

_COMMENT_LINE = re.compile(r"""^(\s*)((["']{1,3})\\x00#.*\3)\s*$""")


def to_source(tree) -> str:
    module = gast.gast_to_ast(tree)
    ast.fix_missing_locations(module)
    text = ast.unparse(module)
    lines = []
    for line in text.splitlines():
        match = _COMMENT_LINE.match(line)
        if match:
            comment = ast.literal_eval(match.group(2))[len(COMMENT_PREFIX):].strip()
            lines.append(f"{match.group(1)}# {comment}")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"

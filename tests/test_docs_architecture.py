"""docs/architecture.md cannot go stale silently.

* Every module under ``sourcegrad/passes/`` is named in the page (as ``passes/<module>.py``):
  adding, renaming or removing a pass without documenting it fails here.
* Every code block marked as generated output (an ``<!-- generated output -->`` line right
  before a python fence) compiles as Python, so pasted compiler output stays valid code.
"""
from __future__ import annotations

import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "architecture.md"
PASSES = REPO / "sourcegrad" / "passes"
MARKER = "<!-- generated output -->"
GENERATED_BLOCK = re.compile(r"^" + re.escape(MARKER) + r"\n```python\n(.*?)^```$",
                             flags=re.MULTILINE | re.DOTALL)


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def pass_modules() -> list[str]:
    return sorted(p.name for p in PASSES.glob("*.py") if p.name != "__init__.py")


def generated_blocks() -> list[str]:
    return GENERATED_BLOCK.findall(doc_text())


def test_passes_directory_has_modules():
    assert len(pass_modules()) >= 10  # guards against a wrong path making the next test vacuous


@pytest.mark.parametrize("module", pass_modules())
def test_every_pass_module_is_described(module):
    assert f"passes/{module}" in doc_text(), (
        f"docs/architecture.md does not mention sourcegrad/passes/{module}: describe the new or "
        "renamed pass in the page (as `passes/" + module + "`)")


def test_every_marker_starts_a_python_block():
    assert doc_text().count(MARKER) == len(generated_blocks()), (
        f"each {MARKER!r} line must be directly followed by a ```python block")


def test_page_shows_generated_listings():
    blocks = generated_blocks()
    assert len(blocks) >= 3
    assert any("bind_grad_" in b and "for " in b for b in blocks), "no generated loop listing"


@pytest.mark.parametrize("index", range(len(GENERATED_BLOCK.findall(
    DOC.read_text(encoding="utf-8") if DOC.exists() else ""))))
def test_generated_listing_compiles(index):
    block = generated_blocks()[index]
    compile(block, f"docs/architecture.md generated listing {index + 1}", "exec")

"""The tutorials in docs/tutorials and docs/nn-and-optim.md run: each page's ```python blocks
execute in order."""
from __future__ import annotations

import contextlib
import io
import pathlib
import re
import sys
import types

import pytest

DOCS = pathlib.Path(__file__).parent.parent / "docs"
TUTORIALS = sorted((DOCS / "tutorials").glob("[0-9]*.md"))
PAGES = TUTORIALS + [DOCS / "nn-and-optim.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_there_are_four_tutorials():
    assert len(TUTORIALS) == 4


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_tutorial_page_runs(page, tmp_path, monkeypatch):
    blocks = BLOCK.findall(page.read_text())
    assert blocks, f"{page.name} has no python blocks"
    # A real module file, so functions defined in the page have source (compiled functions need it)
    source = "\n\n".join(blocks)
    module_path = tmp_path / f"doc_{page.stem.replace('-', '_')}.py"
    module_path.write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = types.ModuleType(module_path.stem)
    module.__file__ = str(module_path)
    sys.modules[module.__name__] = module
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, str(module_path), "exec"), module.__dict__)  # noqa: S102
    finally:
        sys.modules.pop(module.__name__, None)

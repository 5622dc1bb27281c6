"""tlslab.__all__, docs/api.md and the notebooks agree on the public API."""

from __future__ import annotations

import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest

import tlslab

ROOT = Path(__file__).resolve().parent.parent
API_PAGE = ROOT / "docs" / "api.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
DOCS = [
    ROOT / "README.md",
    ROOT / "notebooks" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
ROW = re.compile(r"^\| `(\w+)` \| .+ \| (\d\d|—) \|$", re.MULTILINE)
ATTRIBUTE = re.compile(r"\btlslab\.([A-Za-z_]\w*)")
FROM_IMPORT = re.compile(r"^\s*from tlslab import ([\w, ]+)$", re.MULTILINE)
SUBMODULES = {info.name for info in pkgutil.iter_modules(tlslab.__path__)}


def notebook_code(path: Path) -> str:
    """The source of every code cell of a notebook, joined."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def names_used(text: str) -> set[str]:
    """The names used as ``tlslab.NAME`` or imported with ``from tlslab import``."""
    used = set(ATTRIBUTE.findall(text))
    for group in FROM_IMPORT.findall(text):
        used.update(name.strip() for name in group.split(",") if name.strip())
    return used


def api_rows() -> dict[str, str]:
    """Each name in the tables of docs/api.md, with its lesson ("—" for none)."""
    return dict(ROW.findall(API_PAGE.read_text(encoding="utf-8")))


def test_every_exported_name_exists() -> None:
    """Every name in tlslab.__all__ can be got from the package."""
    missing = [name for name in tlslab.__all__ if not hasattr(tlslab, name)]
    assert missing == []


def test_every_exported_name_has_a_docstring() -> None:
    """Every exported function, class and module says what it is for."""
    bare = [
        name
        for name in tlslab.__all__
        if name != "__version__" and not inspect.getdoc(getattr(tlslab, name))
    ]
    assert bare == []


def test_api_page_lists_exactly_the_exports() -> None:
    """docs/api.md has one row per name in __all__, and no other rows."""
    rows = api_rows()
    assert sorted(rows) == sorted(tlslab.__all__)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_only_exported_names(path: Path) -> None:
    """Every tlslab.NAME a lesson's code uses is in __all__."""
    assert names_used(notebook_code(path)) - set(tlslab.__all__) == set()


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_docs_mention_only_real_names(path: Path) -> None:
    """Every tlslab.NAME in the docs is exported, or is one of its modules."""
    mentioned = set(ATTRIBUTE.findall(path.read_text(encoding="utf-8")))
    assert mentioned - {*tlslab.__all__, "__all__"} - SUBMODULES == set()


def test_api_page_lessons_use_their_names() -> None:
    """The lesson docs/api.md names for each entry really uses that name."""
    code = {path.stem[:2]: names_used(notebook_code(path)) for path in NOTEBOOKS}
    wrong = [
        (name, lesson)
        for name, lesson in api_rows().items()
        if lesson != "—" and name not in code.get(lesson, set())
    ]
    assert wrong == []

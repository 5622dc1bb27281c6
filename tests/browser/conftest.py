"""Fixtures for the browser tests: Debian's Chromium, Playwright, JupyterLab.

Every test here is marked ``browser`` (select with ``-m browser``, skip with
``-m "not browser"``) and is skipped, with the install command, where
Chromium or Playwright is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright_api = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright is not installed; run `pip install -e '.[test]'`",
)

from labdriver import (  # noqa: E402
    INSTALL_HINT,
    LabServer,
    find_chromium,
    launch_chromium,
    running_lab,
    write_tiny_notebook,
)

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The system Chromium's path; skips the test where there is none."""
    path = find_chromium()
    if path is None:
        pytest.skip(INSTALL_HINT)
    return path


# Module scope, not session: Playwright's sync API keeps an asyncio loop
# running on the main thread while it is open, which would break later tests
# that run a loop of their own (as a kernel does).
@pytest.fixture(scope="module")
def browser(chromium_executable: str) -> Iterator[playwright_api.Browser]:
    """One headless Chromium for these tests, with a fresh temporary profile."""
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright, chromium_executable)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: playwright_api.Browser) -> Iterator[playwright_api.Page]:
    """A new page in its own browser context, with every wait bounded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def lab_server(
    chromium_executable: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LabServer]:
    """JupyterLab serving a fresh copy of notebooks/ plus a tiny test notebook."""
    base = tmp_path_factory.mktemp("browser-lab")
    root = base / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns("work"))
    write_tiny_notebook(root)
    with running_lab(root, base / "state") as server:
        yield server


@pytest.fixture
def lab(lab_server: LabServer) -> Iterator[LabServer]:
    """The session's JupyterLab; the kernels a test started are shut down after it."""
    yield lab_server
    lab_server.shut_down_kernels()

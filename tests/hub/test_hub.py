"""A real JupyterHub: two learners log in and run the server lesson side by side.

The hub comes from PyPI, its proxy (configurable-http-proxy) from the npm
registry, installed into .venv-node by ``make hub-proxy``. Users log in by
name (``DummyAuthenticator``) and each gets a single-user server in their own
home folder (``SimpleLocalProcessSpawner``), all on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

pytest.importorskip(
    "jupyterhub", reason="JupyterHub is not installed; run `make hubtest`"
)

from hubclient import ROOT, CellRun, Hub, find_proxy, run_notebook, start_hub

LESSON = ROOT / "notebooks" / "04-greeting-server.ipynb"
LEARNERS = ["alice", "bob"]

pytestmark = [pytest.mark.hub, pytest.mark.slow]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A JupyterHub on loopback with two learners' servers started."""
    proxy = find_proxy()
    if proxy is None:
        pytest.skip(
            "configurable-http-proxy is not installed; run `make hub-proxy` "
            "(npm install into .venv-node) or `make hubtest`"
        )
    hub = start_hub(tmp_path_factory.mktemp("hub"), proxy)
    try:
        for name in LEARNERS:
            hub.start_server(name)
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="module")
def runs(hub: Hub) -> dict[str, list[CellRun]]:
    """Both learners run the server lesson at the same time through the hub."""
    with ThreadPoolExecutor(max_workers=len(LEARNERS)) as pool:
        results = pool.map(lambda name: run_notebook(hub, name, LESSON), LEARNERS)
        return dict(zip(LEARNERS, results, strict=True))


def failures(cells: list[CellRun]) -> list[str]:
    """Cells that failed without being tagged to fail."""
    return [
        f"{cell.source[:60]!r}: {cell.text[-300:]}"
        for cell in cells
        if cell.status != "ok" and not cell.expected_error
    ]


def test_each_learner_runs_the_server_lesson_to_the_end(
    runs: dict[str, list[CellRun]],
) -> None:
    """Every code cell of the lesson runs for both learners, with no failure."""
    notebook = nbformat.read(LESSON, as_version=4)
    code_cells = sum(1 for cell in notebook.cells if cell.cell_type == "code")
    report = {name: (len(cells), failures(cells)) for name, cells in runs.items()}
    assert report == {name: (code_cells, []) for name in LEARNERS}


def test_each_learner_gets_the_greeting(runs: dict[str, list[CellRun]]) -> None:
    """Both learners' clients receive their own server's greeting."""
    greeted = [
        name
        for name, cells in runs.items()
        if any("Hello, World!" in c.text for c in cells)
    ]
    assert greeted == LEARNERS


def test_each_learner_works_in_their_own_home(
    hub: Hub, runs: dict[str, list[CellRun]]
) -> None:
    """Each learner's files land in their own home folder on the hub."""
    work = {
        name: sorted(p.name for p in (hub.homes / name).glob("work/*"))
        for name in LEARNERS
    }
    assert work == {name: [LESSON.stem] for name in LEARNERS}


def test_hub_lists_both_learners_running(hub: Hub) -> None:
    """The hub's API shows both learners with a ready server of their own."""
    ready = {
        user["name"]: user["servers"][""]["url"]
        for user in hub.api("GET", "users")
        if user.get("servers", {}).get("", {}).get("ready")
    }
    assert ready == {name: f"/user/{name}/" for name in LEARNERS}

"""The greeting server in a real Jupyter kernel, the way a learner uses it.

nbclient runs a small notebook cell by cell: start the server, fetch, run the
start cell again (which must replace the first server, not fail with
"address already in use"), fetch again, stop. The notebook is written into
pytest's temporary folder.
"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

CELLS = [
    "import tlslab\n"
    "ca = tlslab.CertificateAuthority.create('Notebook Test CA')\n"
    "site = ca.issue('localhost', '127.0.0.1')",
    "server = tlslab.serve_greeting(site)",
    "print(tlslab.fetch_greeting(server, trust=ca).text)",
    "first = server",
    "print(first.running, server.running, first is server, "
    "len(tlslab.running_servers()))",
    "server.stop()\nprint('running:', tlslab.running_servers())",
]


def _text(cell: nbformat.NotebookNode) -> str:
    return "".join(
        out.get("text", "") for out in cell.outputs if out.output_type == "stream"
    )


def _errors(cell: nbformat.NotebookNode) -> list[str]:
    return [
        out.get("text", "") or out.get("ename", "")
        for out in cell.outputs
        if out.output_type == "error"
        or (out.output_type == "stream" and out.name == "stderr")
    ]


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> tuple[list[str], list[str], int]:
    """Run start, fetch, start again, fetch again, stop; collect the outputs."""
    folder = tmp_path_factory.mktemp("notebook")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in CELLS]
    )
    nbformat.write(notebook, folder / "server.ipynb")
    client = NotebookClient(
        notebook,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    texts, errors = [], []
    order = [0, 1, 2, 3, 1, 2, 4, 5]
    with client.setup_kernel():
        process = client.km.provisioner.process
        for index in order:
            cell = notebook.cells[index]
            cell.outputs = []
            client.execute_cell(cell, index)
            texts.append(_text(cell))
            errors += _errors(cell)
    return texts, errors, process.wait(timeout=30)


def test_fetch_before_and_after_rerun(ran: tuple[list[str], list[str], int]) -> None:
    """Both fetches, before and after re-running the start cell, get the greeting."""
    texts, _, _ = ran
    assert (texts[2], texts[5]) == ("Hello, World!\n", "Hello, World!\n")


def test_rerun_replaces_the_first_server(
    ran: tuple[list[str], list[str], int],
) -> None:
    """Re-running the start cell stopped the first server; one server runs."""
    texts, _, _ = ran
    assert texts[6] == "False True False 1\n"


def test_stop_leaves_nothing_running(ran: tuple[list[str], list[str], int]) -> None:
    """After stop() no server runs."""
    texts, _, _ = ran
    assert texts[7] == "running: []\n"


def test_no_errors_or_stray_output(ran: tuple[list[str], list[str], int]) -> None:
    """No cell raised, and nothing was printed to stderr by the background."""
    _, errors, _ = ran
    assert errors == []


def test_kernel_shuts_down(ran: tuple[list[str], list[str], int]) -> None:
    """The kernel, reactor thread and all, exits with status 0 when asked to."""
    _, _, status = ran
    assert status == 0

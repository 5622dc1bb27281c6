"""The server panel inside a real Jupyter kernel, run by nbclient.

A kernel runs cells on an asyncio loop in its main thread; the panel's log
refreshes on that loop, so events arrive without a click and nothing the
reactor thread does is written into another cell's output.
"""

from __future__ import annotations

import nbclient
import nbformat
import pytest

CELLS = [
    "import asyncio, tlslab\n"
    "from tlslab import widgets\n"
    "ca = tlslab.CertificateAuthority.create('tlslab Kernel Test CA')\n"
    "site = ca.issue('localhost', '127.0.0.1')\n"
    "panel = widgets.ServerPanel(site, trust=ca, auto_refresh=0.1)\n"
    "panel.start()",
    "tlslab.fetch_greeting(panel.server, trust=ca, hostname='elsewhere.test')",
    "print('a cell of its own')",
    "await asyncio.sleep(1.0)\n'>failed<' in panel.event_log.value",
    "panel.stop()",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> nbformat.NotebookNode:
    """A notebook of CELLS, executed top to bottom; errors are allowed."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    client = nbclient.NotebookClient(
        notebook,
        timeout=60,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path_factory.mktemp("kernel"))}},
    )
    client.execute()
    return notebook


def _texts(cell: nbformat.NotebookNode) -> list[str]:
    return [
        output.get("text") or output.get("data", {}).get("text/plain", "")
        for output in cell.outputs
    ]


@pytest.mark.slow
def test_log_refreshes_in_a_kernel_without_a_click(executed) -> None:
    """The failed handshake reaches the panel's log while a later cell awaits."""
    assert _texts(executed.cells[3]) == ["True"]


@pytest.mark.slow
def test_server_events_stay_out_of_other_cells(executed) -> None:
    """A cell run after the failed handshake shows only its own output."""
    assert _texts(executed.cells[2]) == ["a cell of its own\n"]

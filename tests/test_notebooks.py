"""The notebook curriculum: every lesson runs, says what it promises, and re-runs.

Each notebook is executed with nbclient in a fresh kernel whose working
directory is a temporary copy of ``notebooks/``, so runs never collide with
each other or with a learner's own ``notebooks/work/``. Cells tagged
``raises-exception`` show an error on purpose; every other cell must succeed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = [
    "01-keys",
    "02-self-signed",
    "03-reading-certificates",
    "04-greeting-server",
    "05-certificate-authority",
    "06-mutual-tls",
    "07-when-tls-fails",
    "08-rotation",
    "09-playground",
]
CELL_TIMEOUT = 120

# Text each lesson must show when it runs: its key results, not its decoration.
KEY_OUTPUTS: dict[str, list[str]] = {
    "01-keys": [
        "EC P-256",
        "RSA 2048",
        "Ed25519",
        "-----BEGIN PRIVATE KEY-----",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        "PassphraseError",
        "signature is valid",
    ],
    "02-self-signed": [
        "DECODER routines",
        "holds a certificate but no private key",
        "no subjectAltName",
        "localhost.key.pem",
        "Hello, World!",
    ],
    "03-reading-certificates": [
        "Subject alternative names (SAN): DNS:localhost, IP:127.0.0.1",
        "no findings",
        "ERROR [no-san]",
        "reason: no-san",
        "Secret part: not shown",
    ],
    "04-greeting-server": [
        "Hello, World!",
        "TLSv1.3",
        "untrusted-issuer",
        "hostname-mismatch",
        "greeted",
    ],
    "05-certificate-authority": [
        "tlslab Workshop Root CA",
        "tlslab Workshop Intermediate CA",
        "chain verified",
        "Hello, World!",
        "incomplete-chain",
    ],
    "06-mutual-tls": [
        "Hello, World!",
        "client-cert-required",
        "client-cert-rejected",
        "CN=alice",
    ],
    "07-when-tls-fails": [
        "expired",
        "hostname-mismatch",
        "untrusted-issuer",
        "self-signed",
        "incomplete-chain",
        "not-tls",
    ],
    "08-rotation": [
        "expired",
        "Hello, World!",
        "serial changed",
    ],
    "09-playground": [
        "Hello, World!",
    ],
}


def lesson_path(name: str) -> Path:
    """The committed notebook file of one lesson."""
    return NOTEBOOKS / f"{name}.ipynb"


def present_lessons() -> list[str]:
    """The lessons whose notebook exists (all of them, once the course is done)."""
    return [name for name in LESSONS if lesson_path(name).exists()]


def run_copy(
    name: str, tmp_path: Path, passes: int = 1, env: dict[str, str] | None = None
) -> nbformat.NotebookNode:
    """Execute a lesson ``passes`` times in one new kernel inside a copy of notebooks/.

    ``env`` replaces the kernel's environment variables. Returns the notebook
    with the outputs of the last pass.
    """
    workdir = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, workdir, ignore=shutil.ignore_patterns("work"))
    nb = nbformat.read(workdir / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.reset_execution_trackers()
    with client.setup_kernel(**({"env": env} if env is not None else {})):
        for _ in range(passes):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    return nb


def cell_text(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell showed: streams, results, displays and errors."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
        else:
            data = output.get("data", {})
            parts.append(str(data.get("text/plain", "")))
            parts.append(str(data.get("text/html", "")))
    return "\n".join(parts)


def raised(cell: nbformat.NotebookNode) -> bool:
    """Whether a code cell ended in an error."""
    return any(o.output_type == "error" for o in cell.get("outputs", []))


def expects_error(cell: nbformat.NotebookNode) -> bool:
    """Whether a cell is tagged to show an error on purpose."""
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])


def check_run(name: str, nb: nbformat.NotebookNode) -> None:
    """Assert the key outputs appear and tagged cells really raised."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    text = "\n".join(cell_text(c) for c in code)
    missing = [s for s in KEY_OUTPUTS[name] if s not in text]
    silent = [c.source for c in code if expects_error(c) and not raised(c)]
    assert (missing, silent) == ([], [])


@pytest.mark.slow
@pytest.mark.parametrize("name", present_lessons())
def test_notebook_runs_in_a_fresh_kernel(name: str, tmp_path: Path) -> None:
    """A lesson runs top to bottom in a new kernel and shows its key results."""
    check_run(name, run_copy(name, tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("name", present_lessons())
def test_notebook_runs_twice_in_one_kernel(name: str, tmp_path: Path) -> None:
    """Running a whole lesson a second time in the same kernel breaks nothing."""
    check_run(name, run_copy(name, tmp_path, passes=2))


@pytest.mark.parametrize("name", present_lessons())
def test_notebook_is_committed_without_outputs(name: str) -> None:
    """A notebook file holds no outputs and no execution counts."""
    raw = json.loads(lesson_path(name).read_text(encoding="utf-8"))
    dirty = [
        index
        for index, cell in enumerate(raw["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert dirty == []


@pytest.mark.parametrize("name", present_lessons())
def test_notebook_follows_the_model_lesson(name: str) -> None:
    """A lesson has its title, steps, a break-it step, summary, exercises, reading."""
    nb = nbformat.read(lesson_path(name), as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    wanted = [
        rf"^# {name[:2]} · ",
        r"^## Step 1: ",
        r"^## Step \d+: Break it",
        r"^## Summary$",
        r"^## Exercises$",
        r"<details>",
        r"^## Further reading$",
    ]
    absent = [p for p in wanted if not re.search(p, markdown, re.MULTILINE)]
    assert absent == []


@pytest.mark.parametrize("name", present_lessons())
def test_notebook_links_to_its_neighbours(name: str) -> None:
    """A lesson links to the previous and the next one that exist."""
    nb = nbformat.read(lesson_path(name), as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    index = LESSONS.index(name)
    neighbours = LESSONS[max(index - 1, 0) : index] + LESSONS[index + 1 : index + 2]
    unlinked = [n for n in neighbours if f"]({n}.ipynb)" not in markdown]
    assert unlinked == []


# The lessons that call the openssl or curl programs, and the note each shows
# in their place when neither is installed.
USES_TOOLS = {
    "03-reading-certificates": "openssl is not installed here",
    "04-greeting-server": "curl is not installed here",
    "06-mutual-tls": "curl     not installed on this machine; skipped",
    "07-when-tls-fails": "unavailable",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in USES_TOOLS if n in present_lessons()])
def test_notebook_without_openssl_or_curl_notes_it(name: str, tmp_path: Path) -> None:
    """With neither tool on PATH, a lesson still runs and says they are missing."""
    bare = tmp_path / "bin"
    bare.mkdir()
    nb = run_copy(name, tmp_path, env={**os.environ, "PATH": str(bare)})
    text = "\n".join(cell_text(c) for c in nb.cells if c.cell_type == "code")
    check_run(name, nb)
    assert USES_TOOLS[name] in text


def test_curriculum_is_complete() -> None:
    """Every lesson of the course has its notebook."""
    assert present_lessons() == LESSONS

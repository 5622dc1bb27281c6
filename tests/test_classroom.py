"""A whole class at once: eight learners run the network lessons side by side.

Each learner gets their own copy of ``notebooks/`` (as a hub gives each user
their own home) and runs the server lesson and the mutual-TLS lesson in their
own kernels, all eight at the same time. A first cell, added to each copy,
installs a Python audit hook (PEP 578) in the learner's kernel: it records
every file the kernel opens, creates, renames or deletes, every address a
socket binds to and every address a socket connects to. The last added cell
hands that record back, and the test checks that nobody strayed.

The record covers the kernel process itself; files opened by ``openssl`` or
``curl`` child processes are not seen, but their command lines are.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = ["04-greeting-server", "06-mutual-tls"]
LEARNERS = 8
CELL_TIMEOUT = 180

# The first cell of every learner's copy: records what the kernel touches.
AUDIT_CELL = """\
def _tlslab_watch():
    import os
    import sys

    seen = {"paths": [], "writes": [], "binds": [], "connects": [],
            "listening": set(), "commands": [], "private": []}
    bound = []
    path_events = {"os.mkdir", "os.remove", "os.rename", "os.replace", "os.rmdir",
                   "os.chmod", "os.listdir", "os.scandir", "os.symlink",
                   "os.truncate", "shutil.copyfile", "shutil.copymode",
                   "shutil.rmtree", "shutil.move"}
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND

    def absolute(value):
        if isinstance(value, bytes):
            value = os.fsdecode(value)
        if isinstance(value, (str, os.PathLike)):
            return os.path.normpath(os.path.join(os.getcwd(), os.fspath(value)))
        return None

    def record(event, args):
        if event == "open" and absolute(args[0]):
            seen["paths"].append(absolute(args[0]))
            mode, flags = args[1] or "", args[2] or 0
            if any(m in mode for m in "wax+") or flags & write_flags:
                seen["writes"].append(absolute(args[0]))
        elif event in path_events:
            for path in filter(None, map(absolute, args[:2])):
                seen["paths"].append(path)
                if event not in ("os.listdir", "os.scandir"):
                    seen["writes"].append(path)
        elif event == "socket.bind" and isinstance(args[1], tuple):
            seen["binds"].append(list(args[1][:2]))
            bound.append(args[0])
        elif event == "socket.connect" and isinstance(args[1], tuple):
            # Servers bound earlier and still open are this learner's listeners.
            for sock in bound:
                if sock.fileno() != -1:
                    seen["listening"].add(sock.getsockname()[1])
            seen["connects"].append(list(args[1][:2]))
        elif event in ("tempfile.mkdtemp", "tempfile.mkstemp"):
            seen["private"].append(absolute(args[0]))
        elif event == "subprocess.Popen":
            seen["commands"].append([str(a) for a in args[1]])

    def hook(event, args):
        try:
            record(event, args)
        except Exception:  # never let the watcher break the lesson
            pass

    sys.addaudithook(hook)
    return seen


_tlslab_seen = _tlslab_watch()
"""

# The last cell: prints the record as one JSON line.
REPORT_CELL = """\
import json as _json

_tlslab_seen["listening"] = sorted(_tlslab_seen["listening"])
print("TLSLAB-AUDIT " + _json.dumps(_tlslab_seen))
"""


def seat_learner(classroom: Path, number: int) -> Path:
    """Give learner ``number`` a fresh copy of notebooks/ under ``classroom``."""
    home = classroom / f"learner-{number}"
    shutil.copytree(NOTEBOOKS, home, ignore=shutil.ignore_patterns("work"))
    return home


def run_lesson(home: Path, lesson: str) -> tuple[str, dict[str, Any]]:
    """Run one lesson in a new kernel in ``home``; return its text and record.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell not tagged
            ``raises-exception`` failed.
    """
    nb = nbformat.read(home / f"{lesson}.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(AUDIT_CELL))
    nb.cells.append(nbformat.v4.new_code_cell(REPORT_CELL))
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(home)}},
    )
    client.execute()
    text = "\n".join(
        output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    line = text[text.rindex("TLSLAB-AUDIT ") :].splitlines()[0]
    return text, json.loads(line.removeprefix("TLSLAB-AUDIT "))


def run_learner(home: Path, lessons: list[str]) -> dict[str, Any]:
    """Run ``lessons`` one after the other as the learner living in ``home``."""
    runs = {}
    for lesson in lessons:
        text, record = run_lesson(home, lesson)
        runs[lesson] = {"text": text, "record": record}
    return runs


def strays(home: Path, classroom: Path, record: dict[str, Any]) -> list[str]:
    """What a learner touched outside their own home: others' files, shared ones."""

    def inside(path: str, folder: Path) -> bool:
        return path == str(folder) or path.startswith(str(folder) + os.sep)

    found = [
        f"read {path}"
        for path in record["paths"]
        if inside(path, classroom) and not inside(path, home)
    ]
    # Folders and files the kernel made with tempfile have fresh, unguessable
    # names and mode 0700: private to this learner even though /tmp is shared.
    private = [home, *map(Path, record.get("private", []))]
    found += [
        f"wrote {path}"
        for path in record["writes"]
        if not any(inside(path, folder) for folder in private)
        and not path.startswith("/dev/")
    ]
    found += [
        f"ran {command}"
        for command in record["commands"]
        for word in command
        if str(classroom) in word and str(home) not in word
    ]
    return found


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Eight learners, each running the network lessons at the same time."""
    room = tmp_path_factory.mktemp("classroom")
    homes = [seat_learner(room, n) for n in range(1, LEARNERS + 1)]
    with ThreadPoolExecutor(max_workers=LEARNERS) as pool:
        results = list(pool.map(lambda home: run_learner(home, LESSONS), homes))
    return {"room": room, "homes": homes, "results": results}


@pytest.mark.slow
def test_every_learner_gets_the_greeting(classroom: dict[str, Any]) -> None:
    """All eight learners finish both lessons and see their server's greeting."""
    greeted = [
        lesson
        for runs in classroom["results"]
        for lesson, run in runs.items()
        if "Hello, World!" in run["text"]
    ]
    assert len(greeted) == LEARNERS * len(LESSONS)


@pytest.mark.slow
def test_servers_ask_the_system_for_a_free_port(classroom: dict[str, Any]) -> None:
    """Every server in the lessons binds port 0, so no two learners can collide."""
    ports_asked = {
        address[1]
        for runs in classroom["results"]
        for run in runs.values()
        for address in run["record"]["binds"]
    }
    assert ports_asked == {0}


@pytest.mark.slow
def test_learners_connect_only_to_their_own_servers(classroom: dict[str, Any]) -> None:
    """Every connection a learner's kernel makes on loopback reaches its own server."""
    reached = {"own": 0, "foreign": []}
    for runs in classroom["results"]:
        for lesson, run in runs.items():
            for host, port in run["record"]["connects"]:
                if host not in ("127.0.0.1", "::1", "localhost"):
                    continue
                if port in run["record"]["listening"]:
                    reached["own"] += 1
                else:
                    reached["foreign"].append((lesson, host, port))
    assert reached["foreign"] == [] and reached["own"] >= LEARNERS * len(LESSONS)


@pytest.mark.slow
def test_learners_touch_only_their_own_files(classroom: dict[str, Any]) -> None:
    """No learner reads or writes another's folder, nor writes anywhere shared."""
    found = [
        (home.name, lesson, stray)
        for home, runs in zip(classroom["homes"], classroom["results"], strict=True)
        for lesson, run in runs.items()
        for stray in strays(home, classroom["room"], run["record"])
    ]
    assert found == []


@pytest.mark.slow
def test_the_watch_sees_each_learner_write_their_work(
    classroom: dict[str, Any],
) -> None:
    """The audit hook is not blind: each learner's record shows writes in work/."""
    blind = [
        (home.name, lesson)
        for home, runs in zip(classroom["homes"], classroom["results"], strict=True)
        for lesson, run in runs.items()
        if not any(p.startswith(str(home / "work")) for p in run["record"]["writes"])
    ]
    assert blind == []


def test_strays_names_a_neighbours_file(tmp_path: Path) -> None:
    """Reading a neighbour's key is reported, and so is writing a shared file."""
    record = {
        "paths": [str(tmp_path / "learner-2" / "work" / "site.key.pem")],
        "writes": ["/var/tmp/site.pem", str(tmp_path / "learner-1" / "a.pem")],
        "commands": [],
    }
    found = strays(tmp_path / "learner-1", tmp_path, record)
    assert found == [
        f"read {tmp_path / 'learner-2' / 'work' / 'site.key.pem'}",
        "wrote /var/tmp/site.pem",
    ]


def test_strays_allows_the_kernels_own_temporary_folder(tmp_path: Path) -> None:
    """A file written inside a folder the kernel made with tempfile is private."""
    record = {
        "paths": [],
        "writes": ["/tmp/tlslab-trust-abc123/trust.pem"],
        "commands": [],
        "private": ["/tmp/tlslab-trust-abc123"],
    }
    assert strays(tmp_path / "learner-1", tmp_path, record) == []

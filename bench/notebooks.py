"""The curriculum's run time: each notebook, the whole, and an empty notebook.

Every notebook runs as the tests run it: nbclient, a fresh ``python3`` kernel,
and a fresh copy of ``notebooks/`` as the working folder (so each run starts
with an empty ``work/``). The floor is an empty notebook run the same way: it
is what nbclient and a kernel's start and stop cost before any lesson runs.
The empty notebook and the lessons take turns in every round.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import ROOT, Settings, Unavailable, ratio, row

AREA = "notebooks"
TITLE = "Notebook run times"
NOTEBOOKS = ROOT / "notebooks"
EMPTY = "(empty notebook)"


def lessons() -> list[Path]:
    """The lesson notebooks, in course order (``notebooks/NN-*.ipynb``)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def run_notebook(path: Path | None, scratch: Path) -> dict[str, Any]:
    """Run one notebook (None: an empty one) in a fresh kernel; time its parts."""
    import nbformat
    import psutil
    from nbclient import NotebookClient

    workdir = scratch / f"run-{time.monotonic_ns()}"
    shutil.copytree(NOTEBOOKS, workdir, ignore=shutil.ignore_patterns("work"))
    if path is None:
        notebook = nbformat.v4.new_notebook()
    else:
        notebook = nbformat.read(workdir / path.name, as_version=4)
    begin = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.reset_execution_trackers()
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        started = time.perf_counter()
        cells = []
        for index, cell in enumerate(notebook.cells):
            cell_begin = time.perf_counter()
            client.execute_cell(cell, index)
            cells.append(time.perf_counter() - cell_begin)
        finished = time.perf_counter()
        rss = psutil.Process(client.km.provisioner.pid).memory_info().rss
    end = time.perf_counter()
    shutil.rmtree(workdir, ignore_errors=True)
    sources = [
        (cell.source.strip().splitlines() or [""])[0][:60]
        if cell.cell_type == "code"
        else ""
        for cell in notebook.cells
    ]
    return {
        "total": end - begin,
        "kernel_start": started - begin,
        "cells": cells,
        "kernel_stop": end - finished,
        "rss": rss,
        "sources": sources,
    }


def run(settings: Settings) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """Run every lesson and the empty notebook in alternation."""
    paths = lessons()
    if not paths:
        raise Unavailable("no notebooks/NN-*.ipynb yet")
    rounds = settings.pick(3, 1)
    names = [EMPTY] + [p.stem for p in paths]
    by_name = {p.stem: p for p in paths}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        run_notebook(None, scratch)  # warm-up: page cache, compiled files
        for index in range(rounds):
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                if name in failed:
                    continue
                try:
                    runs[name].append(run_notebook(by_name.get(name), scratch))
                except Exception as exc:  # a lesson that fails is left out
                    failed[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
    paths = [p for p in paths if p.stem not in failed]
    rows, notes, details = _summary(runs, paths)
    notes += [f"{name} failed and is left out: {why}" for name, why in failed.items()]
    details["failed"] = failed
    return rows, notes, details


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _summary(
    runs: dict[str, list[dict[str, Any]]], paths: list[Path]
) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    empty = [r["total"] for r in runs[EMPTY]]
    rows = [row(f"{EMPTY}: nbclient + kernel start and stop", empty, unit="s", scale=1)]
    notes = []
    details: dict[str, Any] = {"notebooks": {}}
    for path in paths:
        name = path.stem
        totals = [r["total"] for r in runs[name]]
        cells = [sum(r["cells"]) for r in runs[name]]
        starts = [r["kernel_start"] for r in runs[name]]
        rss = _median([r["rss"] for r in runs[name]]) / 1e6
        rows.append(
            row(
                name,
                totals,
                unit="s",
                scale=1,
                peer="empty notebook",
                peer_samples=empty,
                note=f"cells {_median(cells):.1f} s, kernel start "
                f"{_median(starts):.1f} s, kernel RSS at end {rss:.0f} MB",
            )
        )
        per_cell = [
            _median([r["cells"][i] for r in runs[name]])
            for i in range(len(runs[name][0]["cells"]))
        ]
        sources = runs[name][0]["sources"]
        slow = sorted(range(len(per_cell)), key=lambda i: -per_cell[i])[:3]
        notes.append(
            f"{name}: slowest cells: "
            + "; ".join(f"#{i + 1} `{sources[i]}` {per_cell[i]:.2f} s" for i in slow)
        )
        details["notebooks"][name] = {
            "total_s": _median(totals),
            "cells_s": _median(cells),
            "kernel_start_s": _median(starts),
            "rss_mb": rss,
            "per_cell_s": per_cell,
        }
    whole = [sum(runs[p.stem][i]["total"] for p in paths) for i in range(len(empty))]
    floors = [e * len(paths) for e in empty]
    rows.append(
        row(
            f"whole curriculum ({len(paths)} notebooks, one kernel each)",
            whole,
            unit="s",
            scale=1,
            peer=f"{len(paths)} empty notebooks",
            peer_samples=floors,
        )
    )
    lab_share = 1 - ratio(floors, whole)
    notes.insert(
        0,
        f"Of the whole curriculum's run, {1 - lab_share:.0%} is the runner's own "
        "cost (nbclient starting and stopping one kernel per notebook, measured "
        f"by the empty notebook) and {lab_share:.0%} is the lessons' cells. "
        "Running every lesson in one kernel would save a kernel start per "
        "notebook (but lessons must run in a fresh kernel, so the tests keep "
        "one each); with two cores, two notebooks at a time would halve the "
        "wall time.",
    )
    labels = [EMPTY] + [p.stem for p in paths]
    plot = {
        "title": "notebook run time, nbclient, fresh kernel (empty = floor)",
        "ylabel": "s",
        "labels": labels,
        "series": {
            "cells": [0.0] + [details["notebooks"][n]["cells_s"] for n in labels[1:]],
            "whole run": [_median(empty)]
            + [details["notebooks"][n]["total_s"] for n in labels[1:]],
        },
        "hline": _median(empty),
        "horizontal": True,
    }
    details["plot"] = plot
    return rows, notes, details

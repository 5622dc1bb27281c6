"""The curriculum's run time: each notebook, the whole, and an empty notebook.

Every notebook runs as the tests run it: nbclient, a fresh ``python3`` kernel,
and a fresh copy of ``notebooks/`` as the working folder (so each run starts
with an empty ``work/``). The floor is an empty notebook run the same way: it
is what nbclient and a kernel's start and stop cost before any lesson runs.
The empty notebook and the lessons take turns in every round.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

from .common import Settings, ratio, row
from .kernel import NOTEBOOKS, copy_notebooks, kernel_rss, notebook_client

AREA = "notebooks"
TITLE = "Notebook run times"
EMPTY = "(empty notebook)"


def lessons() -> list[Path]:
    """The lesson notebooks, in course order (``notebooks/NN-*.ipynb``)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def run_notebook(path: Path | None, scratch: Path) -> dict[str, Any]:
    """Run one notebook (None: an empty one) in a fresh kernel; time its parts."""
    import nbformat

    workdir = copy_notebooks(scratch)
    if path is None:
        notebook = nbformat.v4.new_notebook()
    else:
        notebook = nbformat.read(workdir / path.name, as_version=4)
    begin = time.perf_counter()
    client = notebook_client(notebook, workdir)
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        started = time.perf_counter()
        cells = []
        for index, cell in enumerate(notebook.cells):
            cell_begin = time.perf_counter()
            client.execute_cell(cell, index)
            cells.append(time.perf_counter() - cell_begin)
        finished = time.perf_counter()
        rss = kernel_rss(client.km)
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
        rss = median([r["rss"] for r in runs[name]]) / 1e6
        rows.append(
            row(
                name,
                totals,
                unit="s",
                scale=1,
                peer="empty notebook",
                peer_samples=empty,
                note=f"cells {median(cells):.1f} s, kernel start "
                f"{median(starts):.1f} s, kernel RSS at end {rss:.0f} MB",
            )
        )
        per_cell = [
            median([r["cells"][i] for r in runs[name]])
            for i in range(len(runs[name][0]["cells"]))
        ]
        sources = runs[name][0]["sources"]
        slow = sorted(range(len(per_cell)), key=lambda i: -per_cell[i])[:3]
        notes.append(
            f"{name}: slowest cells: "
            + "; ".join(f"#{i + 1} `{sources[i]}` {per_cell[i]:.2f} s" for i in slow)
        )
        details["notebooks"][name] = {
            "total_s": median(totals),
            "cells_s": median(cells),
            "kernel_start_s": median(starts),
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
            "whole run": [median(empty)]
            + [details["notebooks"][n]["total_s"] for n in labels[1:]],
        },
        "hline": median(empty),
        "horizontal": True,
    }
    details["plot"] = plot
    return rows, notes, details

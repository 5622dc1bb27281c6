"""Memory: a learner's kernel after ``import tlslab`` and the server lesson.

A fresh ``python3`` kernel runs, cell by cell through nbclient: an empty cell
(the kernel's own floor), ``import tlslab``, every cell of the greeting-server
lesson, and an import of the widgets. The kernel process's resident memory
(RSS) is read after each step; unique memory (USS, what a hub node really
pays for one more learner, since shared libraries are shared) and the peak
(VmHWM) are recorded beside it. MB here is 10^6 bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from statistics import median_high
from typing import Any

from .common import Settings, row
from .kernel import NOTEBOOKS, copy_notebooks, notebook_client

AREA = "memory"
TITLE = "Memory of a learner's kernel"
LESSON = NOTEBOOKS / "04-greeting-server.ipynb"
TARGET_MB = 100.0


def _peak(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _one_kernel(scratch: Path) -> dict[str, dict[str, float]]:
    import nbformat
    import psutil

    workdir = copy_notebooks(scratch)
    lesson = nbformat.read(workdir / LESSON.name, as_version=4)
    new = nbformat.v4.new_code_cell
    steps = [
        ("empty kernel", [new("pass")]),
        ("after import tlslab", [new("import tlslab")]),
        ("after the server lesson (04)", lesson.cells),
        ("after also importing the widgets", [new("import tlslab.widgets")]),
    ]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [cell for _, cells in steps for cell in cells]
    client = notebook_client(notebook, workdir)
    found: dict[str, dict[str, float]] = {}
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        process = psutil.Process(client.km.provisioner.pid)
        index = 0
        for label, cells in steps:
            for cell in cells:
                client.execute_cell(cell, index)
                index += 1
            time.sleep(0.2)  # let the reactor thread settle after the last cell
            info = process.memory_full_info()
            found[label] = {
                "rss": info.rss / 1e6,
                "uss": info.uss / 1e6,
                "peak": _peak(process.pid) / 1e6,
            }
    shutil.rmtree(workdir, ignore_errors=True)
    return found


def run(settings: Settings) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """Measure a kernel's memory at each step, in fresh kernels."""
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(settings.pick(3, 1)):
            runs.append(_one_kernel(Path(folder)))
    rows, uss_medians = [], []
    for label in runs[0]:
        rss = [r[label]["rss"] for r in runs]
        uss = median_high(r[label]["uss"] for r in runs)
        peak = median_high(r[label]["peak"] for r in runs)
        uss_medians.append(uss)
        line = row(
            f"kernel RSS, {label}",
            rss,
            unit="MB",
            scale=1,
            note=f"USS {uss:.0f} MB, peak RSS {peak:.0f} MB",
        )
        if "server lesson" in label:
            line["target"] = "< 100 MB"
            line["passed"] = line["median"] < TARGET_MB
        rows.append(line)
    lesson = next(r for r in rows if "server lesson" in r["metric"])
    notes = [
        f"At {lesson['median']:.0f} MB RSS per learner kernel, a 16 GB hub node "
        f"holds about {16000 / lesson['median']:.0f} such kernels by RSS alone; "
        "since RSS counts shared libraries once per process, the USS column is "
        "closer to what each added learner costs.",
        "The kernel also holds what the lesson left behind (keys, "
        "certificates, the stopped server's records) until it is restarted.",
    ]
    plot = {
        "title": "learner kernel memory (target: RSS < 100 MB after lesson 04)",
        "ylabel": "MB",
        "labels": [r["metric"].replace("kernel RSS, ", "") for r in rows],
        "series": {
            "RSS": [r["median"] for r in rows],
            "USS": uss_medians,
        },
        "hline": TARGET_MB,
        "horizontal": True,
    }
    return rows, notes, {"runs": runs, "plot": plot}

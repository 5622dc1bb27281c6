"""A real Jupyter kernel for the benchmarks that must run where a learner runs.

Widgets send their state to the front end through the kernel, and a kernel's
memory is what a hub node pays per learner, so those figures come from an
``ipykernel`` started with ``jupyter_client``, as nbclient starts one. The
notebook figures run as the tests run a lesson: nbclient, a fresh kernel, and
a fresh copy of ``notebooks/`` as its working folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .common import ROOT

__all__ = [
    "NOTEBOOKS",
    "copy_notebooks",
    "kernel_rss",
    "notebook_client",
    "run_json",
    "running_kernel",
]

NOTEBOOKS = ROOT / "notebooks"


@contextmanager
def running_kernel(cwd: Path) -> Iterator[tuple[Any, Any]]:
    """Start a python3 kernel in ``cwd``; yield its manager and client."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(
        kernel_name="python3", cwd=str(cwd), stderr=subprocess.DEVNULL
    )
    try:
        yield manager, client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run_json(client: Any, code: str, timeout: float = 600) -> Any:
    """Run ``code`` in the kernel; it must print one JSON document, returned.

    Raises:
        RuntimeError: the code raised in the kernel.
    """
    chunks: list[str] = []
    errors: list[str] = []

    def hook(message: dict[str, Any]) -> None:
        kind, content = message["msg_type"], message["content"]
        if kind == "stream" and content["name"] == "stdout":
            chunks.append(content["text"])
        elif kind == "error":
            errors.append(f"{content['ename']}: {content['evalue']}")

    client.execute_interactive(code, timeout=timeout, output_hook=hook)
    if errors:
        raise RuntimeError(f"the benchmark code failed in the kernel: {errors[0]}")
    return json.loads("".join(chunks).strip().splitlines()[-1])


def kernel_rss(manager: Any) -> int:
    """The kernel process's resident memory in bytes."""
    import psutil

    return psutil.Process(manager.provisioner.pid).memory_info().rss


def copy_notebooks(scratch: Path) -> Path:
    """A fresh copy of ``notebooks/`` under ``scratch``, with no ``work/`` in it."""
    workdir = scratch / f"run-{time.monotonic_ns()}"
    shutil.copytree(NOTEBOOKS, workdir, ignore=shutil.ignore_patterns("work"))
    return workdir


def notebook_client(notebook: Any, workdir: Path) -> Any:
    """An nbclient runner for ``notebook`` in a python3 kernel working in ``workdir``.

    Start its kernel with ``client.setup_kernel(stderr=subprocess.DEVNULL)``
    and run cells with ``client.execute_cell``; each cell may take 300 s.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.reset_execution_trackers()
    return client

"""A real Jupyter kernel for the benchmarks that must run where a learner runs.

Widgets send their state to the front end through the kernel, and a kernel's
memory is what a hub node pays per learner, so those figures come from an
``ipykernel`` started with ``jupyter_client``, as nbclient starts one.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["kernel_rss", "run_json", "running_kernel"]


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

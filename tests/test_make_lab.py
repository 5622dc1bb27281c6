"""`make lab`, one of the two commands, really starts JupyterLab on the lessons.

The test runs the Makefile target itself (the venv is already set up by
`make test`, so it starts at once), reads the URL it prints, and asks the
server for the lesson folder through Jupyter's REST API.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
URL = re.compile(r"(http://127\.0\.0\.1:\d+/)lab\?token=(\w+)")

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None, reason="make is not installed (apt-get install make)"
)


def _names_listed(request: urllib.request.Request) -> set[str]:
    """The file names the server lists, asking until it answers (30 s at most).

    Jupyter prints its URL a moment before it accepts connections.
    """
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return {item["name"] for item in json.load(response)["content"]}
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _printed_url(log: Path, lab: subprocess.Popen[bytes]) -> re.Match[str] | None:
    """The URL `make lab` writes to ``log``, waiting for it (90 s at most)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        exited = lab.poll() is not None
        found = URL.search(log.read_text(errors="replace"))
        if found or exited:
            return found
        time.sleep(0.2)
    return None


def test_make_lab_serves_the_lessons(tmp_path: Path) -> None:
    """`make lab` prints a URL whose server lists the lesson notebooks."""
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    command = ["make", "--no-print-directory", "lab"]
    log = tmp_path / "make-lab.log"
    with log.open("wb") as out:
        lab = subprocess.Popen(
            [*command, "LAB_ARGS=--ServerApp.port=0 --no-browser"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        found = _printed_url(log, lab)
        assert found, "make lab printed no URL"
        base, token = found.groups()
        request = urllib.request.Request(
            f"{base}api/contents/", headers={"Authorization": f"token {token}"}
        )
        assert "01-keys.ipynb" in _names_listed(request)
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)

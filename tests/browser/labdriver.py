"""Drive a real JupyterLab in headless Chromium: serve, open, run, wait, look.

The helpers here are shared by the browser tests. Everything has a bound: a
lab that does not come up, a kernel that never goes idle or a widget that
never renders fails the test with what was seen, instead of hanging CI.

The lab runs in a child process with its own config, runtime, settings,
workspaces and data folders, so a learner's own JupyterLab set-up (or a
second test run) never leaks in. Chromium is Debian's package, driven by
Playwright through ``executable_path``; Playwright's own browser download is
never used.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from playwright.sync_api import Browser, Locator, Page, Playwright

#: Where screenshots are kept (git-ignored); CI keeps the folder as artifacts.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

#: Chromium switches for a quiet, reproducible, offline headless browser.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

#: JupyterLab plugins that would reach the network or pop up notices.
DISABLED_PLUGINS = {
    "@jupyterlab/apputils-extension:announcements": True,
}

INSTALL_HINT = (
    "Chromium is not installed; install Debian's package with "
    "`apt-get install chromium` (CI's .ci/run does this)"
)


def find_chromium() -> str | None:
    """Return the path of a system Chromium, or None when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def launch_chromium(playwright: Playwright, executable: str) -> Browser:
    """Start headless Chromium from ``executable``.

    Playwright gives every launch a fresh, temporary user-data-dir, so no
    profile, cache or cookie survives between runs.
    """
    return playwright.chromium.launch(
        executable_path=executable,
        args=CHROMIUM_ARGS,
        headless=True,
        timeout=30_000,
    )


#: A notebook of the driver's own: a print, and a Text widget echoed by a Label.
TINY_NOTEBOOK = "tlslab-browser-check.ipynb"
TINY_CELLS = [
    'print("the kernel says hello")',
    "import ipywidgets as widgets\n"
    "\n"
    'name = widgets.Text(description="Name")\n'
    'echo = widgets.Label(value="nobody yet")\n'
    "name.observe(\n"
    "    lambda change: setattr(echo, 'value', f\"echo: {change['new']}\"), 'value'\n"
    ")\n"
    "widgets.VBox([name, echo])",
]


def write_tiny_notebook(folder: Path) -> str:
    """Write a two-cell notebook (a print and a Text widget) into ``folder``."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in TINY_CELLS]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, folder / TINY_NOTEBOOK)
    return TINY_NOTEBOOK


@dataclass
class LabServer:
    """A JupyterLab child process serving ``root`` on loopback with a token."""

    process: subprocess.Popen[bytes]
    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        """The address that opens notebook ``name`` in a fresh workspace."""
        return f"{self.url}lab/tree/{name}?reset&token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server's log, for failure messages."""
        text = self.log.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def shut_down_kernels(self) -> None:
        """Shut down every kernel the lab runs, through its REST API."""
        headers = {"Authorization": f"token {self.token}"}
        listing = urllib.request.Request(f"{self.url}api/sessions", headers=headers)
        with urllib.request.urlopen(listing, timeout=10) as reply:
            sessions = json.loads(reply.read())
        for session in sessions:
            end = urllib.request.Request(
                f"{self.url}api/sessions/{session['id']}",
                method="DELETE",
                headers=headers,
            )
            urllib.request.urlopen(end, timeout=30).close()

    def stop(self) -> None:
        """Stop the server (and, through it, its kernels); idempotent."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def lab_environment(state: Path) -> dict[str, str]:
    """An environment whose Jupyter folders all live under ``state``."""
    env = dict(os.environ)
    folders = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }
    for variable, folder in folders.items():
        path = state / folder
        path.mkdir(parents=True, exist_ok=True)
        env[variable] = str(path)
    labconfig = state / "config" / "labconfig"
    labconfig.mkdir(exist_ok=True)
    page_config = {"disabledExtensions": DISABLED_PLUGINS}
    (labconfig / "page_config.json").write_text(json.dumps(page_config))
    env.pop("JUPYTER_TOKEN", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_lab(root: Path, state: Path, timeout: float = 60.0) -> LabServer:
    """Serve ``root`` with JupyterLab on 127.0.0.1, a free port and a token.

    Raises:
        RuntimeError: the server exited, or wrote no server-info file within
            ``timeout`` seconds; the message holds the end of its log.
    """
    env = lab_environment(state)
    token = secrets.token_hex(16)
    log = state / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=0",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabServerApp.workspaces_dir={state / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.allow_root=True",  # CI containers often run as root
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    runtime = Path(env["JUPYTER_RUNTIME_DIR"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        for info_file in runtime.glob("jpserver-*.json"):
            info = json.loads(info_file.read_text() or "{}")
            if info.get("pid") == process.pid and info.get("port"):
                url = f"http://127.0.0.1:{info['port']}{info['base_url']}"
                return LabServer(process, url, token, root, log)
        time.sleep(0.2)
    server = LabServer(process, "", token, root, log)
    server.stop()
    raise RuntimeError(
        f"JupyterLab did not start within {timeout} s:\n{server.log_tail()}"
    )


@contextmanager
def running_lab(root: Path, state: Path) -> Iterator[LabServer]:
    """Context manager form of :func:`start_lab` that always stops the lab."""
    server = start_lab(root, state)
    try:
        yield server
    finally:
        server.stop()


# JavaScript run in the page. ``window.jupyterapp`` is exposed because the lab
# is started with ``--LabApp.expose_app_in_browser=True``.
_KERNEL_STATE_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return kernel ? kernel.connectionStatus + '/' + kernel.status : 'none';
}"""

_RUN_ALL_JS = """() => {
  window.__tlslabRun = {done: false, error: null};
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    () => { window.__tlslabRun.done = true; },
    (e) => { window.__tlslabRun.done = true; window.__tlslabRun.error = String(e); });
}"""

# Finished: the command's promise settled, the kernel is idle, and every code
# cell ran or an unexpected error stopped the run; true on three polls in a
# row, because the kernel is briefly idle between two queued cells.
_RUN_FINISHED_JS = """() => {
  const run = window.__tlslabRun;
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session.kernel;
  let pending = 0, stopped = false;
  panel.content.widgets.forEach((cell) => {
    const model = cell.model;
    if (model.type !== 'code') { return; }
    const tags = model.getMetadata('tags') || [];
    if (model.executionCount === null) { pending++; }
    for (let i = 0; i < model.outputs.length; i++) {
      if (model.outputs.get(i).type === 'error'
          && !tags.includes('raises-exception')) { stopped = true; }
    }
  });
  const finished = run && run.done && kernel.status === 'idle'
    && (pending === 0 || stopped);
  run.stable = finished ? (run.stable || 0) + 1 : 0;
  return run.stable >= 3;
}"""

_CELL_REPORT_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const report = [];
  panel.content.widgets.forEach((cell, index) => {
    const model = cell.model;
    if (model.type !== 'code') { return; }
    const tags = model.getMetadata('tags') || [];
    const errors = [];
    for (let i = 0; i < model.outputs.length; i++) {
      const output = model.outputs.get(i).toJSON();
      if (output.output_type === 'error') {
        errors.push(output.ename + ': ' + output.evalue);
      }
    }
    report.push({index, count: model.executionCount, errors,
                 expected: tags.includes('raises-exception')});
  });
  return report;
}"""


def open_notebook(page: Page, lab: LabServer, name: str, timeout: float = 90) -> None:
    """Open notebook ``name`` and wait until its kernel is connected and idle.

    Raises:
        AssertionError: the kernel was not connected and idle in ``timeout``
            seconds; a screenshot is saved next to the other artifacts.
    """
    page.goto(lab.notebook_url(name), timeout=timeout * 1000)
    page.wait_for_selector(".jp-Notebook", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    state = "none"
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count():  # "Select Kernel" for a notebook without kernelspec
            dialog.first.click()
        state = page.evaluate(_KERNEL_STATE_JS)
        if state == "connected/idle":
            page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']",
                timeout=10_000,
            )
            return
        page.wait_for_timeout(250)
    screenshot(page, f"{Path(name).stem}-kernel-not-ready")
    raise AssertionError(f"kernel for {name} not connected and idle: {state}")


def run_all_cells(page: Page, timeout: float = 120) -> list[dict[str, Any]]:
    """Run every cell of the open notebook and wait until the kernel is idle.

    Returns:
        One entry per code cell: its index, execution count, error outputs,
        and whether it carries the ``raises-exception`` tag.
    """
    page.evaluate(_RUN_ALL_JS)
    page.wait_for_function(_RUN_FINISHED_JS, timeout=timeout * 1000, polling=250)
    return page.evaluate(_CELL_REPORT_JS)


def unexpected_errors(report: list[dict[str, Any]]) -> list[str]:
    """Cells that did not run, or raised without being tagged to raise."""
    problems = []
    for cell in report:
        if cell["count"] is None:
            problems.append(f"cell {cell['index']} did not run")
        elif cell["errors"] and not cell["expected"]:
            problems.append(f"cell {cell['index']}: {cell['errors']}")
    return problems


def screenshot(page: Page, name: str, focus: Locator | None = None) -> Path:
    """Save ``test-artifacts/browser/<name>.png``, scrolled to ``focus`` if given.

    JupyterLab scrolls the notebook inside its own panel, so the page is
    scrolled by asking the element itself to come into view.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if focus is not None:
        # Twice: cells above may still change height while the panel repaints.
        for _ in range(2):
            focus.evaluate("e => e.scrollIntoView({block: 'start'})", timeout=10_000)
            page.wait_for_timeout(400)
    page.screenshot(path=str(path), timeout=15_000)
    return path

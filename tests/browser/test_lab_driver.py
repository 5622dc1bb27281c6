"""The browser driver itself, on a tiny notebook made here (no lessons needed)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from labdriver import (
    open_notebook,
    run_all_cells,
    running_lab,
    screenshot,
    unexpected_errors,
)
from playwright.sync_api import Page, expect

CELLS = [
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
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, folder / "tiny.ipynb")
    return "tiny.ipynb"


def test_typing_into_a_widget_reaches_the_kernel(page: Page, tmp_path: Path) -> None:
    """Text typed into a rendered widget reaches the kernel and comes back."""
    root = tmp_path / "notebooks"
    root.mkdir()
    name = write_tiny_notebook(root)

    with running_lab(root, tmp_path / "state") as lab:
        open_notebook(page, lab, name)
        report = run_all_cells(page, timeout=60)
        output = page.locator(".jp-OutputArea-output", has_text="kernel says hello")
        expect(output).to_be_visible()
        field = page.locator(".widget-text input")
        field.fill("tlslab", timeout=20_000)
        field.press("Enter")
        echo = page.locator(".widget-label", has_text="echo: tlslab")
        expect(echo).to_be_visible(timeout=20_000)
        screenshot(page, "tiny-widget-echo")

    assert unexpected_errors(report) == []

"""The browser driver itself, on a tiny notebook of its own (no lessons needed)."""

from __future__ import annotations

from labdriver import (
    TINY_NOTEBOOK,
    LabServer,
    open_notebook,
    run_all_cells,
    screenshot,
    unexpected_errors,
)
from playwright.sync_api import Page, expect


def test_typing_into_a_widget_reaches_the_kernel(page: Page, lab: LabServer) -> None:
    """Text typed into a rendered widget reaches the kernel and comes back."""
    open_notebook(page, lab, TINY_NOTEBOOK)
    report = run_all_cells(page, timeout=60)
    output = page.locator(".jp-OutputArea-output", has_text="kernel says hello")
    expect(output).to_be_visible()
    field = page.locator(".widget-text input")
    field.press_sequentially("tlslab", delay=30, timeout=20_000)
    field.press("Enter")
    echo = page.locator(".widget-label", has_text="echo: tlslab")
    expect(echo).to_be_visible(timeout=20_000)
    screenshot(page, "tiny-widget-echo")

    assert unexpected_errors(report) == []

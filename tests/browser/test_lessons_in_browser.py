"""What a learner sees: the lessons run in JupyterLab in a real browser.

A copy of notebooks/ is served by JupyterLab on loopback; each test opens a
lesson in headless Chromium, runs all cells from the page, and looks at what
rendered. Screenshots land in test-artifacts/browser/.
"""

from __future__ import annotations

from labdriver import (
    LabServer,
    open_notebook,
    run_all_cells,
    screenshot,
    unexpected_errors,
)
from playwright.sync_api import Locator, Page, expect

WIDGET_TIMEOUT = 30_000


def run_lesson(page: Page, lab: LabServer, lesson: str) -> None:
    """Open ``lesson``, run all its cells, and check none failed unexpectedly."""
    open_notebook(page, lab, f"{lesson}.ipynb")
    report = run_all_cells(page, timeout=150)
    # ipywidgets writes this in place of a widget whose view failed to load.
    broken = page.get_by_text("Error displaying widget").count()
    if unexpected_errors(report) or broken:
        screenshot(page, f"{lesson}-failed")
    assert (unexpected_errors(report), broken) == ([], 0)


def output_with(page: Page, text: str) -> Locator:
    """The first rendered cell output that contains ``text``."""
    return page.locator(".jp-OutputArea-output", has_text=text).first


def test_reading_lesson_renders_the_inspector(page: Page, lab: LabServer) -> None:
    """The reading lesson's inspector shows the certificate and its lint tab."""
    run_lesson(page, lab, "03-reading-certificates")
    tabs = page.locator(".widget-tab")
    output = page.locator(".jp-OutputArea-output").filter(has=tabs).first
    inspector = output.locator(".widget-tab").first
    expect(inspector).to_contain_text("Subject", timeout=WIDGET_TIMEOUT)
    screenshot(page, "03-reading-certificates-inspector", focus=output)
    inspector.get_by_role("tab", name="Lint").click()
    expect(inspector).to_contain_text("No findings", timeout=WIDGET_TIMEOUT)
    screenshot(page, "03-reading-certificates-lint", focus=output)


def test_playground_builder_follows_typing(page: Page, lab: LabServer) -> None:
    """Typing new SAN names into the builder re-issues and re-lints at once."""
    run_lesson(page, lab, "09-playground")
    builder = output_with(page, "SAN names")
    names = builder.locator(".widget-text", has_text="SAN names").locator("input")
    names.click()
    names.press("Control+a")
    names.press_sequentially("www.example.test", delay=30)
    names.press("Tab")

    inspector = builder.locator(".widget-tab").first
    expect(inspector).to_contain_text("www.example.test", timeout=WIDGET_TIMEOUT)
    screenshot(page, "09-playground-builder-fields", focus=builder)
    inspector.get_by_role("tab", name="Lint").click()
    expect(inspector).to_contain_text("cn-not-in-san", timeout=WIDGET_TIMEOUT)
    heading = builder.locator("h3", has_text="Certificate for").first
    screenshot(page, "09-playground-builder-lint", focus=heading)


def test_server_lesson_shows_the_greeting(page: Page, lab: LabServer) -> None:
    """The server lesson's clients show the greeting in the page."""
    run_lesson(page, lab, "04-greeting-server")
    greeting = output_with(page, "Hello, World!")
    expect(greeting).to_be_visible(timeout=WIDGET_TIMEOUT)
    screenshot(page, "04-greeting-server-greeting", focus=greeting)

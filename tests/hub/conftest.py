"""The hub tests start a real JupyterHub and take a minute or two.

They run under ``make hubtest`` (which installs the ``hub`` extra and the
proxy from npm, then selects them with ``-m hub``) and are skipped in a plain
``make test``, which stays fast.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Skip hub tests unless they were selected with ``-m hub``."""
    if "hub" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="part of `make hubtest` (JupyterHub, repo2docker)")
    for item in items:
        if item.get_closest_marker("hub"):
            item.add_marker(skip)

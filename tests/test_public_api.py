"""The public API: every exported name resolves, and importing is light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tlslab


def test_every_exported_name_resolves() -> None:
    """Each name in tlslab.__all__ is an attribute of the package."""
    missing = [name for name in tlslab.__all__ if not hasattr(tlslab, name)]
    assert missing == []


def test_import_leaves_network_and_widgets_unloaded() -> None:
    """`import tlslab` loads neither Twisted's TLS stack, crochet nor ipywidgets."""
    code = (
        "import sys, tlslab; "
        "print(sorted(m for m in ('crochet', 'OpenSSL', 'ipywidgets', "
        "'twisted.internet.reactor') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_lazy_name_is_the_module_attribute() -> None:
    """A lazily loaded name is the very object its module defines."""
    from tlslab import server

    assert tlslab.serve_greeting is server.serve_greeting


def test_submodules_resolve_after_a_bare_import() -> None:
    """`tlslab.client.CLIENTS` works after `import tlslab` alone, as before."""
    code = "import tlslab; print(tlslab.client.CLIENTS[0], tlslab.diagnose.REASONS[0])"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.split()[0] == "twisted"


def test_unknown_attribute_is_an_attribute_error() -> None:
    """A misspelt name raises AttributeError, as for any module."""
    with pytest.raises(AttributeError, match="no attribute 'serve_greting'"):
        tlslab.serve_greting  # noqa: B018

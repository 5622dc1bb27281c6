"""tlslab: a hands-on lab for TLS certificates in Jupyter.

Build keys and certificates step by step, read every field, serve them with a
real Twisted TLS server in the background, and point real clients at it.

    >>> import tlslab
    >>> ca = tlslab.CertificateAuthority.create("tlslab Workshop Root CA")
    >>> site = ca.issue("localhost", "127.0.0.1")
"""

from __future__ import annotations

from . import scenarios
from .certs import CertificateAuthority, new_csr, self_signed
from .client import Greeting, fetch_greeting, fetch_greeting_without_verification
from .credentials import Credentials, SavedFiles, load, load_certificates
from .describe import Description, Field, describe
from .doctor import check_setup, environment
from .errors import (
    HandshakeError,
    InvalidArgument,
    KeyMismatchError,
    LoadError,
    PassphraseError,
    ReactorError,
    TlslabError,
    ToolNotInstalled,
    WaitTimeout,
    WouldOverwrite,
)
from .keys import key_from_pem, key_name, key_to_pem, new_key
from .lint import Finding, LintReport, lint
from .matrix import ClientMatrix, client_matrix
from .server import (
    GreetingServer,
    ServerEvent,
    running_servers,
    serve_greeting,
    stop_all,
)

__version__ = "0.1.0"

__all__ = [
    "CertificateAuthority",
    "CertificateBuilder",
    "CertificateComparison",
    "CertificateInspector",
    "ClientMatrix",
    "Credentials",
    "Description",
    "Field",
    "Finding",
    "Greeting",
    "GreetingServer",
    "HandshakeError",
    "InvalidArgument",
    "KeyMismatchError",
    "LintReport",
    "LoadError",
    "PassphraseError",
    "ReactorError",
    "SavedFiles",
    "ServerEvent",
    "ServerPanel",
    "TlslabError",
    "ToolNotInstalled",
    "WaitTimeout",
    "WouldOverwrite",
    "__version__",
    "check_setup",
    "client_matrix",
    "describe",
    "environment",
    "fetch_greeting",
    "fetch_greeting_without_verification",
    "key_from_pem",
    "key_name",
    "key_to_pem",
    "lint",
    "load",
    "load_certificates",
    "new_csr",
    "new_key",
    "running_servers",
    "scenarios",
    "self_signed",
    "serve_greeting",
    "stop_all",
]

# The widgets import ipywidgets, which is slow; they load on first use.
_WIDGETS = (
    "CertificateBuilder",
    "CertificateComparison",
    "CertificateInspector",
    "ServerPanel",
)


def __getattr__(name: str) -> object:
    """Load ``tlslab.widgets`` (and the widget classes) only when asked for."""
    if name == "widgets" or name in _WIDGETS:
        from importlib import import_module

        widgets = import_module(".widgets", __name__)
        return widgets if name == "widgets" else getattr(widgets, name)
    raise AttributeError(f"module 'tlslab' has no attribute {name!r}")

"""tlslab: a hands-on lab for TLS certificates in Jupyter.

Build keys and certificates step by step, read every field, serve them with a
real Twisted TLS server in the background, and point real clients at it.

    >>> import tlslab
    >>> ca = tlslab.CertificateAuthority.create("tlslab Workshop Root CA")
    >>> site = ca.issue("localhost", "127.0.0.1")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .certs import CertificateAuthority, new_csr, self_signed
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

# Twisted, crochet and ipywidgets take most of the time of `import tlslab`
# (a quarter of a second in a kernel), and the first lessons need none of
# them, so the network, the failure lab and the widgets load on first use.
_LAZY = {
    "Greeting": ".client",
    "fetch_greeting": ".client",
    "fetch_greeting_without_verification": ".client",
    "ClientMatrix": ".matrix",
    "client_matrix": ".matrix",
    "GreetingServer": ".server",
    "ServerEvent": ".server",
    "running_servers": ".server",
    "serve_greeting": ".server",
    "stop_all": ".server",
    "CertificateBuilder": ".widgets",
    "CertificateComparison": ".widgets",
    "CertificateInspector": ".widgets",
    "ServerPanel": ".widgets",
}
# Listed by dir(tlslab); every submodule loads on first attribute access.
_LAZY_MODULES = ("scenarios", "widgets")

if TYPE_CHECKING:
    from . import scenarios
    from .client import Greeting, fetch_greeting, fetch_greeting_without_verification
    from .matrix import ClientMatrix, client_matrix
    from .server import (
        GreetingServer,
        ServerEvent,
        running_servers,
        serve_greeting,
        stop_all,
    )
    from .widgets import (
        CertificateBuilder,
        CertificateComparison,
        CertificateInspector,
        ServerPanel,
    )


def __getattr__(name: str) -> object:
    """Load the network, failure-lab and widget names on first use."""
    from importlib import import_module
    from importlib.util import find_spec

    if name in _LAZY:
        value: object = getattr(import_module(_LAZY[name], __name__), name)
    elif name.isidentifier() and find_spec(f"{__name__}.{name}") is not None:
        # Any submodule, as `tlslab.client.CLIENTS` after a bare `import tlslab`.
        value = import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'tlslab' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_LAZY_MODULES))

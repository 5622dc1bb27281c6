"""Check a learner's machine before a workshop, and say what to fix.

:func:`check_setup` runs a short list of checks: the Python and package
versions, the OpenSSL libraries, the optional ``openssl`` and ``curl`` tools,
that tlslab can make a certificate, that a greeting server starts and answers
on loopback, and that Jupyter can show widgets. Each check says ``ok``,
``warn`` (the course works, with a gap) or ``fail`` (fix this first), and how
to fix it. ``python -m tlslab doctor`` prints the same report.

:func:`environment` is the one-line version the notebooks show first.
"""

from __future__ import annotations

import importlib.metadata
import logging
import platform
import shutil
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Check", "SetupReport", "check_setup", "environment"]

logger = logging.getLogger(__name__)

INSTALL_HINT = "run `make lab` (or `pip install -e '.[lab]'`) in the tlslab folder"
REQUIRED = ("cryptography", "twisted", "pyOpenSSL", "service-identity", "crochet")
JUPYTER = ("ipywidgets", "jupyterlab_widgets", "ipykernel")
TOOLS = {
    "openssl": "apt-get install openssl, brew install openssl (or conda)",
    "curl": "apt-get install curl, brew install curl (or conda)",
}
_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


@dataclass(frozen=True)
class Check:
    """The result of one check.

    Attributes:
        name: What was checked, in a few words.
        status: ``"ok"``, ``"warn"`` or ``"fail"``.
        detail: What was found (versions, paths, the error).
        fix: What to do about a warning or failure; empty when ok.
    """

    name: str
    status: str
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"{_MARK[self.status]}  {self.name}: {self.detail}"
        return f"{line}\n      fix: {self.fix}" if self.fix else line


@dataclass(frozen=True)
class SetupReport:
    """Every check's result; ``str()`` gives the report a learner reads.

    Attributes:
        checks: The checks, in the order they ran.
    """

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True when nothing failed (warnings are allowed)."""
        return all(check.status != "fail" for check in self.checks)

    def __str__(self) -> str:
        fails = sum(check.status == "fail" for check in self.checks)
        warns = sum(check.status == "warn" for check in self.checks)
        if fails:
            verdict = f"{fails} problem(s) to fix before the workshop (see FAIL)."
        elif warns:
            verdict = f"Ready, with {warns} warning(s): the lessons note the gaps."
        else:
            verdict = "Ready for the workshop."
        return "\n".join([*(str(check) for check in self.checks), verdict])

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        printer.text(str(self))  # type: ignore[attr-defined]


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _pyopenssl_library() -> str:
    try:
        from OpenSSL import SSL
    except ImportError:
        return "pyOpenSSL missing"
    return SSL.OpenSSL_version(SSL.OPENSSL_VERSION).decode()


def _short_openssl(text: str) -> str:
    """``"OpenSSL 3.0.13 30 Jan 2024"`` becomes ``"3.0.13"``."""
    words = text.split()
    return words[1] if len(words) > 1 and words[0] == "OpenSSL" else text


def environment() -> str:
    """One line naming the versions the lessons depend on.

    Shows tlslab, Python, the OpenSSL behind Python's ``ssl`` and behind
    Twisted (pyOpenSSL), cryptography, Twisted, and which of the ``openssl``
    and ``curl`` tools are installed. Safe to call from any thread.
    """
    from . import __version__

    tools = " · ".join(
        f"{tool} {'yes' if shutil.which(tool) else 'not installed'}" for tool in TOOLS
    )
    return (
        f"tlslab {__version__} · Python {platform.python_version()} · "
        f"OpenSSL {_short_openssl(ssl.OPENSSL_VERSION)} (ssl), "
        f"{_short_openssl(_pyopenssl_library())} (Twisted) · "
        f"cryptography {_version('cryptography')} · Twisted {_version('twisted')} · "
        f"{tools}"
    )


def _check_python() -> Check:
    # pip refuses to install tlslab on Python < 3.10, so only report it here.
    return Check("Python", "ok", f"{platform.python_version()} ({sys.executable})")


def _check_packages() -> Check:
    found = {name: _version(name) for name in REQUIRED}
    missing = [name for name, version in found.items() if version is None]
    detail = ", ".join(
        f"{name} {version or 'missing'}" for name, version in found.items()
    )
    if missing:
        return Check("packages", "fail", detail, INSTALL_HINT)
    return Check("packages", "ok", detail)


def _check_openssl() -> Check:
    detail = f"ssl uses {ssl.OPENSSL_VERSION}; Twisted uses {_pyopenssl_library()}"
    if not ssl.HAS_TLSv1_3:
        return Check(
            "OpenSSL",
            "fail",
            detail + " (no TLS 1.3)",
            "use a Python built with OpenSSL 1.1.1 or newer (python.org, conda)",
        )
    return Check("OpenSSL", "ok", detail)


def _check_tool(tool: str) -> Check:
    path = shutil.which(tool)
    if path is None:
        return Check(
            f"{tool} command",
            "warn",
            "not installed; lessons skip its cells with a note",
            f"optional: {TOOLS[tool]}",
        )
    return Check(f"{tool} command", "ok", path)


def _check_certificates() -> Check:
    from .certs import CertificateAuthority

    ca = CertificateAuthority.create("tlslab Doctor CA")
    site = ca.issue("localhost", "127.0.0.1")
    return Check("certificates", "ok", f"issued {site!r}")


def _check_server(timeout: float) -> Check:
    from .certs import CertificateAuthority
    from .client import fetch_greeting
    from .server import serve_greeting

    ca = CertificateAuthority.create("tlslab Doctor CA")
    server = serve_greeting(ca.issue("localhost", "127.0.0.1"), timeout=timeout)
    try:
        reply = fetch_greeting(server, trust=ca, timeout=timeout)
    finally:
        server.stop()
    return Check(
        "loopback server",
        "ok",
        f"{server.url} answered {reply.text!r} over {reply.tls_version}",
    )


def _check_jupyter() -> Check:
    found = {name: _version(name) for name in JUPYTER}
    detail = ", ".join(
        f"{name} {version or 'missing'}" for name, version in found.items()
    )
    missing = [name for name, version in found.items() if version is None]
    if missing:
        return Check("widgets", "fail", detail, INSTALL_HINT)
    import ipywidgets

    # Only a browser can show that widgets render; this checks the packages
    # that provide the front end, and that a widget model can be made here.
    ipywidgets.Label("tlslab")
    lab = _version("jupyterlab")
    if lab is None:
        return Check(
            "widgets",
            "warn",
            f"{detail}; JupyterLab not installed",
            "fine on JupyterHub or Binder; on a laptop " + INSTALL_HINT,
        )
    return Check("widgets", "ok", f"{detail}; JupyterLab {lab}")


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    """Run one check; an unexpected error becomes a failure that says what broke."""
    try:
        return check()
    except Exception as exc:  # the doctor reports every failure, never crashes
        logger.debug("check %s failed", name, exc_info=True)
        return Check(
            name,
            "fail",
            f"{type(exc).__name__}: {exc}",
            "read the message above; if unclear, " + INSTALL_HINT + " again",
        )


def check_setup(*, network: bool = True, timeout: float = 10.0) -> SetupReport:
    """Check that this machine can run the lessons.

    Args:
        network: Also start a greeting server on loopback and fetch from it
            (starts tlslab's background reactor if it is not running yet).
        timeout: Seconds to allow the loopback handshake.

    Returns:
        A :class:`SetupReport`; every check is in it, failed or not. Checks
        never raise: an unexpected error becomes a ``fail`` entry.

    Call from the main thread (or any thread but the reactor's).
    """
    checks = [
        ("Python", _check_python),
        ("packages", _check_packages),
        ("OpenSSL", _check_openssl),
        *((f"{tool} command", lambda tool=tool: _check_tool(tool)) for tool in TOOLS),
        ("certificates", _check_certificates),
    ]
    if network:
        checks.append(("loopback server", lambda: _check_server(timeout)))
    checks.append(("widgets", _check_jupyter))
    return SetupReport(tuple(_guarded(name, check) for name, check in checks))

"""Verifying clients for the greeting server: Twisted, Python's ssl, and more.

``fetch_greeting(server, trust=ca)`` connects, verifies the server's chain and
hostname, reads the greeting and returns a :class:`Greeting` with what was
negotiated. The same call works through Twisted (the default), Python's
``ssl`` (plain and with ``VERIFY_X509_STRICT``), ``openssl s_client`` and
``curl``, so a notebook can compare clients on one server. Every failure
raises one :class:`~tlslab.errors.HandshakeError` with a ``reason`` code.

All clients fail closed on identity: a certificate without a subjectAltName
is refused (reason ``"no-san"``) even where the underlying client would fall
back to the common name or, like Twisted 26, accept it.
"""

from __future__ import annotations

import os

from . import client_ssl, client_twisted, external
from .credentials import Credentials
from .errors import HandshakeError, InvalidArgument
from .greeting import CLIENTS, Greeting, Request, make_request
from .server import GreetingServer

__all__ = [
    "CLIENTS",
    "Greeting",
    "fetch_greeting",
    "fetch_greeting_without_verification",
]


def _dispatch(req: Request, via: str, target: object) -> Greeting:
    if via not in CLIENTS:
        raise InvalidArgument(
            f"via={via!r} is not a client tlslab knows; pass one of "
            f"{', '.join(map(repr, CLIENTS))}"
        )
    if not isinstance(target, GreetingServer):
        return _run(req, via)
    if not target.running:
        raise HandshakeError(
            "refused",
            f"{via}: {target!r} has stopped; start it again with "
            "tlslab.serve_greeting() (re-run its cell)",
            client=via,
        )
    # Let the server write down its side too, so the next cell sees it.
    expected = target.event_count + 1
    try:
        result = _run(req, via)
    except HandshakeError:
        target.wait_for_events(expected, timeout=1.0)
        raise
    target.wait_for_events(expected, timeout=1.0)
    return result


def _run(req: Request, via: str) -> Greeting:
    if via == "twisted":
        return client_twisted.fetch(req)
    if via in ("ssl", "ssl-strict"):
        return client_ssl.fetch(req, via)
    if via in ("openssl", "curl"):
        return external.fetch(req, via)
    raise AssertionError(via)


def fetch_greeting(
    target: GreetingServer | tuple[str, int] | str,
    *,
    trust: object = None,
    hostname: str | None = None,
    client: Credentials | str | os.PathLike[str] | None = None,
    via: str = "twisted",
    min_version: str | None = None,
    max_version: str | None = None,
    ciphers: str | None = None,
    timeout: float = 5.0,
) -> Greeting:
    """Connect to a greeting server, verify it, and return what it said.

    The chain must lead to a certificate in ``trust`` and the leaf's
    subjectAltName must name ``hostname``; anything else raises.

    Any thread but the reactor thread may call this (a notebook cell).

    Args:
        target: The GreetingServer, ``(host, port)``, or ``"host:port"``.
        trust: What to trust: a CertificateAuthority (its root), a
            certificate, Credentials, a PEM file, a list of those, or
            ``"system"``/None for the platform's store.
        hostname: The name to check and send as SNI; by default
            ``"localhost"`` for a loopback address (127.0.0.1, ::1), else the
            target's host. The connection still goes to the target's host.
        client: Credentials to present for mutual TLS.
        via: ``"twisted"``, ``"ssl"``, ``"ssl-strict"`` (VERIFY_X509_STRICT),
            ``"openssl"`` (s_client) or ``"curl"``.
        min_version: Lowest TLS version to offer, ``"1.2"``.
        max_version: Highest TLS version to offer, ``"1.3"``.
        ciphers: OpenSSL cipher string for TLS 1.2 and older.
        timeout: Seconds for the whole exchange.

    Raises:
        HandshakeError: the connection failed; ``.reason`` says why.
        ToolNotInstalled: ``openssl`` or ``curl`` is not installed.
        InvalidArgument: a bad argument.
        ReactorError: the background reactor has stopped (Twisted client).
    """
    req = make_request(
        target,
        trust=trust,
        hostname=hostname,
        client=client,
        min_version=min_version,
        max_version=max_version,
        ciphers=ciphers,
        timeout=timeout,
        verify=True,
    )
    return _dispatch(req, via, target)


def fetch_greeting_without_verification(
    target: GreetingServer | tuple[str, int] | str,
    *,
    hostname: str | None = None,
    client: Credentials | str | os.PathLike[str] | None = None,
    via: str = "twisted",
    min_version: str | None = None,
    max_version: str | None = None,
    ciphers: str | None = None,
    timeout: float = 5.0,
) -> Greeting:
    """Like :func:`fetch_greeting`, but INSECURE: nothing about the server is
    checked, so anyone in the middle could have answered.

    For lessons that look at a broken server's certificate; never for real
    use. The result says ``verified=False``.

    Raises:
        HandshakeError: the connection failed for another reason.
        ToolNotInstalled: ``openssl`` or ``curl`` is not installed.
    """
    req = make_request(
        target,
        trust=None,
        hostname=hostname,
        client=client,
        min_version=min_version,
        max_version=max_version,
        ciphers=ciphers,
        timeout=timeout,
        verify=False,
    )
    return _dispatch(req, via, target)

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

import contextlib
import ipaddress
import os
import socket
import ssl
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from OpenSSL import SSL
from service_identity import CertificateError, VerificationError
from service_identity.cryptography import (
    verify_certificate_hostname,
    verify_certificate_ip_address,
)
from twisted.internet import defer, protocol
from twisted.internet.error import ConnectionRefusedError as TwistedRefused
from twisted.internet.error import TimeoutError as TwistedTimeout
from twisted.internet.interfaces import (
    IHandshakeListener,
    IOpenSSLClientConnectionCreator,
)
from twisted.python.failure import Failure
from zope.interface import implementer

from . import reactor as _reactor
from .credentials import Credentials
from .diagnose import classify, has_san
from .errors import HandshakeError, InvalidArgument, WaitTimeout
from .profiles import protocol_version, version_text
from .server import GreetingServer, _as_credentials, _ssl_text
from .trust import certificates_to_trust, pem_bundle

__all__ = [
    "CLIENTS",
    "Greeting",
    "fetch_greeting",
    "fetch_greeting_without_verification",
]

CLIENTS = ("twisted", "ssl", "ssl-strict", "openssl", "curl")
DEFAULT_HOSTNAME = "localhost"
_MAX_BYTES = 1 << 16


@dataclass(frozen=True)
class Greeting:
    """What a client received from a greeting server, and how.

    Attributes:
        data: The bytes received.
        client: Which client fetched it (``"twisted"``, ``"ssl"``, ...).
        tls_version: The negotiated protocol, ``"TLSv1.3"``.
        cipher: The negotiated cipher suite.
        peer_chain: The certificates the server presented, leaf first.
        hostname: The name that was checked (and sent as SNI).
        address: ``(host, port)`` connected to.
        verified: Whether chain and hostname were verified.
    """

    data: bytes
    client: str
    tls_version: str | None
    cipher: str | None
    peer_chain: list[x509.Certificate] = field(repr=False)
    hostname: str
    address: tuple[str, int]
    verified: bool = True

    @property
    def text(self) -> str:
        """The greeting decoded as UTF-8 (undecodable bytes replaced)."""
        return self.data.decode("utf-8", "replace")

    def __repr__(self) -> str:
        state = "verified" if self.verified else "NOT verified"
        return (
            f"<Greeting {self.text!r} via {self.client}, {self.tls_version} "
            f"{self.cipher}, {state} as {self.hostname!r}>"
        )


@dataclass
class _Request:
    """Everything a client needs, checked once for all of them."""

    host: str
    port: int
    hostname: str
    trust: list[x509.Certificate] | None  # None: the platform's store
    client: Credentials | None
    min_version: str | None
    max_version: str | None
    ciphers: str | None
    timeout: float
    verify: bool
    known_chain: list[x509.Certificate]

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.hostname)
        except ValueError:
            return False
        return True

    def peer_chain(self) -> list[x509.Certificate]:
        """The chain the server sends: known for a local GreetingServer,
        otherwise fetched once by an unverified probe (empty if that fails)."""
        if not self.known_chain:
            self.known_chain = _probe_chain(self)
        return self.known_chain

    def fail(self, client: str, detail: str, **kwargs: Any) -> HandshakeError:
        about_certificate = kwargs.get("verify_code") or any(
            word in detail.lower()
            for word in ("verif", "mismatch", "certificate problem")
        )
        if "chain" not in kwargs:
            chain = self.peer_chain() if about_certificate else self.known_chain
            kwargs["chain"] = chain
        return classify(
            client,
            address=self.where,
            hostname=self.hostname,
            detail=detail,
            client_cert=self.client is not None,
            ciphers=self.ciphers is not None,
            **kwargs,
        )

    def check_identity(self, client: str, chain: Sequence[x509.Certificate]) -> None:
        """Fail closed where a client accepted a leaf without a SAN."""
        if self.verify and chain and not has_san(chain[0]):
            raise self.fail(
                client,
                "the certificate has no subjectAltName; the client accepted it "
                "by its common name, tlslab does not",
                chain=list(chain),
                reason="no-san",
            )


def _probe_chain(req: _Request) -> list[x509.Certificate]:
    """Ask the server for its chain without verifying anything (diagnosis).

    Blocking, in the calling thread; any thread may call it.
    """
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_cipher_list(b"ALL:@SECLEVEL=0")
    try:
        with socket.create_connection(
            (req.host, req.port), timeout=req.timeout
        ) as sock:
            conn = SSL.Connection(ctx, sock)
            if not req.is_ip:
                conn.set_tlsext_host_name(req.hostname.encode("idna"))
            conn.set_connect_state()
            conn.do_handshake()
            chain = conn.get_peer_cert_chain(as_cryptography=True) or []
            with contextlib.suppress(SSL.Error):
                conn.shutdown()
            return list(chain)
    except (OSError, SSL.Error):
        return []


def _address(target: object) -> tuple[str, int, list[x509.Certificate]]:
    if isinstance(target, GreetingServer):
        return target.host, target.port, list(target.credentials.fullchain)
    if isinstance(target, tuple) and len(target) == 2:
        host, port = target
    elif isinstance(target, str):
        text = target.removeprefix("https://").rstrip("/")
        host, _, port_text = text.rpartition(":")
        if not port_text.isdigit():
            host, port = "", -1
        else:
            port = int(port_text)
        host = host.strip("[]")
    else:
        host, port = "", -1
    if not host or not isinstance(port, int) or not 0 < port < 65536:
        raise InvalidArgument(
            f"target={target!r} is not a server to connect to; pass the "
            "GreetingServer, a (host, port) tuple, or 'host:port'"
        )
    return str(host), port, []


def _request(
    target: object,
    *,
    trust: object,
    hostname: str | None,
    client: object,
    min_version: str | None,
    max_version: str | None,
    ciphers: str | None,
    timeout: float,
    verify: bool,
) -> _Request:
    host, port, known = _address(target)
    protocol_version(min_version, "min_version")
    protocol_version(max_version, "max_version")
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise InvalidArgument(
            f"timeout={timeout!r} is not a positive number of seconds; pass "
            "something like timeout=5"
        )
    if trust is None or trust == "system":
        anchors = None
    else:
        anchors = certificates_to_trust(trust)
    return _Request(
        host=host,
        port=port,
        hostname=hostname or DEFAULT_HOSTNAME,
        trust=anchors,
        client=None if client is None else _as_credentials(client),
        min_version=version_text(min_version),
        max_version=version_text(max_version),
        ciphers=ciphers,
        timeout=float(timeout),
        verify=verify,
        known_chain=known,
    )


# -- Twisted --------------------------------------------------------------


@implementer(IOpenSSLClientConnectionCreator)
class _FailClosedIdentity:
    """Wraps optionsForClientTLS's creator with an identity check that fails
    closed, and remembers why verification failed.

    Twisted 26's own callback accepts a trusted certificate without a
    subjectAltName: service_identity raises CertificateError (not
    VerificationError) for it, which Twisted logs as an unexpected error and
    ignores. This callback refuses it, and checks the hostname itself with
    service_identity, so the result does not depend on the Twisted version.
    """

    def __init__(self, inner: Any, hostname: str, is_ip: bool) -> None:
        self._inner = inner
        self._hostname = hostname
        self._is_ip = is_ip
        self.verify_code: int | None = None
        self.reason: str | None = None
        self.connection: SSL.Connection | None = None

    def clientConnectionForTLS(self, tlsProtocol: Any) -> SSL.Connection:
        connection = self._inner.clientConnectionForTLS(tlsProtocol)
        connection.set_verify(
            SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, self._verify
        )
        self.connection = connection
        return connection

    def _verify(self, conn: Any, cert: Any, err: int, depth: int, ok: int) -> bool:
        if not ok:
            if self.verify_code is None:
                self.verify_code = err
            return False
        if depth != 0:
            return True
        leaf = cert.to_cryptography()
        if not has_san(leaf):
            self.reason = "no-san"
            return False
        check = (
            verify_certificate_ip_address
            if self._is_ip
            else (verify_certificate_hostname)
        )
        try:
            check(leaf, self._hostname)
        except (VerificationError, CertificateError):
            self.reason = "hostname-mismatch"
            return False
        return True


@implementer(IHandshakeListener)
class _Fetch(protocol.Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.info: dict[str, Any] = {}
        self.done: defer.Deferred[bytes] = defer.Deferred(self._cancel)

    def _cancel(self, _: Any) -> None:
        if self.transport is not None:
            self.transport.abortConnection()

    def handshakeCompleted(self) -> None:
        conn = self.transport.getHandle()  # type: ignore[union-attr]
        self.info = {
            "tls_version": conn.get_protocol_version_name(),
            "cipher": conn.get_cipher_name(),
            "chain": conn.get_peer_cert_chain(as_cryptography=True) or [],
        }

    def dataReceived(self, data: bytes) -> None:
        self.data += data
        if len(self.data) > _MAX_BYTES:
            self.transport.loseConnection()  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        if self.done.called:
            return
        if reason.check(SSL.Error) or not self.info:
            self.done.errback(reason)
        else:
            self.done.callback(self.data)


def _twisted_creator(req: _Request) -> tuple[Any, _FailClosedIdentity | None]:
    from twisted.internet import ssl as tssl

    extra: dict[str, Any] = {}
    if req.min_version:
        extra[
            "raiseMinimumTo"
            if req.min_version >= "1.2"
            else ("insecurelyLowerMinimumTo")
        ] = _tls_version(req.min_version)
    if req.max_version:
        extra["lowerMaximumSecurityTo"] = _tls_version(req.max_version)
    if req.ciphers:
        extra["acceptableCiphers"] = tssl.AcceptableCiphers.fromOpenSSLCipherString(
            req.ciphers
        )
    client_cert = None
    if req.client is not None:
        client_cert = tssl.PrivateCertificate.loadPEM(req.client.to_pem())
        if req.client.chain:
            extra["extraCertChain"] = [
                tssl.Certificate.loadPEM(
                    c.public_bytes(serialization.Encoding.PEM)
                ).original
                for c in req.client.chain
            ]
    if not req.verify:
        if client_cert is not None:
            extra["privateKey"] = client_cert.privateKey.original
            extra["certificate"] = client_cert.original
        return tssl.CertificateOptions(**extra), None
    if req.trust is None:
        root = tssl.platformTrust()
    else:
        root = tssl.trustRootFromCertificates(
            [tssl.Certificate.loadPEM(pem_bundle([c])) for c in req.trust]
        )
    inner = tssl.optionsForClientTLS(
        req.hostname, root, client_cert, extraCertificateOptions=extra
    )
    guard = _FailClosedIdentity(inner, req.hostname, req.is_ip)
    return guard, guard


def _tls_version(text: str) -> Any:
    from twisted.internet.ssl import TLSVersion

    return {
        "1.0": TLSVersion.TLSv1_0,
        "1.1": TLSVersion.TLSv1_1,
        "1.2": TLSVersion.TLSv1_2,
        "1.3": TLSVersion.TLSv1_3,
    }[text]


def _twisted_connect(req: _Request, creator: Any) -> defer.Deferred[Any]:
    """Runs in the reactor thread: connect, handshake, read until closed."""
    from twisted.internet import reactor
    from twisted.internet.endpoints import (
        TCP4ClientEndpoint,
        connectProtocol,
        wrapClientTLS,
    )

    fetch = _Fetch()
    endpoint = wrapClientTLS(
        creator, TCP4ClientEndpoint(reactor, req.host, req.port, timeout=req.timeout)
    )
    connected = connectProtocol(endpoint, fetch)
    connected.addCallback(lambda _: fetch.done)
    connected.addCallback(lambda data: (data, fetch.info))
    connected.addTimeout(req.timeout, reactor)
    return connected


def _via_twisted(req: _Request) -> Greeting:
    creator, guard = _twisted_creator(req)
    try:
        data, info = _reactor.call(
            _twisted_connect,
            req,
            creator,
            timeout=req.timeout + 5,
            what=f"a TLS connection to {req.where}",
        )
    except (TwistedTimeout, defer.TimeoutError, defer.CancelledError, WaitTimeout):
        raise req.fail(
            "twisted", f"no greeting within {req.timeout:g} s", reason="timeout"
        ) from None
    except TwistedRefused:
        raise req.fail("twisted", "connection refused", reason="refused") from None
    except SSL.Error as exc:
        chain = req.known_chain
        if guard is not None and guard.connection is not None:
            chain = guard.connection.get_peer_cert_chain(as_cryptography=True) or chain
        raise req.fail(
            "twisted",
            _ssl_text(exc),
            verify_code=guard.verify_code if guard else None,
            chain=chain,
            reason=guard.reason if guard else None,
        ) from None
    except (OSError, ConnectionError) as exc:
        raise req.fail("twisted", str(exc) or type(exc).__name__) from None
    except Exception as exc:
        if type(exc).__module__.startswith("twisted."):
            raise req.fail("twisted", str(exc) or type(exc).__name__) from None
        raise
    return Greeting(
        data=data,
        client="twisted",
        tls_version=info["tls_version"],
        cipher=info["cipher"],
        peer_chain=list(info["chain"]),
        hostname=req.hostname,
        address=(req.host, req.port),
        verified=req.verify,
    )


# -- Python's ssl -----------------------------------------------------------

_SSL_VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


class ClientFiles(NamedTuple):
    """Where :func:`client_files` wrote the client's credentials."""

    cert: str
    key: str
    chain: str | None
    fullchain: str


@contextlib.contextmanager
def client_files(creds: Credentials | None) -> Iterator[ClientFiles | None]:
    """The client's key and certificates as files, for ssl, openssl and curl.

    They live in a private temporary folder that is removed afterwards.
    """
    if creds is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="tlslab-client-") as folder:
        base = Path(folder)
        key = base / "client.key.pem"
        key.touch(mode=0o600)
        key.write_bytes(creds.key_pem())
        (base / "client.cert.pem").write_bytes(creds.cert_pem())
        (base / "client.fullchain.pem").write_bytes(creds.fullchain_pem())
        chain = None
        if creds.chain:
            chain = str(base / "client.chain.pem")
            Path(chain).write_bytes(creds.chain_pem())
        yield ClientFiles(
            str(base / "client.cert.pem"),
            str(key),
            chain,
            str(base / "client.fullchain.pem"),
        )


def _ssl_context(
    req: _Request, strict: bool, files: ClientFiles | None
) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not req.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif req.trust is None:
        ctx.load_default_certs()
    else:
        ctx.load_verify_locations(cadata=pem_bundle(req.trust).decode())
    # Fail closed: never accept a common name in place of a SAN.
    ctx.hostname_checks_common_name = False
    if strict:
        ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    # Python deprecates TLS 1.0 and 1.1; the legacy lessons ask for them.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if req.min_version:
            if req.min_version < "1.2":
                ctx.set_ciphers("ALL:@SECLEVEL=0")
            ctx.minimum_version = _SSL_VERSIONS[req.min_version]
        if req.max_version:
            ctx.maximum_version = _SSL_VERSIONS[req.max_version]
    if req.ciphers:
        try:
            ctx.set_ciphers(req.ciphers)
        except ssl.SSLError:
            raise InvalidArgument(
                f"ciphers={req.ciphers!r} names no cipher OpenSSL knows; pass "
                "an OpenSSL cipher string such as 'ECDHE+AESGCM'"
            ) from None
    if files is not None:
        ctx.load_cert_chain(files.fullchain, files.key)
    return ctx


def _via_ssl(req: _Request, client: str) -> Greeting:
    with client_files(req.client) as files:
        ctx = _ssl_context(req, client == "ssl-strict", files)
    try:
        sock = socket.create_connection((req.host, req.port), timeout=req.timeout)
    except ConnectionRefusedError:
        raise req.fail(client, "connection refused", reason="refused") from None
    except TimeoutError:
        raise req.fail(client, "connect timed out", reason="timeout") from None
    data = b""
    try:
        with ctx.wrap_socket(sock, server_hostname=req.hostname) as tls:
            version, cipher = tls.version(), (tls.cipher() or (None,))[0]
            leaf = tls.getpeercert(binary_form=True)
            while len(data) < _MAX_BYTES:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                data += chunk
    except ssl.SSLCertVerificationError as exc:
        raise req.fail(
            client, str(exc.verify_message or exc), verify_code=exc.verify_code
        ) from None
    except TimeoutError:
        raise req.fail(
            client, f"no greeting within {req.timeout:g} s", reason="timeout"
        ) from None
    except ssl.SSLError as exc:
        raise req.fail(client, f"{exc.reason or ''} {exc}".strip()) from None
    except OSError as exc:
        raise req.fail(client, str(exc) or type(exc).__name__) from None
    finally:
        sock.close()
    chain = req.known_chain or ([x509.load_der_x509_certificate(leaf)] if leaf else [])
    req.check_identity(client, chain)
    return Greeting(
        data=data,
        client=client,
        tls_version=version,
        cipher=cipher,
        peer_chain=chain,
        hostname=req.hostname,
        address=(req.host, req.port),
        verified=req.verify,
    )


# -- the public calls ---------------------------------------------------------


def _dispatch(req: _Request, via: str, target: object) -> Greeting:
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
        return _run(req, via)
    finally:
        target.wait_for_events(expected, timeout=1.0)


def _run(req: _Request, via: str) -> Greeting:
    if via == "twisted":
        return _via_twisted(req)
    if via in ("ssl", "ssl-strict"):
        return _via_ssl(req, via)
    if via in ("openssl", "curl"):
        from . import external

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
        hostname: The name to check and send as SNI (default
            ``"localhost"``); the connection still goes to the target's host.
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
    req = _request(
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
    req = _request(
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

"""The server's side of one TLS connection, and the server's TLS context.

:func:`build_context` makes the OpenSSL context for a profile when the server
starts, so a mistake shows at ``serve_greeting``, not at the first client.
:class:`GreetingTLS` is one connection: it checks that the first bytes are a
TLS handshake (plain HTTP gets a plain answer), greets when the handshake is
done, drops idle connections, and records exactly one :class:`ServerEvent`.

Everything here except :func:`build_context` runs in the reactor thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from OpenSSL import SSL, crypto
from OpenSSL._util import ffi as _openssl_ffi
from OpenSSL._util import lib as _openssl_lib
from twisted.internet import defer, protocol
from twisted.internet.interfaces import (
    IHandshakeListener,
    IOpenSSLServerConnectionCreator,
)
from twisted.protocols.tls import TLSMemoryBIOFactory, TLSMemoryBIOProtocol
from twisted.python.failure import Failure
from zope.interface import implementer

from .credentials import Credentials
from .diagnose import describe_server_failure
from .errors import InvalidArgument
from .profiles import OPENSSL_VERSIONS, Profile

__all__ = [
    "GreetingFactory",
    "ServerEvent",
    "SwappableContext",
    "build_context",
    "ssl_text",
    "verify_error_text",
]

# The first byte of a TLS record: change_cipher_spec, alert, handshake, data.
_TLS_RECORD_TYPES = (b"\x14", b"\x15", b"\x16", b"\x17")
_HTTP_METHODS = (b"GET ", b"HEAD", b"POST", b"PUT ", b"DELE", b"OPTI", b"PATC", b"CONN")


@dataclass(frozen=True)
class ServerEvent:
    """What happened to one connection, as the server saw it.

    Attributes:
        time: When it ended (aware UTC).
        peer: The client's address, ``"127.0.0.1:54321"``.
        outcome: ``"greeted"``, ``"failed"``, ``"plain-http"``, ``"not-tls"``,
            ``"timeout"`` or ``"closed"``.
        tls_version: Negotiated version (``"TLSv1.3"``), if the handshake got
            that far.
        cipher: Negotiated cipher suite, if any.
        client_subject: The client certificate's subject (mutual TLS).
        reason: A short code for a failure (see :mod:`tlslab.diagnose`).
        detail: One sentence, or what OpenSSL said.
    """

    time: dt.datetime
    peer: str
    outcome: str
    tls_version: str | None = None
    cipher: str | None = None
    client_subject: str | None = None
    reason: str | None = None
    detail: str = ""

    def __str__(self) -> str:
        parts = [f"{self.time:%H:%M:%S}", self.peer, self.outcome]
        if self.tls_version:
            parts.append(f"{self.tls_version} {self.cipher}")
        if self.client_subject:
            parts.append(f"client {self.client_subject}")
        if self.reason:
            parts.append(f"[{self.reason}]")
        if self.detail:
            parts.append(self.detail)
        return "  ".join(parts)


def _x509(cert: x509.Certificate) -> crypto.X509:
    return crypto.X509.from_cryptography(cert)


def build_context(
    credentials: Credentials,
    profile: Profile,
    client_cas: list[x509.Certificate] | None = None,
) -> SSL.Context:
    """Make the server's OpenSSL context now, so mistakes show at once.

    Any thread may call this.

    Raises:
        InvalidArgument: OpenSSL refused the certificate, key or settings.
    """
    try:
        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        ctx.set_min_proto_version(OPENSSL_VERSIONS[profile.min_version])
        ctx.set_max_proto_version(OPENSSL_VERSIONS[profile.max_version])
        ctx.set_options(
            SSL.OP_NO_COMPRESSION | SSL.OP_NO_RENEGOTIATION | SSL.OP_SINGLE_ECDH_USE
        )
        ctx.set_cipher_list(profile.ciphers.encode())
        # pyOpenSSL has no public call for the key exchange groups.
        if not _openssl_lib.SSL_CTX_set1_curves_list(
            ctx._context, profile.groups.encode()
        ):
            raise SSL.Error(f"OpenSSL refused the groups {profile.groups!r}")
        ctx.use_certificate(credentials.cert)
        ctx.use_privatekey(credentials.key)
        for cert in credentials.chain:
            ctx.add_extra_chain_cert(cert)
        ctx.check_privatekey()
        ctx.set_session_id(b"tlslab-greeting")
        if client_cas:
            ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT)
            store = ctx.get_cert_store()
            assert store is not None
            for ca in client_cas:
                store.add_cert(_x509(ca))
                ctx.add_client_ca(ca)
    except SSL.Error as exc:
        raise InvalidArgument(
            f"OpenSSL cannot serve {credentials!r} with the {profile.name!r} "
            f"profile ({ssl_text(exc)}); check the key and certificate with "
            "tlslab.lint(), or pick another profile"
        ) from None
    return ctx


def ssl_text(exc: BaseException) -> str:
    """OpenSSL's error list as one readable line."""
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], list):
        parts = [entry[-1] for entry in args[0] if isinstance(entry, tuple)]
        if parts:
            return "; ".join(str(p) for p in parts)
    return str(exc) or type(exc).__name__


def verify_error_text(code: int) -> str:
    """OpenSSL's words for an X509 verification error number
    ("certificate has expired" for 10). Any thread may call this."""
    # pyOpenSSL has no public call for X509_verify_cert_error_string.
    text = _openssl_ffi.string(_openssl_lib.X509_verify_cert_error_string(code))
    return text.decode("ascii", "replace")


def _verify_result(conn: SSL.Connection) -> str:
    """OpenSSL's verdict on the peer's certificate, in OpenSSL's words."""
    # pyOpenSSL has no public call for SSL_get_verify_result.
    return verify_error_text(_openssl_lib.SSL_get_verify_result(conn._ssl))


@implementer(IOpenSSLServerConnectionCreator)
class SwappableContext:
    """Hands each new connection the current context; reload() swaps it."""

    def __init__(self, context: SSL.Context) -> None:
        self.context = context

    def serverConnectionForTLS(self, tlsProtocol: Any) -> SSL.Connection:
        """A connection on the current context (reactor thread only)."""
        return SSL.Connection(self.context, None)


@implementer(IHandshakeListener)
class _Greeter(protocol.Protocol):
    """Inside the TLS layer: greets once the handshake is done."""

    def handshakeCompleted(self) -> None:
        self.transport.handshake_done()  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.transport.inner_lost(reason)  # type: ignore[union-attr]


class GreetingTLS(TLSMemoryBIOProtocol):
    """The TLS layer of one connection; records exactly one event for it."""

    factory: GreetingFactory
    _started = False

    def connectionMade(self) -> None:
        """Start the idle timer for a new connection (reactor thread only)."""
        # TLSMemoryBIOProtocol.makeConnection calls Protocol.makeConnection
        # twice (once itself, once through ProtocolWrapper), so this runs
        # twice per connection; a second timer would outlive the connection
        # and record a spurious "timeout" event.
        if self._started:
            return
        self._started = True
        self._first = True
        self._recorded = False
        self._greeted = False
        self.closed: defer.Deferred[None] = defer.Deferred()
        owner = self.factory.owner
        self._timer = owner._reactor.callLater(owner.timeout, self._timed_out)
        peer = self.transport.getPeer()
        self.peer = f"{peer.host}:{peer.port}"
        self.factory.live.add(self)
        super().connectionMade()

    def dataReceived(self, data: bytes) -> None:
        """Feed bytes to TLS, spotting plain HTTP first (reactor thread only)."""
        if self._first:
            self._first = False
            if data[:1] not in _TLS_RECORD_TYPES:
                self._not_tls(data)
                return
        if not self._recorded:
            super().dataReceived(data)

    def _not_tls(self, data: bytes) -> None:
        owner = self.factory.owner
        if data[:4] in _HTTP_METHODS:
            line = data.split(b"\r\n", 1)[0][:60].decode("latin-1")
            self._record(
                "plain-http",
                reason="plain-http",
                detail=(
                    f"the client sent plain HTTP ({line!r}) to this TLS port; "
                    f"use {owner.url}"
                ),
            )
            body = f"This port speaks TLS; use {owner.url}\n".encode()
            self.transport.write(
                b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n"
                b"Connection: close\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
        else:
            self._record(
                "not-tls",
                reason="not-tls",
                detail=f"the client sent {data[:16]!r}, which is not a TLS handshake",
            )
        self.transport.loseConnection()

    def handshake_done(self) -> None:
        """Record the handshake, send the greeting, start closing."""
        conn = self.getHandle()
        peer_cert = conn.get_peer_certificate(as_cryptography=True)
        self._greeted = True
        self._record(
            "greeted",
            tls_version=conn.get_protocol_version_name(),
            cipher=conn.get_cipher_name(),
            client_subject=peer_cert.subject.rfc4514_string() if peer_cert else None,
        )
        self.write(self.factory.owner.greeting)
        # Sends close_notify; the socket closes when the client answers or
        # leaves, or when the timeout drops it.
        self.loseConnection()

    def _timed_out(self) -> None:
        timeout = self.factory.owner.timeout
        if self._greeted:
            detail = f"the client stayed {timeout:g} s after the greeting; dropped"
        else:
            detail = (
                f"the client did not finish the handshake within {timeout:g} s; dropped"
            )
        self._recorded = False  # a second event, after "greeted"
        self._record("timeout", reason="timeout", detail=detail)
        self.transport.abortConnection()

    def inner_lost(self, reason: Failure) -> None:
        """Record why a connection ended before any event was recorded."""
        if self._recorded:
            return
        if reason.check(SSL.Error):
            text = ssl_text(reason.value)
            code, explanation = describe_server_failure(text)
            if code == "client-cert-rejected":
                explanation += f" ({_verify_result(self.getHandle())})"
            self._record("failed", reason=code, detail=f"{explanation} ({text})")
        elif self.factory.stopping:
            self._record(
                "closed",
                reason="connection-closed",
                detail="the server stopped while this connection was open",
            )
        else:
            self._record(
                "closed",
                reason="connection-closed",
                detail="the client hung up before the handshake finished",
            )

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        """Record how the connection ended (reactor thread only)."""
        if self._timer.active():
            self._timer.cancel()
        super().connectionLost(reason)
        if not self._recorded:
            self.inner_lost(reason)
        self.factory.live.discard(self)
        self.closed.callback(None)

    def _record(self, outcome: str, **fields: Any) -> None:
        if self._recorded:
            return
        self._recorded = True
        event = ServerEvent(
            time=dt.datetime.now(dt.timezone.utc),
            peer=self.peer,
            outcome=outcome,
            **fields,
        )
        self.factory.owner._add_event(event)


class GreetingFactory(TLSMemoryBIOFactory):
    """Makes a GreetingTLS per connection and keeps the open ones."""

    protocol = GreetingTLS

    def __init__(self, owner: Any, creator: SwappableContext) -> None:
        super().__init__(creator, False, protocol.Factory.forProtocol(_Greeter))
        self.owner = owner
        self.live: set[GreetingTLS] = set()
        self.stopping = False

    def logPrefix(self) -> str:
        """The prefix of this server's lines in Twisted's log."""
        return "tlslab-greeting"

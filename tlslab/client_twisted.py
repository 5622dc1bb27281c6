"""The Twisted client: optionsForClientTLS, with an identity check that fails
closed.

:func:`fetch` runs the connection in the background reactor and waits for
it; any thread but the reactor thread may call it.
"""

from __future__ import annotations

from typing import Any

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
    IAcceptableCiphers,
    ICipher,
    IHandshakeListener,
    IOpenSSLClientConnectionCreator,
)
from twisted.python.failure import Failure
from zope.interface import implementer

from . import reactor as _reactor
from .diagnose import has_san
from .errors import WaitTimeout
from .greeter import ssl_text, verify_error_text
from .greeting import MAX_BYTES, Greeting, Request
from .trust import pem_bundle

__all__ = ["fetch"]


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

    def __init__(self, inner: Any, req: Request) -> None:
        self._inner = inner
        self._hostname = req.hostname
        self._is_ip = req.is_ip
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
            else verify_certificate_hostname
        )
        try:
            check(leaf, self._hostname)
        except (VerificationError, CertificateError):
            self.reason = "hostname-mismatch"
            return False
        return True


# What the identity check says when it refuses, in the style of OpenSSL's words.
_GUARD_WORDS = {
    "no-san": "no subjectAltName (refused by tlslab's identity check)",
    "hostname-mismatch": "hostname mismatch (refused by tlslab's identity check)",
}


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
        if len(self.data) > MAX_BYTES:
            self.transport.loseConnection()  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        if self.done.called:
            return
        if reason.check(SSL.Error) or not self.info:
            self.done.errback(reason)
        else:
            self.done.callback(self.data)


@implementer(ICipher)
class _Cipher:
    def __init__(self, full_name: str) -> None:
        self.fullName = full_name


@implementer(IAcceptableCiphers)
class _CipherString:
    """Hands Twisted an OpenSSL cipher string as it is.

    Twisted's AcceptableCiphers keeps only named suites and so drops
    ``@SECLEVEL=0``, without which OpenSSL will not offer TLS 1.0 or 1.1 at
    all; the legacy lessons need those.
    """

    def __init__(self, cipher_string: str) -> None:
        self._cipher_string = cipher_string

    def selectCiphers(self, availableCiphers: Any) -> list[_Cipher]:
        return [_Cipher(self._cipher_string)]


def _twisted_creator(req: Request) -> tuple[Any, _FailClosedIdentity | None]:
    from twisted.internet import ssl as tssl

    extra: dict[str, Any] = {}
    lowest = req.min_version or ("1.0" if req.legacy else None)
    if lowest:
        floor = "raiseMinimumTo" if lowest >= "1.2" else "insecurelyLowerMinimumTo"
        extra[floor] = _tls_version(lowest)
    if req.max_version:
        extra["lowerMaximumSecurityTo"] = _tls_version(req.max_version)
    if req.legacy:
        extra["acceptableCiphers"] = _CipherString(req.cipher_string or "")
    elif req.ciphers:
        extra["acceptableCiphers"] = tssl.AcceptableCiphers.fromOpenSSLCipherString(
            req.ciphers
        )
    if req.client is not None:
        # cryptography objects, which pyOpenSSL takes as they are; Twisted's
        # PrivateCertificate would hand it its deprecated X509 and PKey.
        extra["privateKey"] = req.client.key
        extra["certificate"] = req.client.cert
        if req.client.chain:
            extra["extraCertChain"] = list(req.client.chain)
    if not req.verify:
        return tssl.CertificateOptions(**extra), None
    if req.trust is None:
        root = tssl.platformTrust()
    else:
        root = tssl.trustRootFromCertificates(
            [tssl.Certificate.loadPEM(pem_bundle([c])) for c in req.trust]
        )
    inner = tssl.optionsForClientTLS(req.hostname, root, extraCertificateOptions=extra)
    guard = _FailClosedIdentity(inner, req)
    return guard, guard


def _tls_version(text: str) -> Any:
    from twisted.internet.ssl import TLSVersion

    return {
        "1.0": TLSVersion.TLSv1_0,
        "1.1": TLSVersion.TLSv1_1,
        "1.2": TLSVersion.TLSv1_2,
        "1.3": TLSVersion.TLSv1_3,
    }[text]


def _twisted_connect(req: Request, creator: Any) -> defer.Deferred[Any]:
    """Runs in the reactor thread: connect, handshake, read until closed."""
    from twisted.internet import reactor
    from twisted.internet.endpoints import (
        TCP4ClientEndpoint,
        TCP6ClientEndpoint,
        connectProtocol,
        wrapClientTLS,
    )

    fetch = _Fetch()
    tcp = TCP6ClientEndpoint if ":" in req.host else TCP4ClientEndpoint
    endpoint = wrapClientTLS(
        creator, tcp(reactor, req.host, req.port, timeout=req.timeout)
    )
    connected = connectProtocol(endpoint, fetch)
    connected.addCallback(lambda _: fetch.done)
    connected.addCallback(lambda data: (data, fetch.info))
    connected.addTimeout(req.timeout, reactor)
    return connected


def fetch(req: Request) -> Greeting:
    """Fetch the greeting with Twisted. Any thread but the reactor thread.

    Raises:
        HandshakeError: the connection failed; ``.reason`` says why.
        ReactorError: the background reactor has stopped.
    """
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
        detail = ssl_text(exc)
        if guard is not None and guard.connection is not None:
            chain = guard.connection.get_peer_cert_chain(as_cryptography=True) or chain
        # OpenSSL's error queue says only "certificate verify failed"; the
        # verify callback kept the X509 error, as ssl's verify_code does.
        if guard is not None and guard.reason is not None:
            detail += f": {_GUARD_WORDS[guard.reason]}"
        elif guard is not None and guard.verify_code:
            detail += f": {verify_error_text(guard.verify_code)}"
        raise req.fail(
            "twisted",
            detail,
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
    return req.greeting(
        "twisted", data, info["tls_version"], info["cipher"], info["chain"]
    )

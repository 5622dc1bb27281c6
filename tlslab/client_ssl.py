"""The Python ``ssl`` client, plain or with ``VERIFY_X509_STRICT``.

Blocking sockets in the calling thread; any thread may call :func:`fetch`.
"""

from __future__ import annotations

import _ssl  # ENCODING_DER, for certificates from get_unverified_chain()
import socket
import ssl
import warnings

from cryptography import x509

from .errors import InvalidArgument
from .greeting import MAX_BYTES, ClientFiles, Greeting, Request, client_files
from .trust import pem_bundle

__all__ = ["fetch"]

_SSL_VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def _ssl_context(
    req: Request, strict: bool, files: ClientFiles | None
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
            ctx.minimum_version = _SSL_VERSIONS[req.min_version]
        elif req.legacy:
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        if req.max_version:
            ctx.maximum_version = _SSL_VERSIONS[req.max_version]
    if req.cipher_string:
        try:
            ctx.set_ciphers(req.cipher_string)
        except ssl.SSLError:
            raise InvalidArgument(
                f"ciphers={req.ciphers!r} names no cipher OpenSSL knows; pass "
                "an OpenSSL cipher string such as 'ECDHE+AESGCM'"
            ) from None
    if files is not None:
        ctx.load_cert_chain(files.fullchain, files.key)
    return ctx


def _sent_chain(tls: ssl.SSLSocket) -> list[x509.Certificate]:
    """The certificates the server sent: all of them from Python 3.13 on
    (get_unverified_chain), only the leaf before."""
    getter = getattr(tls, "get_unverified_chain", None)
    if getter is not None:
        return [
            x509.load_der_x509_certificate(
                der if isinstance(der, bytes) else der.public_bytes(_ssl.ENCODING_DER)
            )
            for der in getter() or []
        ]
    leaf = tls.getpeercert(binary_form=True)
    return [x509.load_der_x509_certificate(leaf)] if leaf else []


def fetch(req: Request, client: str) -> Greeting:
    """Fetch the greeting with Python's ssl (``client`` is "ssl" or
    "ssl-strict"). Any thread may call this.

    Raises:
        HandshakeError: the connection failed; ``.reason`` says why.
    """
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
            sent = _sent_chain(tls)
            while len(data) < MAX_BYTES:
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
    return req.greeting(client, data, version, cipher, req.known_chain or sent)

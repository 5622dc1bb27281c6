"""Helpers for the network tests: odd certificates and odd servers.

The no-SAN certificate is built with cryptography directly, because tlslab
always adds a subjectAltName on purpose. The plain TCP servers stand in for
a service that is not TLS, or one that accepts and never answers.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import tlslab
from tlslab.keys import signature_hash


def no_san_credentials(issuer: tlslab.CertificateAuthority) -> tlslab.Credentials:
    """A leaf for CN=localhost with no subjectAltName, signed by ``issuer``."""
    key = tlslab.new_key("ec")
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            False,
        )
        .sign(issuer.key, signature_hash(issuer.key))
    )
    return tlslab.Credentials(key, cert, issuer.chain)


def expired_credentials(
    issuer: tlslab.CertificateAuthority, name: str, *, client: bool = False
) -> tlslab.Credentials:
    """A leaf for ``name`` from ``issuer``, valid for a week until yesterday."""
    now = dt.datetime.now(dt.timezone.utc)
    return issuer.issue(
        name,
        client=client,
        not_before=now - dt.timedelta(days=8),
        not_after=now - dt.timedelta(days=1),
    )


@contextmanager
def plain_tcp_server(reply: bytes | None) -> Iterator[tuple[str, int]]:
    """A loopback TCP server that sends ``reply`` to each client and closes,
    or (``reply=None``) accepts and says nothing until the client leaves."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            if reply is None:
                held.append(conn)
            else:
                with conn:
                    conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()
    finally:
        stop.set()
        thread.join()
        listener.close()
        for conn in held:
            conn.close()


def free_port() -> int:
    """A port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

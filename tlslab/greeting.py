"""What every client shares: the request, checked once, and the result.

:class:`Greeting` is the one result shape of every client. :class:`Request`
holds a checked call to ``fetch_greeting``; it also knows how to turn a
failure into a :class:`~tlslab.errors.HandshakeError` and how to learn the
server's chain for the diagnosis. Any thread may use them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import select
import socket
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from cryptography import x509
from OpenSSL import SSL

from .credentials import Credentials
from .diagnose import classify, has_san
from .errors import HandshakeError, InvalidArgument
from .profiles import protocol_version, version_text
from .server import GreetingServer, as_credentials, seconds
from .trust import certificates_to_trust

__all__ = [
    "CLIENTS",
    "ClientFiles",
    "Greeting",
    "Request",
    "client_files",
    "host_port",
    "make_request",
    "probe_chain",
]

CLIENTS = ("twisted", "ssl", "ssl-strict", "openssl", "curl")
DEFAULT_HOSTNAME = "localhost"
MAX_BYTES = 1 << 16


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
class Request:
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
        """``"host:port"``, for messages."""
        return host_port(self.host, self.port)

    @property
    def legacy(self) -> bool:
        """Whether TLS 1.0 or 1.1 was asked for (OpenSSL then needs
        security level 0, or it refuses to offer them at all)."""
        return any(
            v is not None and v < "1.2" for v in (self.min_version, self.max_version)
        )

    @property
    def cipher_string(self) -> str | None:
        """The cipher string to offer, with security level 0 for legacy TLS."""
        if self.legacy:
            return f"{self.ciphers or 'ALL'}:@SECLEVEL=0"
        return self.ciphers

    @property
    def is_ip(self) -> bool:
        """Whether the hostname to check is an IP address."""
        try:
            ipaddress.ip_address(self.hostname)
        except ValueError:
            return False
        return True

    def peer_chain(self) -> list[x509.Certificate]:
        """The chain the server sends: known for a local GreetingServer,
        otherwise fetched once by an unverified probe (empty if that fails)."""
        if not self.known_chain:
            self.known_chain = probe_chain(self)
        return self.known_chain

    def fail(self, client: str, detail: str, **kwargs: Any) -> HandshakeError:
        """The HandshakeError for a failure (see :func:`tlslab.diagnose.classify`).

        The server's chain is looked up first when the failure is about a
        certificate and the chain is not given.
        """
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

    def greeting(
        self,
        client: str,
        data: bytes,
        tls_version: str | None,
        cipher: str | None,
        chain: Sequence[x509.Certificate],
    ) -> Greeting:
        """The Greeting a client received, once tlslab's identity check passed.

        Raises:
            HandshakeError: the leaf has no subjectAltName (``"no-san"``).
        """
        self.check_identity(client, chain)
        return Greeting(
            data=data,
            client=client,
            tls_version=tls_version,
            cipher=cipher,
            peer_chain=list(chain),
            hostname=self.hostname,
            address=(self.host, self.port),
            verified=self.verify,
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
                tool_accepted=True,
            )


def probe_chain(req: Request) -> list[x509.Certificate]:
    """Ask the server for its chain without verifying anything (diagnosis).

    Blocking, in the calling thread; any thread may call it. Returns an
    empty list when the server cannot be reached in time.
    """
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_cipher_list(b"ALL:@SECLEVEL=0")
    deadline = time.monotonic() + req.timeout
    try:
        with socket.create_connection(
            (req.host, req.port), timeout=req.timeout
        ) as sock:
            sock.setblocking(False)
            conn = SSL.Connection(ctx, sock)
            if not req.is_ip:
                conn.set_tlsext_host_name(req.hostname.encode("idna"))
            conn.set_connect_state()
            while True:
                try:
                    conn.do_handshake()
                    break
                except SSL.WantReadError:
                    ready = select.select([sock], [], [], deadline - time.monotonic())
                    if not ready[0]:
                        return []
            chain = conn.get_peer_cert_chain(as_cryptography=True) or []
            with contextlib.suppress(SSL.Error):
                conn.shutdown()
            return list(chain)
    except (OSError, ValueError, SSL.Error):
        return []


def target_address(target: object) -> tuple[str, int, list[x509.Certificate]]:
    """Host, port and (for a local GreetingServer) the chain it serves.

    Raises:
        InvalidArgument: ``target`` is no server, tuple or "host:port".
    """
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


def host_port(host: str, port: int) -> str:
    """``host:port``, with an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def default_hostname(host: str) -> str:
    """The name to check when none is given: "localhost" for a loopback
    address (what the lab's certificates name), else the host itself."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    return DEFAULT_HOSTNAME if address.is_loopback else host


def make_request(
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
) -> Request:
    """Check the arguments of ``fetch_greeting`` once, for every client.

    Raises:
        InvalidArgument: a bad target, version, timeout or trust.
        LoadError: a trust or client file could not be read.
    """
    host, port, known = target_address(target)
    protocol_version(min_version, "min_version")
    protocol_version(max_version, "max_version")
    timeout = seconds(timeout)
    if trust is None or trust == "system":
        anchors = None
    else:
        anchors = certificates_to_trust(trust)
    return Request(
        host=host,
        port=port,
        hostname=hostname or default_hostname(host),
        trust=anchors,
        client=None if client is None else as_credentials(client),
        min_version=version_text(min_version),
        max_version=version_text(max_version),
        ciphers=ciphers,
        timeout=timeout,
        verify=verify,
        known_chain=known,
    )


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

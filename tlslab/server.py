"""The greeting server: a Twisted TLS server in the background of the kernel.

``serve_greeting(site)`` starts the classic recipe's server: every client that
completes a TLS handshake receives a greeting (``Hello, World!``) and the
connection closes. It runs in the background reactor (see
:mod:`tlslab.reactor`), so the next notebook cell can point clients at it.

What happens on the server is collected as :class:`ServerEvent` entries in
``server.events``, never printed: the reactor thread must not write into
whatever cell happens to be running.

Running the same notebook cell again replaces the server that cell started
before, instead of failing with "address already in use".
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import deque
from typing import Any

from cryptography import x509
from OpenSSL import SSL
from twisted.internet import defer, error

from . import reactor as _reactor
from .credentials import Credentials, load
from .errors import InvalidArgument
from .greeter import GreetingFactory, ServerEvent, SwappableContext, build_context
from .profiles import Profile, get_profile
from .trust import certificates_to_trust

__all__ = [
    "GreetingServer",
    "ServerEvent",
    "running_servers",
    "serve_greeting",
    "stop_all",
]

logger = logging.getLogger(__name__)

DEFAULT_GREETING = b"Hello, World!"
MAX_EVENTS = 1000
_CALL_TIMEOUT = 10.0


class GreetingServer:
    """A running greeting server; made by :func:`serve_greeting`.

    Use it as a context manager to stop it at the end of a ``with`` block.

    Attributes:
        host: The address it listens on, ``"127.0.0.1"``.
        port: The port it got (the system picks one for ``port=0``).
        credentials: What it serves now (changes with :meth:`reload`).
        profile: The TLS profile's name.
        greeting: The bytes every client receives.
        timeout: Seconds before an idle or unfinished connection is dropped.
        name: The key under which re-running a cell finds it, or None.
        client_cas: The CAs it trusts for client certificates (mutual TLS),
            or None.
    """

    def __init__(
        self,
        credentials: Credentials,
        profile: Profile,
        context: SSL.Context,
        *,
        host: str,
        greeting: bytes,
        timeout: float,
        name: Any,
        client_cas: list[x509.Certificate] | None,
    ) -> None:
        from twisted.internet import reactor

        self._reactor = reactor
        self.credentials = credentials
        self._profile = profile
        self.host = host
        self.port = 0
        self.greeting = greeting
        self.timeout = timeout
        self.name = name
        self.client_cas = client_cas
        self._creator = SwappableContext(context)
        self._factory = GreetingFactory(self, self._creator)
        self._listening: Any = None
        self._events: deque[ServerEvent] = deque(maxlen=MAX_EVENTS)
        self._lock = threading.Condition()
        self._event_count = 0
        self._stopped = False

    # -- reactor thread ---------------------------------------------------

    def _listen(self, port: int) -> None:
        self._listening = self._reactor.listenTCP(
            port, self._factory, interface=self.host
        )
        self.port = self._listening.getHost().port

    def _shutdown(self) -> defer.Deferred[Any]:
        self._factory.stopping = True
        waits = [defer.maybeDeferred(self._listening.stopListening)]
        for conn in list(self._factory.live):
            waits.append(conn.closed)
            conn.transport.abortConnection()
        return defer.DeferredList(waits)

    def _add_event(self, event: ServerEvent) -> None:
        with self._lock:
            self._events.append(event)
            self._event_count += 1
            self._lock.notify_all()
        logger.info("%s: %s", self, event)

    # -- any thread -------------------------------------------------------

    @property
    def profile(self) -> str:
        """The TLS profile's name (``"intermediate"``, ...)."""
        return self._profile.name

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)``, for clients."""
        return (self.host, self.port)

    @property
    def url(self) -> str:
        """``https://127.0.0.1:PORT/``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}/"

    @property
    def running(self) -> bool:
        """Whether it still accepts connections."""
        return not self._stopped

    @property
    def mutual_tls(self) -> bool:
        """Whether it requires client certificates."""
        return bool(self.client_cas)

    @property
    def events(self) -> list[ServerEvent]:
        """What happened so far, oldest first (the last 1000 connections).

        Any thread may read this; the list is a copy.
        """
        with self._lock:
            return list(self._events)

    @property
    def event_count(self) -> int:
        """How many events were recorded since the start (clearing keeps it)."""
        with self._lock:
            return self._event_count

    def wait_for_events(self, count: int, timeout: float = 2.0) -> bool:
        """Wait until ``event_count`` reaches ``count``; False on timeout.

        A client can finish before the server has written down its side of
        the connection; this waits for it. Any thread but the reactor thread
        may call this.
        """
        with self._lock:
            return self._lock.wait_for(lambda: self._event_count >= count, timeout)

    def clear_events(self) -> None:
        """Forget the events so far. Any thread may call this."""
        with self._lock:
            self._events.clear()

    def reload(self, new_credentials: Credentials | str | os.PathLike[str]) -> None:
        """Serve new credentials to new connections, without a restart.

        Connections in progress keep the old certificate. Any thread but the
        reactor thread may call this.

        Raises:
            InvalidArgument: OpenSSL refused the new credentials (the old ones
                stay in use), or the server has stopped.
            LoadError: a path could not be read.
        """
        if self._stopped:
            raise InvalidArgument(
                f"{self!r} has stopped, so it cannot reload; start a new one "
                "with tlslab.serve_greeting()"
            )
        creds = as_credentials(new_credentials)
        context = build_context(creds, self._profile, self.client_cas)
        self._creator.context = context  # one attribute: atomic for new connections
        self.credentials = creds
        logger.info("%s: reloaded with %r", self, creds)

    def stop(self) -> None:
        """Stop listening, drop open connections and release the port.

        Idempotent. Any thread but the reactor thread may call this.

        Raises:
            ReactorError: the background reactor has stopped.
            WaitTimeout: the server did not stop within 10 seconds.
        """
        with _registry_lock:
            if self._stopped:
                return
            self._stopped = True
            _running.discard(self)
            if _named.get(self.name) is self:
                del _named[self.name]
        _reactor.call(
            self._shutdown,
            timeout=_CALL_TIMEOUT,
            what=f"the greeting server on port {self.port} to stop",
        )
        logger.info("%s: stopped", self)

    def __enter__(self) -> GreetingServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        names = ", ".join(self.credentials.names) or "no SAN"
        extras = [self.profile]
        if self.mutual_tls:
            extras.append("mutual TLS")
        state = "running" if self.running else "stopped"
        return (
            f"<GreetingServer {self.url} serving {names} ({', '.join(extras)}), "
            f"{state}, {len(self._events)} events>"
        )


# Servers by key, so re-running a cell replaces the server it started.
_registry_lock = threading.RLock()
_named: dict[Any, GreetingServer] = {}
_running: set[GreetingServer] = set()


def as_credentials(value: object) -> Credentials:
    """Credentials as given, or loaded from a save() stem or PEM file.

    Raises:
        InvalidArgument: ``value`` is neither.
        LoadError: the files could not be read.
    """
    if isinstance(value, Credentials):
        return value
    if isinstance(value, (str, bytes, os.PathLike)):
        return load(value)
    raise InvalidArgument(
        f"credentials={value!r} are not credentials; pass what "
        "CertificateAuthority.issue() or tlslab.self_signed() returned, or "
        "the stem or PEM file that Credentials.save() wrote"
    )


def seconds(timeout: object) -> float:
    """``timeout`` as a float, checked once for servers and clients alike.

    Raises:
        InvalidArgument: it is not a positive number.
    """
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise InvalidArgument(
            f"timeout={timeout!r} is not a positive number of seconds; pass "
            "something like timeout=5"
        )
    return float(timeout)


def _calling_cell() -> Any:
    """A key for the notebook cell that called, or None outside a notebook.

    IPython compiles each cell under a file name made from a hash of its
    code, so running the same cell again gives the same key.
    """
    frame = sys._getframe(1)
    package = __name__.rpartition(".")[0]
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
        package + "."
    ):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return None
    filename = frame.f_code.co_filename
    if filename.startswith("<ipython-input-") or f"ipykernel_{os.getpid()}" in (
        filename
    ):
        return ("cell", filename, frame.f_lineno)
    return None


def serve_greeting(
    credentials: Credentials | str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    greeting: bytes | str = DEFAULT_GREETING,
    require_client_cert: object = None,
    profile: str | Profile = "intermediate",
    timeout: float = 5.0,
    name: Any = None,
) -> GreetingServer:
    """Start the greeting TLS server in the background and return its handle.

    Every client that completes the handshake receives ``greeting`` and the
    connection closes. Running the same notebook cell again (or calling
    again with the same ``name``, or the same fixed ``port``) stops the
    server started before and starts a new one.

    Any thread but the reactor thread may call this (a notebook cell).

    Args:
        credentials: What to serve: Credentials, or a stem or PEM file for
            :func:`tlslab.load`.
        host: The address to listen on.
        port: The port; 0 lets the system pick a free one (``server.port``).
        greeting: The bytes to send (text is UTF-8 encoded).
        require_client_cert: Require client certificates issued by these
            CAs (mutual TLS): a CertificateAuthority, certificate(s), or a
            PEM file.
        profile: ``"intermediate"`` (Mozilla, the default), ``"modern"``
            (TLS 1.3 only) or ``"legacy-insecure"`` (for failure lessons).
        timeout: Seconds after which a connection that has not finished the
            handshake, or stays after the greeting, is dropped.
        name: A key: a new server with the same name replaces the old one.

    Raises:
        InvalidArgument: a bad argument, OpenSSL refused the credentials, or
            the port is taken by another program.
        LoadError: a credentials file could not be read.
        KeyMismatchError: the key does not belong to the certificate.
        ReactorError: the background reactor has stopped; restart the kernel.
    """
    creds = as_credentials(credentials)
    chosen = get_profile(profile)
    if isinstance(greeting, str):
        greeting = greeting.encode()
    timeout = seconds(timeout)
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise InvalidArgument(
            f"port={port!r} is not a port number; pass 0 to let the system "
            "pick a free port"
        )
    cas = (
        certificates_to_trust(require_client_cert, "require_client_cert")
        if require_client_cert is not None
        else None
    )
    context = build_context(creds, chosen, cas)
    key = name if name is not None else _calling_cell()

    with _registry_lock:
        old = [s for s in _running if key is not None and s.name == key]
        old += [s for s in _running if port and s.port == port and s.host == host]
    for server in old:
        server.stop()

    server = GreetingServer(
        creds,
        chosen,
        context,
        host=host,
        greeting=greeting,
        timeout=timeout,
        name=key,
        client_cas=cas,
    )
    try:
        _reactor.call(
            server._listen,
            port,
            timeout=_CALL_TIMEOUT,
            what=f"the greeting server to listen on {host}:{port}",
        )
    except error.CannotListenError as exc:
        raise InvalidArgument(
            f"cannot listen on {host}:{port} ({exc.socketError}); pass port=0 "
            "to let the system pick a free port, or stop what uses this one"
        ) from None
    with _registry_lock:
        _running.add(server)
        if key is not None:
            _named[key] = server
    logger.info("started %r", server)
    return server


def running_servers() -> list[GreetingServer]:
    """The greeting servers that run now. Any thread may call this."""
    with _registry_lock:
        return sorted(_running, key=lambda s: s.port)


def stop_all() -> None:
    """Stop every greeting server started in this process.

    Any thread but the reactor thread may call this.
    """
    for server in running_servers():
        server.stop()

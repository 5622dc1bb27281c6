"""Faults and load: odd clients, many clients, many servers, no leaks."""

from __future__ import annotations

import gc
import os
import shutil
import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

import tlslab


@pytest.fixture(scope="module")
def server(site: tlslab.Credentials) -> Iterator[tlslab.GreetingServer]:
    """A server with the default settings."""
    with tlslab.serve_greeting(site, name="test_failures") as running:
        yield running


@pytest.fixture
def impatient(site: tlslab.Credentials) -> Iterator[tlslab.GreetingServer]:
    """A server that drops idle connections after half a second."""
    with tlslab.serve_greeting(site, timeout=0.5, name="test_failures 0.5") as running:
        yield running


def _read_until_closed(sock: socket.socket) -> bytes:
    try:
        return sock.recv(1)
    except ConnectionResetError:
        return b""


def _last_event(server: tlslab.GreetingServer, before: int) -> tlslab.ServerEvent:
    assert server.wait_for_events(before + 1, timeout=5)
    return server.events[-1]


def test_plain_http_gets_an_answer(server: tlslab.GreetingServer) -> None:
    """Plain HTTP on the TLS port gets a 400 that says to use https://."""
    with socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.0 400") and b"use https://" in answer


def test_plain_http_becomes_an_event(server: tlslab.GreetingServer) -> None:
    """Plain HTTP on the TLS port is recorded as exactly that."""
    before = server.event_count
    with socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
        sock.recv(4096)
    event = _last_event(server, before)
    assert (event.outcome, "plain HTTP ('GET /index.html HTTP/1.1')") == (
        "plain-http",
        event.detail.split(" to ")[0].removeprefix("the client sent "),
    )


def test_other_bytes_become_not_tls(server: tlslab.GreetingServer) -> None:
    """Bytes that are neither TLS nor HTTP are recorded as 'not-tls'."""
    before = server.event_count
    with socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
        sock.recv(4096)
    assert _last_event(server, before).outcome == "not-tls"


def test_silent_client_is_dropped(impatient: tlslab.GreetingServer) -> None:
    """A client that connects and says nothing is dropped after the timeout."""
    before = impatient.event_count
    with socket.create_connection(impatient.address, timeout=5) as sock:
        assert _read_until_closed(sock) == b""
    assert _last_event(impatient, before).reason == "timeout"


def test_client_hanging_up_mid_handshake(server: tlslab.GreetingServer) -> None:
    """A client that sends half a ClientHello and leaves is recorded as 'closed'."""
    hello = ssl.create_default_context().wrap_bio(
        ssl.MemoryBIO(), outgoing := ssl.MemoryBIO(), server_hostname="localhost"
    )
    with pytest.raises(ssl.SSLWantReadError):
        hello.do_handshake()
    before = server.event_count
    with socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(outgoing.read()[:40])
    assert _last_event(server, before).outcome == "closed"


def test_client_staying_after_the_greeting_is_dropped(
    impatient: tlslab.GreetingServer, ca: tlslab.CertificateAuthority
) -> None:
    """A client that keeps the connection open after the greeting is dropped."""
    context = ssl.create_default_context(cadata=ca.cert_pem.decode())
    before = impatient.event_count
    with socket.create_connection(impatient.address, timeout=5) as sock:
        tls = context.wrap_socket(sock, server_hostname="localhost")
        data = tls.recv(100)
        # Do not answer the server's close_notify; just wait.
        assert impatient.wait_for_events(before + 2, timeout=5)
        tls.close()
    assert (data, impatient.events[-1].outcome) == (b"Hello, World!", "timeout")


def test_200_sequential_handshakes(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority
) -> None:
    """Two hundred fetches one after another all succeed."""
    vias = ["twisted", "ssl"] * 100
    replies = [tlslab.fetch_greeting(server, trust=ca, via=via).data for via in vias]
    assert replies == [b"Hello, World!"] * 200


def test_50_concurrent_handshakes(
    server: tlslab.GreetingServer, ca: tlslab.CertificateAuthority
) -> None:
    """Fifty fetches at once, from fifty threads, all succeed."""

    def fetch(index: int) -> bytes:
        via = "twisted" if index % 2 else "ssl"
        return tlslab.fetch_greeting(server, trust=ca, via=via, timeout=20).data

    with ThreadPoolExecutor(max_workers=50) as pool:
        replies = list(pool.map(fetch, range(50)))
    assert replies == [b"Hello, World!"] * 50


def test_100_start_stop_cycles(site: tlslab.Credentials) -> None:
    """Starting and stopping a hundred times leaves nothing running."""
    made = []
    for _ in range(100):
        server = tlslab.serve_greeting(site)
        server.stop()
        made.append(server)
    assert not set(made) & set(tlslab.running_servers())


def _open_fds() -> int:
    gc.collect()
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc (Linux)")
def test_file_descriptors_come_back(
    site: tlslab.Credentials, ca: tlslab.CertificateAuthority
) -> None:
    """After stop(), the process has as many open files as before the start."""
    tlslab.serve_greeting(site).stop()  # the reactor's own files exist from here
    start = _open_fds()
    server = tlslab.serve_greeting(site)
    for via in ("twisted", "ssl", "twisted", "ssl"):
        tlslab.fetch_greeting(server, trust=ca, via=via)
    with socket.create_connection(server.address):
        pass
    server.stop()
    time.sleep(0.1)
    assert _open_fds() == start


@pytest.mark.parametrize("via", tlslab.client.CLIENTS)
def test_one_event_per_fetch(
    impatient: tlslab.GreetingServer, ca: tlslab.CertificateAuthority, via: str
) -> None:
    """A client that got the greeting leaves at once: the server records one event."""
    if via in ("openssl", "curl") and shutil.which(via) is None:
        pytest.skip(f"needs the {via} command: apt-get install {via}")
    before = impatient.event_count
    tlslab.fetch_greeting(impatient, trust=ca, via=via)
    # The server drops lingering clients after 0.5 s, with a second event.
    assert not impatient.wait_for_events(before + 2, timeout=1.5)
    assert [e.outcome for e in impatient.events[before:]] == ["greeted"]


def test_one_event_per_refused_handshake(impatient: tlslab.GreetingServer) -> None:
    """A handshake the client refuses ends the connection: one event, no timeout."""
    stranger = tlslab.CertificateAuthority.create("tlslab Test Stranger Root")
    before = impatient.event_count
    with pytest.raises(tlslab.HandshakeError):
        tlslab.fetch_greeting(impatient, trust=stranger)
    assert not impatient.wait_for_events(before + 2, timeout=1.5)
    assert [e.outcome for e in impatient.events[before:]] == ["failed"]

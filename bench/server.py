"""Starting and stopping the greeting server from a cell, and the first greeting.

Everything runs in this process, as in a kernel: the calling thread is the
cell's, the server lives in crochet's reactor thread. The floor is what any
background server pays: a crochet round trip that opens a listening TCP port
(and one that closes it), timed in the same rounds as tlslab's start and stop.
"""

from __future__ import annotations

import time
from typing import Any

from .common import Settings, row

AREA = "server"
TITLE = "Server start, stop and first greeting"


def _floor() -> tuple[Any, Any]:
    """Start and stop functions for a bare listening port via crochet."""
    from twisted.internet import protocol, reactor

    from tlslab import reactor as background

    def listen() -> Any:
        factory = protocol.Factory.forProtocol(protocol.Protocol)
        return reactor.listenTCP(0, factory, interface="127.0.0.1")

    def start() -> Any:
        return background.call(listen, timeout=10, what="listen")

    def stop(port: Any) -> None:
        background.call(port.stopListening, timeout=10, what="stop listening")

    return start, stop


def run(settings: Settings) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """Time start, stop, a crochet round trip and start-to-first-greeting."""
    import tlslab

    serve, fetch = tlslab.serve_greeting, tlslab.fetch_greeting
    from tlslab import reactor as background

    ca = tlslab.CertificateAuthority.create("bench Root CA")
    site = ca.issue("localhost", "127.0.0.1")
    floor_start, floor_stop = _floor()

    for _ in range(3):  # warm-up: reactor start, imports, first contexts
        server = serve(site)
        fetch(server, trust=ca)
        server.stop()
        floor_stop(floor_start())

    rounds = settings.pick(40, 3)
    trips = []
    for _ in range(settings.pick(300, 20)):
        start = time.perf_counter()
        background.call(lambda: None, timeout=10, what="a round trip")
        trips.append(time.perf_counter() - start)

    starts: dict[str, list[float]] = {"tlslab": [], "floor": []}
    stops: dict[str, list[float]] = {"tlslab": [], "floor": []}
    first: dict[str, list[float]] = {"twisted": [], "ssl": []}
    for index in range(rounds):
        sides = ["tlslab", "floor"] if index % 2 == 0 else ["floor", "tlslab"]
        for side in sides:
            begin = time.perf_counter()
            handle = serve(site) if side == "tlslab" else floor_start()
            middle = time.perf_counter()
            handle.stop() if side == "tlslab" else floor_stop(handle)
            starts[side].append(middle - begin)
            stops[side].append(time.perf_counter() - middle)
        for via in ("twisted", "ssl") if index % 2 == 0 else ("ssl", "twisted"):
            begin = time.perf_counter()
            server = serve(site)
            fetch(server, trust=ca, via=via)
            first[via].append(time.perf_counter() - begin)
            server.stop()

    server = serve(site)
    try:
        fetches: dict[str, list[float]] = {"twisted": [], "ssl": []}
        for index in range(rounds):
            for via in ("twisted", "ssl") if index % 2 == 0 else ("ssl", "twisted"):
                begin = time.perf_counter()
                fetch(server, trust=ca, via=via)
                fetches[via].append(time.perf_counter() - begin)
    finally:
        server.stop()

    rows = [
        row("crochet round trip (call into the reactor and back)", trips),
        row(
            "serve_greeting(site): start",
            starts["tlslab"],
            peer="floor: round trip + listenTCP",
            peer_samples=starts["floor"],
        ),
        row(
            "server.stop()",
            stops["tlslab"],
            peer="floor: round trip + stopListening",
            peer_samples=stops["floor"],
        ),
        row("start to first greeting, fetch via twisted", first["twisted"]),
        row("start to first greeting, fetch via ssl", first["ssl"]),
        row("fetch_greeting, running server, via twisted", fetches["twisted"]),
        row("fetch_greeting, running server, via ssl", fetches["ssl"]),
    ]
    notes = [
        "Times are wall-clock from the calling (cell) thread, with the reactor "
        "in crochet's thread; the TLS context is built at start, so start "
        "includes loading the key and certificate into OpenSSL.",
        "Start to first greeting = serve_greeting + one verifying "
        "fetch_greeting (EC P-256 leaf, TLS 1.3).",
    ]
    return rows, notes, {}

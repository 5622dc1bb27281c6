"""Handshakes: tlslab's greeting server against asyncio and ``openssl s_server``.

Each server runs in its own process with the same certificate and key. One
client process (Python ``ssl``, verifying the chain and the host name) makes
sequential handshakes and reads the reply to the end. The server's CPU time
per handshake is read from its process (user + system, before and after each
batch): on a two-core machine that is the figure to trust, since the client
costs as much as the server. Throughput is handshakes per second of client
wall time, for one sequential client.

The three servers take turns batch by batch, in an order that rotates each
round. The peers get the default profile's TLS 1.2 cipher list; TLS 1.3 and the
key exchange group (X25519, the client's first choice) are each side's default.
``openssl s_server -WWW`` answers an HTTP GET with a file, so its client sends
one short request line; the greeting servers send on connect.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from .common import Settings, Unavailable, ratio, row, spread

AREA = "handshakes"
TITLE = "Handshakes: server CPU and throughput"
SERVERS = ("tlslab", "asyncio", "openssl")
VERSIONS = ("1.2", "1.3")
GREETING = b"Hello, World!\n"

CLIENT = r"""
import json, socket, ssl, sys, time
for line in sys.stdin:
    job = json.loads(line)
    ctx = ssl.create_default_context(cafile=job["cafile"])
    version = getattr(ssl.TLSVersion, "TLSv" + job["version"].replace(".", "_"))
    ctx.minimum_version = ctx.maximum_version = version
    request = job["request"].encode()
    start = time.perf_counter()
    for _ in range(job["n"]):
        with socket.create_connection(("127.0.0.1", job["port"]), 30) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                if request:
                    tls.sendall(request)
                data = b""
                while chunk := tls.recv(4096):
                    data += chunk
                facts = [tls.version(), tls.cipher()[0], len(data)]
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "facts": facts}), flush=True)
"""

ASYNCIO_SERVER = r"""
import asyncio, ssl, sys
cert, key, ciphers = sys.argv[1:4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.set_ciphers(ciphers)
ctx.load_cert_chain(cert, key)

async def greet(reader, writer):
    writer.write(b"Hello, World!\n")
    try:
        await writer.drain()
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(greet, "127.0.0.1", 0, ssl=ctx)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""

TLSLAB_SERVER = r"""
import sys, tlslab
site = tlslab.load(sys.argv[1])
server = tlslab.serve_greeting(site, greeting=b"Hello, World!\n")
print(server.port, flush=True)
sys.stdin.read()
server.stop()
"""


def _cpu(pid: int) -> float:
    """Seconds of CPU a process has used, all its threads together.

    Linux's per-thread schedstat counts nanoseconds; psutil's user + system
    times (the fallback) count clock ticks of 10 ms.
    """
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return (
            sum(int((task / "schedstat").read_text().split()[0]) for task in tasks)
            / 1e9
        )
    except OSError:
        import psutil

        times = psutil.Process(pid).cpu_times()
        return times.user + times.system


class Server:
    """A server process: its pid, port, and the request its client sends."""

    def __init__(self, name: str, process: subprocess.Popen[str], port: int) -> None:
        self.name = name
        self.process = process
        self.port = port
        self.request = "GET /greeting.txt HTTP/1.0\r\n\r\n" if name == "openssl" else ""

    def stop(self) -> None:
        """Close its stdin (the Python servers stop) and end the process."""
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(5)


def _python_server(name: str, code: str, *args: str) -> Server:
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        # A server that hangs before printing its port is killed; the read
        # below then ends.
        watchdog = threading.Timer(60, process.kill)
        watchdog.start()
        try:
            line = process.stdout.readline() if process.stdout else ""
        finally:
            watchdog.cancel()
        if not line.strip().isdigit():
            process.kill()
            process.wait()
            errors.seek(0)
            said = errors.read()[-600:]
            raise RuntimeError(f"the {name} server did not start: {said}")
    return Server(name, process, int(line))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _openssl_server(folder: Path, cert: Path, key: Path, ciphers: str) -> Server:
    port = _free_port()
    process = subprocess.Popen(
        [
            *("openssl", "s_server", "-accept", f"127.0.0.1:{port}"),
            *("-cert", str(cert), "-key", str(key), "-WWW", "-quiet"),
            *("-cipher", ciphers, "-groups", "X25519:P-256:P-384"),
        ],
        cwd=folder,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return Server("openssl", process, port)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("openssl s_server did not start listening")


class Client:
    """The one client process; runs batches of sequential handshakes."""

    def __init__(self, cafile: Path) -> None:
        self.cafile = str(cafile)
        self.process = subprocess.Popen(
            [sys.executable, "-c", CLIENT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def batch(self, server: Server, n: int, version: str) -> dict[str, Any]:
        """Make ``n`` handshakes; the client's seconds and the last one's facts."""
        job = {
            "port": server.port,
            "n": n,
            "version": version,
            "request": server.request,
            "cafile": self.cafile,
        }
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the client failed against the {server.name} server")
        return json.loads(line)

    def close(self) -> None:
        """End the client process."""
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(10)


@contextmanager
def _servers(folder: Path, kind: str) -> Iterator[tuple[dict[str, Server], Path]]:
    import tlslab
    from tlslab.profiles import get_profile

    ciphers = get_profile("intermediate").ciphers
    ca = tlslab.CertificateAuthority.create("bench Root CA")
    key = tlslab.new_key("rsa") if kind == "RSA 2048" else tlslab.new_key("ec")
    paths = ca.issue("localhost", "127.0.0.1", key=key).save(
        folder / kind[:2], overwrite=True
    )
    cafile = folder / f"{kind[:2]}-ca.pem"
    cafile.write_bytes(ca.cert_pem)
    with ExitStack() as stack:
        servers = {
            "tlslab": _python_server("tlslab", TLSLAB_SERVER, str(folder / kind[:2])),
        }
        stack.callback(servers["tlslab"].stop)
        servers["asyncio"] = _python_server(
            "asyncio", ASYNCIO_SERVER, str(paths.fullchain), str(paths.key), ciphers
        )
        stack.callback(servers["asyncio"].stop)
        servers["openssl"] = _openssl_server(
            folder, paths.fullchain, paths.key, ciphers
        )
        stack.callback(servers["openssl"].stop)
        yield servers, cafile


def _check_tools() -> None:
    if shutil.which("openssl") is None:
        raise Unavailable("openssl is not installed (apt-get install openssl)")
    try:
        import psutil  # noqa: F401
    except ImportError:
        raise Unavailable("psutil is missing: pip install -e '.[bench]'") from None


def _measure(settings: Settings, folder: Path) -> tuple[dict, dict]:
    rounds, n = settings.pick(8, 1), settings.pick(100, 10)
    cpu: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    rate: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    facts: dict[str, Any] = {}
    for kind in ("EC P-256", "RSA 2048"):
        with _servers(folder, kind) as (servers, cafile):
            client = Client(cafile)
            try:
                for version in VERSIONS:  # warm-up, and what was negotiated
                    for name, server in servers.items():
                        got = client.batch(server, 3, version)
                        facts[f"{kind} TLS {version} {name}"] = got["facts"]
                for index in range(rounds):
                    for version in VERSIONS:
                        shift = index % len(SERVERS)
                        for name in SERVERS[shift:] + SERVERS[:shift]:
                            server = servers[name]
                            before = _cpu(server.process.pid)
                            got = client.batch(server, n, version)
                            used = _cpu(server.process.pid) - before
                            cpu[kind, version, name].append(used / n)
                            rate[kind, version, name].append(n / got["seconds"])
            finally:
                client.close()
    return {"cpu": cpu, "rate": rate}, facts


def _profile(folder: Path, settings: Settings) -> list[str]:
    """Sample the tlslab server with py-spy during EC TLS 1.3 handshakes."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return ["py-spy is not installed, so no profile was taken"]
    out = folder / "profile.txt"
    with _servers(folder, "EC P-256") as (servers, cafile):
        client = Client(cafile)
        server = servers["tlslab"]
        seconds = settings.pick(6, 1)
        spy_run = subprocess.Popen(
            [
                *(spy, "record", "-p", str(server.process.pid), "-d", str(seconds)),
                *("-r", "250", "-f", "raw", "-o", str(out), "--full-filenames"),
                "--native",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + seconds + 1
            while time.monotonic() < deadline and spy_run.poll() is None:
                client.batch(server, 20, "1.3")
            spy_run.wait(30)
        finally:
            client.close()
    if not out.exists():
        return ["py-spy could not attach (it needs ptrace permission)"]
    return _summarise_stacks(out.read_text())


def _file(frame: str) -> str:
    inside = frame.rpartition("(")[2].rstrip(")")
    path = inside.split(":")[0]
    for marker in ("site-packages/", "lib/python3.11/", "/tlslab/"):
        if marker in path:
            rest = path.split(marker, 1)[1]
            return "tlslab/" + rest if marker == "/tlslab/" else rest
    return Path(path).name if "/" in path else path


# Threads that wait: crochet's watchdog and log reader, the reactor in epoll.
_IDLE = (
    "time_sleep",
    "Watchdog.run",
    "ThreadLogObserver._reader",
    "select_epoll_poll",
    "PyThread_acquire_lock_timed",
)


_PYTHON_FRAME = re.compile(r"(\.py|<string>):\d+\)$")


def _is_python(frame: str) -> bool:
    """py-spy writes Python frames as ``name (file:line)``, native ones without."""
    return bool(_PYTHON_FRAME.search(frame))


def _python_package(frames: list[str]) -> str:
    for frame in reversed(frames):
        where = _file(frame)
        if _is_python(frame):
            top = where.split("/")[0]
            if top == "OpenSSL":
                return "pyOpenSSL"
            if top in {"twisted", "tlslab", "zope", "crochet"}:
                return top
            return "stdlib"
    return "interpreter"


def _category(frames: list[str]) -> str:
    """What a busy sample was doing, by the binary its innermost frame is in."""
    leaf = frames[-1]
    last_python = max((i for i, f in enumerate(frames) if _is_python(f)), default=-1)
    native = " ".join(frames[last_python + 1 :])
    if any(lib in native for lib in ("libcrypto", "libssl", "_rust")):
        return "OpenSSL (in cryptography's bindings): handshake and crypto"
    if "_cffi_backend" in leaf:
        return "cffi calls into OpenSSL"
    if "libc.so" in leaf or "vdso" in leaf:
        python = [f.split(" (")[0] for f in frames if _is_python(f)]
        if python and python[-1] == "untilConcludes":
            return "send() system calls (on loopback, they also run the receive path)"
        return "other system calls (accept, recv, epoll_ctl, close) and malloc"
    return f"Python: {_python_package(frames)}"


def _summarise_stacks(text: str) -> list[str]:
    """Where the busy samples fall: by binary, and Python time by package."""
    total = 0
    kinds: dict[str, int] = defaultdict(int)
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        frames = stack.split(";")
        names = [frame.split(" (")[0] for frame in frames]
        if any(name in _IDLE for name in names):
            continue  # a thread waiting: the reactor in epoll, crochet's watchdog
        python = [n for n, f in zip(names, frames, strict=True) if _is_python(f)]
        if python and python[-1] in {"EPollReactor.doPoll", "<module>"}:
            continue  # the reactor between events; the main thread on stdin
        count = int(count_text)
        total += count
        kinds[_category(frames)] += count
    if not total:
        return ["the profile holds no busy samples"]
    ranked = sorted(kinds.items(), key=lambda item: -item[1])
    return [
        "Profile of the tlslab server (py-spy --native, EC P-256, TLS 1.3): "
        "busy samples by where they were: "
        + "; ".join(f"{name} {count / total:.0%}" for name, count in ranked)
        + ". Python time is charged to the innermost Python frame's package."
    ]


def run(settings: Settings) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """Measure CPU per handshake and throughput for the three servers."""
    _check_tools()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "greeting.txt").write_bytes(GREETING)
        data, facts = _measure(settings, folder)
        cpu, rate = data["cpu"], data["rate"]
        rows: list[dict[str, Any]] = []
        missed = False
        for kind in ("EC P-256", "RSA 2048"):
            for version in VERSIONS:
                mine = cpu[kind, version, "tlslab"]
                for peer, target, limit in (
                    ("asyncio", "ratio <= 1.05 (no worse)", 1.05),
                    ("openssl", "ratio <= 1.30", 1.30),
                ):
                    line = row(
                        f"server CPU per handshake, {kind}, TLS {version}",
                        mine,
                        peer=f"{peer} server",
                        peer_samples=cpu[kind, version, peer],
                        target=target,
                    )
                    line["passed"] = line["ratio"] <= limit
                    missed = missed or not line["passed"]
                    rows.append(line)
                for peer in ("asyncio", "openssl"):
                    rows.append(
                        row(
                            f"handshakes per second (1 client), {kind}, TLS {version}",
                            rate[kind, version, "tlslab"],
                            unit="1/s",
                            scale=1.0,
                            peer=f"{peer} server",
                            peer_samples=rate[kind, version, peer],
                        )
                    )
        profile = _profile(folder, settings) if missed else []
    labels = [f"{k}\nTLS {v}" for k in ("EC P-256", "RSA 2048") for v in VERSIONS]
    series = {
        name: [
            spread(cpu[k, v, name], 1e3)["median"]
            for k in ("EC P-256", "RSA 2048")
            for v in VERSIONS
        ]
        for name in SERVERS
    }
    plot = {
        "title": "server CPU per handshake (lower is better)",
        "ylabel": "ms CPU",
        "labels": labels,
        "series": series,
        "hline": None,
    }
    medians = {
        f"{k} TLS {v} {s}": {
            "cpu_ms": spread(cpu[k, v, s], 1e3)["median"],
            "per_second": spread(rate[k, v, s])["median"],
        }
        for k in ("EC P-256", "RSA 2048")
        for v in VERSIONS
        for s in SERVERS
    }
    openssl_ratios = {
        f"{k} TLS {v}": ratio(cpu[k, v, "tlslab"], cpu[k, v, "openssl"])
        for k in ("EC P-256", "RSA 2048")
        for v in VERSIONS
    }
    notes = [
        "Negotiated (version, cipher, reply bytes) per server, from the client: "
        + "; ".join(f"{key}: {value}" for key, value in facts.items()),
        "CPU per handshake is the server process's CPU time (all threads, "
        "from /proc schedstat) over a batch, divided by the batch's handshakes; "
        "it includes accepting the connection, the handshake, the reply and the close.",
        *profile,
    ]
    details = {
        "medians": medians,
        "tlslab_over_openssl": openssl_ratios,
        "facts": facts,
        "profile": profile,
        "plot": plot,
    }
    return rows, notes, details

"""The background reactor: started once, errors that say what to do."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest
from twisted.internet import defer

import tlslab
from tlslab import reactor


def test_ensure_running_is_idempotent() -> None:
    """Starting twice leaves one running reactor."""
    reactor.ensure_running()
    reactor.ensure_running()
    assert reactor.reactor_running()


def test_call_runs_in_the_reactor_thread() -> None:
    """call() runs the function in the reactor's thread and returns its result."""
    name = reactor.call(
        lambda: threading.current_thread().name, timeout=5, what="a thread name"
    )
    assert name == "CrochetReactor"


def test_call_raises_what_the_function_raised() -> None:
    """An exception in the reactor thread comes back to the caller."""

    def broken() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        reactor.call(broken, timeout=5, what="a broken function")


def test_timeout_says_what_was_waited_for() -> None:
    """A Deferred that never fires becomes WaitTimeout naming what and how long."""
    with pytest.raises(tlslab.WaitTimeout, match=r"waited 0\.2 seconds for a reply"):
        reactor.call(defer.Deferred, timeout=0.2, what="a reply")


def test_call_from_the_reactor_thread_is_refused() -> None:
    """Waiting from the reactor thread would hang, so it raises ReactorError."""

    def nested() -> None:
        reactor.call(lambda: None, timeout=1, what="an inner call")

    with pytest.raises(tlslab.ReactorError, match="from the reactor thread itself"):
        reactor.call(nested, timeout=5, what="an outer call")


def test_stopped_reactor_says_restart_the_kernel() -> None:
    """After reactor.stop(), serve_greeting says to restart the kernel."""
    script = textwrap.dedent(
        """
        import time
        import tlslab
        from tlslab import reactor
        from twisted.internet import reactor as twisted_reactor

        site = tlslab.self_signed("localhost")
        tlslab.serve_greeting(site).stop()
        twisted_reactor.callFromThread(twisted_reactor.stop)
        time.sleep(0.5)
        try:
            tlslab.serve_greeting(site)
        except tlslab.ReactorError as exc:
            print("ReactorError:", exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert "restart the kernel" in done.stdout, done.stderr


def test_plain_python_process_exits_cleanly() -> None:
    """A script that starts a server and forgets to stop it still exits."""
    script = textwrap.dedent(
        """
        import tlslab
        site = tlslab.self_signed("localhost")
        server = tlslab.serve_greeting(site)
        print(tlslab.fetch_greeting(server, trust=site).text)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip()) == (0, "Hello, World!")

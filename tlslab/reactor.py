"""The one background Twisted reactor, run in a thread through crochet.

This is the only module that imports crochet. It starts the reactor once per
process (in Jupyter's kernel and in plain Python alike), runs functions in the
reactor thread for the other modules, and turns crochet's bare exceptions into
tlslab errors that say what happened and what to do.

Threads: :func:`call` and :func:`ensure_running` are for any thread except the
reactor thread itself; calling them from the reactor thread would wait for
the very thread that is waiting, so they refuse with :class:`ReactorError`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import crochet

from .errors import ReactorError, WaitTimeout

__all__ = ["call", "ensure_running", "in_reactor_thread", "reactor_running"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_lock = threading.Lock()
_started = False

_RESTART = (
    "the background Twisted reactor has stopped (something called "
    "reactor.stop(), or the interpreter is shutting down), and a reactor "
    "cannot be started twice in one process; restart the kernel (or the "
    "Python process) and run the cells again"
)


def ensure_running() -> None:
    """Start the background reactor thread unless it runs already.

    Safe to call many times, from any thread but the reactor's; only the first
    call starts anything. Twisted's log messages go to the ``logging`` module
    (never straight to the output of a notebook cell).

    Raises:
        ReactorError: the reactor ran once and has stopped since.
    """
    global _started
    with _lock:
        if not _started:
            # crochet sends Twisted's log to the logging module. Without a
            # handler there, logging's last resort would print Twisted's
            # errors to stderr, which in Jupyter lands in whatever cell runs
            # at that moment. A NullHandler keeps them quiet unless the
            # application configures logging itself.
            logging.getLogger("twisted").addHandler(logging.NullHandler())
            crochet.setup()
            _started = True
            # The reactor thread is starting; wait for it to run one call,
            # so that reactor.running is true from here on.
            crochet.run_in_reactor(lambda: None)().wait(30)
            logger.debug("started the background Twisted reactor")
    if not reactor_running():
        raise ReactorError(_RESTART)


def reactor_running() -> bool:
    """Whether the background reactor is up (False before the first start).

    Any thread may call this.
    """
    from twisted.internet import reactor

    return bool(_started and reactor.running)  # type: ignore[attr-defined]


def in_reactor_thread() -> bool:
    """Whether the calling thread is the reactor thread. Any thread may call."""
    from twisted.python import threadable

    return bool(_started and threadable.isInIOThread())


def call(
    function: Callable[..., Any],
    *args: Any,
    timeout: float,
    what: str,
    **kwargs: Any,
) -> Any:
    """Run ``function(*args, **kwargs)`` in the reactor thread and wait.

    ``function`` may return a plain value or a Deferred; its result (or
    exception) comes back to the caller. On a timeout the Deferred is
    cancelled.

    Must be called from a thread other than the reactor thread (a notebook
    cell, a widget callback, a test).

    Args:
        function: What to run in the reactor thread.
        timeout: How many seconds to wait for the result.
        what: A few words for messages, like ``"the server on port 8443 to
            stop"``.

    Raises:
        ReactorError: the reactor has stopped, or this is the reactor thread.
        WaitTimeout: no result within ``timeout`` seconds.
        Exception: whatever ``function`` raised.
    """
    ensure_running()
    if in_reactor_thread():
        raise ReactorError(
            f"waiting for {what} from the reactor thread itself would wait "
            "forever; call this from a notebook cell or another thread, or "
            "use the Deferred-returning Twisted API directly"
        )
    try:
        eventual = crochet.run_in_reactor(function)(*args, **kwargs)
    except crochet.ReactorStopped:
        raise ReactorError(_RESTART) from None
    try:
        return eventual.wait(timeout)
    except crochet.TimeoutError:
        eventual.cancel()
        raise WaitTimeout(
            f"waited {timeout:g} seconds for {what}, without an answer; "
            "check that the other side is running, or pass a longer timeout="
        ) from None
    except crochet.ReactorStopped:
        raise ReactorError(_RESTART) from None

"""The one exception hierarchy of tlslab.

Every error a learner can cause is a :class:`TlslabError`. Its message names
the input that was wrong (quoted with ``!r`` or as a file name), says what is
wrong in plain words, and says how to fix it.

Where a built-in type fits too, the tlslab error also derives from it, so
``except ValueError`` or ``except FileExistsError`` keep working.
"""

from __future__ import annotations

import traceback
from pathlib import Path

__all__ = [
    "HandshakeError",
    "InvalidArgument",
    "KeyMismatchError",
    "LoadError",
    "PassphraseError",
    "ReactorError",
    "TlslabError",
    "ToolNotInstalled",
    "WaitTimeout",
    "WouldOverwrite",
]


#: Show tlslab's own frames too when IPython displays a tlslab error.
FULL_TRACEBACKS = False

_PACKAGE = Path(__file__).resolve().parent


class TlslabError(Exception):
    """Base class of every error tlslab raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        """What IPython (and so Jupyter) shows for this error.

        The learner's own lines up to the call into tlslab, then the message:
        tlslab's internal frames would only push the explanation off screen.
        Set ``tlslab.errors.FULL_TRACEBACKS = True`` to see every frame.
        """
        frames = traceback.extract_tb(self.__traceback__)
        if not FULL_TRACEBACKS:
            kept = []
            for frame in frames:
                where = Path(frame.filename).resolve()
                if _PACKAGE in where.parents:
                    break  # from here on, tlslab's own workings
                if not {"IPython", "ipykernel"} & set(where.parts):
                    kept.append(frame)
            frames = traceback.StackSummary.from_list(kept)
        hidden = "" if FULL_TRACEBACKS else " (tlslab's own frames hidden)"
        lines = [f"Traceback{hidden}:"]
        lines += [line.rstrip("\n") for line in frames.format()]
        lines.append(f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}")
        return lines


class InvalidArgument(TlslabError, ValueError):
    """An argument has a value tlslab cannot use (a key size, a name, ...)."""


class LoadError(TlslabError, ValueError):
    """A file or PEM text could not be read as what was asked for.

    Attributes:
        source: The file name or a short description of the input.
    """

    def __init__(self, message: str, *, source: str = "") -> None:
        super().__init__(message)
        self.source = source


class PassphraseError(LoadError):
    """An encrypted private key came without a passphrase, or the wrong one."""


class KeyMismatchError(TlslabError, ValueError):
    """A private key does not belong to the certificate it came with."""


class WouldOverwrite(TlslabError, FileExistsError):
    """Saving would replace an existing file, and nobody asked for that."""


class ReactorError(TlslabError, RuntimeError):
    """The background Twisted reactor cannot be used (it stopped, or failed)."""


class WaitTimeout(TlslabError, TimeoutError):
    """Waiting for the background reactor took longer than allowed."""


class ToolNotInstalled(TlslabError, FileNotFoundError):
    """A command-line tool (``openssl``, ``curl``) is not installed."""


class HandshakeError(TlslabError, ConnectionError):
    """A TLS connection failed; ``reason`` says why in one short code.

    Attributes:
        reason: A stable code such as ``"expired"`` or ``"hostname-mismatch"``.
        client: Which client saw the failure (``"twisted"``, ``"ssl"``, ...).
        detail: What the underlying library said, for the curious.
        tool_accepted: The client itself (openssl, curl, ``ssl``) accepted
            the server, and only tlslab's own fail-closed check refused it
            (a certificate without subjectAltName matched by its common name).
    """

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        client: str = "",
        detail: str = "",
        tool_accepted: bool = False,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.client = client
        self.detail = detail
        self.tool_accepted = tool_accepted

    def _render_traceback_(self) -> list[str]:
        """As for every tlslab error, plus the reason code."""
        return [*super()._render_traceback_(), f"reason: {self.reason!r}"]

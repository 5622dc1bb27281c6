"""The one exception hierarchy of tlslab.

Every error a learner can cause is a :class:`TlslabError`. Its message names
the input that was wrong (quoted with ``!r`` or as a file name), says what is
wrong in plain words, and says how to fix it.

Where a built-in type fits too, the tlslab error also derives from it, so
``except ValueError`` or ``except FileExistsError`` keep working.
"""

from __future__ import annotations

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


class TlslabError(Exception):
    """Base class of every error tlslab raises on purpose."""


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

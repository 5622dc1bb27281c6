"""Credentials: a private key, its certificate and the chain above it.

This is what a TLS server (or a client in mutual TLS) presents. It turns into
PEM and back, saves to files that keep the key private, and loads again from
whatever a learner points at, with an error that says what is missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from .errors import InvalidArgument, KeyMismatchError, LoadError
from .keys import PrivateKey, check_key, encryption_for, key_name, key_to_pem
from .pemfiles import (
    certificates_in,
    key_in,
    read_certificates,
    read_key,
    read_source,
    shown,
    split_pem,
    write_files,
)

__all__ = ["Credentials", "SavedFiles", "load", "load_certificates"]

KEY_MODE = 0o600
PUBLIC_MODE = 0o644


class SavedFiles(NamedTuple):
    """The paths :meth:`Credentials.save` wrote (``chain`` is None if empty)."""

    key: Path
    cert: Path
    chain: Path | None
    fullchain: Path


def _der_public(cert_or_key: x509.Certificate | PrivateKey) -> bytes:
    public = cert_or_key.public_key()
    return public.public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True, eq=False)
class Credentials:
    """A private key, its certificate, and the intermediate chain.

    Attributes:
        key: The private key.
        cert: The certificate for ``key`` (the leaf).
        chain: Intermediate CA certificates, nearest first; the root is not
            included, since clients must already have it.

    Raises:
        KeyMismatchError: ``key`` does not belong to ``cert``.
    """

    key: PrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = field(default=())

    def __post_init__(self) -> None:
        check_key(self.key, "the credentials' key")
        if not isinstance(self.cert, x509.Certificate):
            raise InvalidArgument(
                f"cert={self.cert!r} is not a certificate; pass an "
                "x509.Certificate, or use tlslab.load() to read files"
            )
        object.__setattr__(self, "chain", tuple(self.chain))
        if _der_public(self.key) != _der_public(self.cert):
            raise KeyMismatchError(
                f"the private key ({key_name(self.key)}) does not belong to the "
                f"certificate for {self.cert.subject.rfc4514_string()!r} "
                f"({key_name(self.cert.public_key())}); pass the key that was "
                "made with this certificate, or issue a new certificate for "
                "this key"
            )

    @classmethod
    def _made_here(
        cls,
        key: PrivateKey,
        cert: x509.Certificate,
        chain: tuple[x509.Certificate, ...] = (),
    ) -> Credentials:
        """Credentials for a certificate tlslab just signed for ``key``.

        Skips the key-fits-certificate check, which costs as much as the
        rest of issuing a certificate and cannot fail here.
        """
        made = object.__new__(cls)
        object.__setattr__(made, "key", key)
        object.__setattr__(made, "cert", cert)
        object.__setattr__(made, "chain", tuple(chain))
        return made

    def __eq__(self, other: object) -> bool:
        # Keys compare by identity; the certificate binds the key already.
        if not isinstance(other, Credentials):
            return NotImplemented
        return self.fullchain == other.fullchain

    def __hash__(self) -> int:
        return hash(self.fullchain)

    @property
    def names(self) -> list[str]:
        """The subjectAltName entries as text (empty when there is no SAN)."""
        try:
            san = self.cert.extensions.get_extension_for_class(
                x509.SubjectAlternativeName
            ).value
        except x509.ExtensionNotFound:
            return []
        return [str(entry.value) for entry in san]

    @property
    def fullchain(self) -> tuple[x509.Certificate, ...]:
        """The certificate followed by its chain: what a server sends."""
        return (self.cert, *self.chain)

    def key_pem(self, passphrase: str | bytes | None = None) -> bytes:
        """The private key as PKCS#8 PEM, encrypted when given a passphrase."""
        return key_to_pem(self.key, passphrase)

    def cert_pem(self) -> bytes:
        """The certificate alone, as PEM."""
        return _pem(self.cert)

    def chain_pem(self) -> bytes:
        """The intermediate certificates as PEM (empty for a direct leaf)."""
        return b"".join(_pem(c) for c in self.chain)

    def fullchain_pem(self) -> bytes:
        """The certificate and its chain as PEM, in the order servers send."""
        return b"".join(_pem(c) for c in self.fullchain)

    def to_pem(self, passphrase: str | bytes | None = None) -> bytes:
        """Key, certificate and chain in one PEM text (what Twisted reads)."""
        return self.key_pem(passphrase) + self.fullchain_pem()

    @classmethod
    def from_pem(
        cls,
        data: bytes | str,
        passphrase: str | bytes | None = None,
        *,
        key: bytes | str | os.PathLike[str] | None = None,
    ) -> Credentials:
        """Read credentials from PEM text holding a key and certificates.

        Raises:
            LoadError: the text lacks a key or certificate, or is damaged.
            PassphraseError: the key is encrypted and the passphrase is
                missing or wrong.
            KeyMismatchError: the key does not belong to the certificate.
        """
        return load(data, key=key, passphrase=passphrase)

    def save(
        self,
        stem: str | os.PathLike[str],
        *,
        passphrase: str | bytes | None = None,
        overwrite: bool = False,
    ) -> SavedFiles:
        """Write ``STEM.key.pem`` (0600), ``.cert.pem``, ``.chain.pem`` and
        ``.fullchain.pem``.

        Args:
            stem: Path without an ending, like ``"work/site"``; folders are
                created as needed.
            passphrase: Encrypt the key file with it.
            overwrite: Replace files that exist already. Without it, nothing
                is written when any of the files exists.

        Raises:
            WouldOverwrite: a file exists and ``overwrite`` is false.
        """
        base = Path(stem)
        if base.suffix in {".pem", ".key", ".crt"}:
            base = base.with_suffix("")
        paths = SavedFiles(
            key=base.with_name(base.name + ".key.pem"),
            cert=base.with_name(base.name + ".cert.pem"),
            chain=base.with_name(base.name + ".chain.pem") if self.chain else None,
            fullchain=base.with_name(base.name + ".fullchain.pem"),
        )
        files = {
            paths.key: (self.key_pem(passphrase), KEY_MODE),
            paths.cert: (self.cert_pem(), PUBLIC_MODE),
            paths.fullchain: (self.fullchain_pem(), PUBLIC_MODE),
        }
        if paths.chain is not None:
            files[paths.chain] = (self.chain_pem(), PUBLIC_MODE)
        write_files(files, overwrite=overwrite)
        return paths

    def to_pkcs12(
        self, passphrase: str | bytes | None = None, *, name: str | None = None
    ) -> bytes:
        """A PKCS#12 (.p12/.pfx) bundle for tools that want one.

        The bundle is encrypted with ``passphrase`` using AES-256 (PBES2);
        without one it is unencrypted, which some tools refuse.
        """
        encryption = encryption_for(passphrase, "an unencrypted bundle")
        label = (name or (self.names[0] if self.names else "tlslab")).encode()
        return pkcs12.serialize_key_and_certificates(
            label, self.key, self.cert, list(self.chain) or None, encryption
        )

    def __repr__(self) -> str:
        names = ", ".join(self.names) or "no SAN"
        expires = self.cert.not_valid_after_utc
        return (
            f"<Credentials {names} ({key_name(self.key)}), "
            f"{len(self.chain)} in chain, expires {expires:%Y-%m-%d}>"
        )


def _stem_paths(path: Path) -> tuple[Path, Path] | None:
    """If ``path`` is a save() stem, the certificate and key files it means."""
    base = path
    fullchain = base.with_name(base.name + ".fullchain.pem")
    key = base.with_name(base.name + ".key.pem")
    if fullchain.exists() or key.exists():
        return fullchain, key
    return None


def load(
    source: str | os.PathLike[str] | bytes,
    *,
    key: str | os.PathLike[str] | bytes | None = None,
    passphrase: str | bytes | None = None,
) -> Credentials:
    """Read credentials back: from a save() stem, a PEM file, or PEM text.

    ``source`` may be the stem that :meth:`Credentials.save` was given (then
    ``STEM.fullchain.pem`` and ``STEM.key.pem`` are read), or one file or text
    holding the key and the certificates, or a certificate file with the key
    in a separate file given as ``key=``. DER files are accepted too.

    Raises:
        LoadError: a file is missing, empty, damaged, or holds the wrong kind
            of thing (for example a certificate but no private key).
        PassphraseError: the key is encrypted and the passphrase is missing or
            wrong.
        KeyMismatchError: the key does not belong to the certificate.
    """
    if isinstance(source, (str, os.PathLike)) and not _is_pem_text(source):
        path = Path(source)
        stem = None if path.exists() else _stem_paths(path)
        if stem is not None:
            certs_path, key_path = stem
            if not key_path.exists():
                raise LoadError(
                    f"{str(key_path)!r} is missing, so {str(path)!r} has a "
                    "certificate but no private key; save again with "
                    "Credentials.save()",
                    source=str(key_path),
                )
            return _assemble(
                certs_path, key if key is not None else key_path, passphrase
            )
    return _assemble(source, key, passphrase)


def _is_pem_text(source: str | os.PathLike[str]) -> bool:
    return isinstance(source, str) and "-----BEGIN " in source


def _assemble(
    source: str | os.PathLike[str] | bytes,
    key_source: str | os.PathLike[str] | bytes | None,
    passphrase: str | bytes | None,
) -> Credentials:
    data, name = read_source(source)
    certs = certificates_in(data, name, allow_empty=key_source is None)
    if key_source is not None:
        private = read_key(key_source, passphrase)
    elif not certs:
        certificates_in(data, name)  # raises "holds X but no certificate"
        raise AssertionError("unreachable")
    elif not any("PRIVATE KEY" in b.label for b in split_pem(data)):
        raise LoadError(
            f"{shown(name)} holds a certificate but no private key, so it cannot "
            "serve TLS (the mistake behind PrivateCertificate.loadPEM's opaque "
            "OpenSSL error); pass the key file too, as key='...', or save both "
            "with Credentials.save()",
            source=name,
        )
    else:
        private = key_in(data, name, passphrase)
    leaf, chain = _order(private, certs, name)
    return Credentials(private, leaf, tuple(chain))


def _order(
    private: PrivateKey, certs: list[x509.Certificate], name: str
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """Find the certificate that fits the key; the rest, in order, is the chain."""
    wanted = _der_public(private)
    for index, cert in enumerate(certs):
        if _der_public(cert) == wanted:
            return cert, certs[:index] + certs[index + 1 :]
    first = certs[0]
    raise KeyMismatchError(
        f"the private key ({key_name(private)}) does not belong to any "
        f"certificate in {shown(name)} (the first is for "
        f"{first.subject.rfc4514_string()!r}); pass the key that was made "
        "with this certificate, or issue a new certificate for this key"
    )


def load_certificates(
    source: str | os.PathLike[str] | bytes,
) -> list[x509.Certificate]:
    """Every certificate in a file or PEM text (a chain, a CA bundle).

    Raises:
        LoadError: the input is missing, empty, damaged or holds no certificate.
    """
    return read_certificates(source)

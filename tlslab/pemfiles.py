"""PEM in and out: read what a file holds, and write files without losing any.

Reading splits text into PEM blocks by their labels, so a file can be told
apart as a key, a certificate, a chain or a request before anything is parsed,
and every failure becomes a :class:`~tlslab.errors.LoadError` that names the
file and says what to do. DER (binary) certificates and keys are accepted too.

Writing never replaces an existing file unless asked, and creates private key
files with mode 0600 from the start (not chmod-ed after the fact).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .errors import InvalidArgument, LoadError, PassphraseError, WouldOverwrite
from .keys import PrivateKey, check_key

__all__ = [
    "PEM_TEXT",
    "PemBlock",
    "certificates_in",
    "key_in",
    "read_certificates",
    "read_csr",
    "read_key",
    "read_source",
    "shown",
    "split_pem",
    "write_files",
]

_BLOCK = re.compile(
    rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL
)
_KEY_LABELS = {
    b"PRIVATE KEY",
    b"ENCRYPTED PRIVATE KEY",
    b"RSA PRIVATE KEY",
    b"EC PRIVATE KEY",
}
_CERT_LABELS = {b"CERTIFICATE", b"TRUSTED CERTIFICATE", b"X509 CERTIFICATE"}
_CSR_LABELS = {b"CERTIFICATE REQUEST", b"NEW CERTIFICATE REQUEST"}
MAX_FILE_SIZE = 1 << 20


@dataclass(frozen=True)
class PemBlock:
    """One ``-----BEGIN ...-----`` block: its label and its whole PEM text."""

    label: str
    pem: bytes


PEM_TEXT = "the PEM text"


def shown(name: str) -> str:
    """An input's name as a message shows it: a file quoted, PEM text not."""
    return name if name == PEM_TEXT else repr(name)


def read_source(source: str | os.PathLike[str] | bytes) -> tuple[bytes, str]:
    """Return the bytes of a file (or the bytes given) and a name for messages.

    Raises:
        LoadError: the file is missing, a directory, unreadable, empty, or too
            large to be a PEM file.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = PEM_TEXT
    elif isinstance(source, str) and "-----BEGIN " in source:
        data = source.encode("utf-8", "replace")
        label = PEM_TEXT
    elif isinstance(source, (str, os.PathLike)):
        try:
            return _read_file(Path(source))
        except ValueError as exc:  # embedded NUL bytes and the like
            if isinstance(exc, LoadError):
                raise
            raise LoadError(
                f"{str(source)!r} is not a usable file name ({exc}); pass the "
                "path of a .pem file, or PEM text",
                source=str(source),
            ) from None
    else:
        raise LoadError(
            f"{source!r} is a {type(source).__name__}; pass a file path, or "
            "PEM text as str or bytes",
            source=repr(source),
        )
    if not data.strip():
        raise LoadError(
            f"{label} is empty; pass PEM text that starts with '-----BEGIN'",
            source=label,
        )
    return data, label


def _read_file(path: Path) -> tuple[bytes, str]:
    name = str(path)
    if path.is_dir():
        raise LoadError(
            f"{shown(name)} is a directory, not a file; pass the path of a .pem file "
            "inside it",
            source=name,
        )
    if not path.exists():
        hint = _nearby(path)
        raise LoadError(
            f"{shown(name)} does not exist; check the path{hint}",
            source=name,
        )
    try:
        size = path.stat().st_size
        if size > MAX_FILE_SIZE:
            raise LoadError(
                f"{shown(name)} is {size} bytes, far too large for a key or "
                "certificate file; check that this is the file you meant",
                source=name,
            )
        data = path.read_bytes()
    except PermissionError:
        raise LoadError(
            f"{shown(name)} cannot be read (permission denied); check its owner "
            "and mode, or run as the user who wrote it",
            source=name,
        ) from None
    except OSError as exc:
        raise LoadError(
            f"{shown(name)} cannot be read ({exc.strerror}); check the path",
            source=name,
        ) from None
    if not data.strip():
        raise LoadError(
            f"{shown(name)} is empty; it may not have been written yet, so save "
            "the key or certificate again",
            source=name,
        )
    return data, name


def _nearby(path: Path) -> str:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        return f" (the folder {str(parent)!r} does not exist either)"
    stem = path.name.split(".")[0]
    try:
        similar = sorted(n for n in os.listdir(parent) if n.startswith(stem))[:4]
    except OSError:
        return ""
    if similar:
        return f"; files nearby: {', '.join(similar)}"
    return ""


def split_pem(data: bytes) -> list[PemBlock]:
    """All PEM blocks in ``data``, in order (none when ``data`` is not PEM)."""
    return [
        PemBlock(m.group(1).decode("ascii"), m.group(0) + b"\n")
        for m in _BLOCK.finditer(data)
    ]


def _looks_like_der(data: bytes) -> bool:
    return len(data) > 2 and data[0] == 0x30 and b"-----BEGIN" not in data


def _what_it_holds(blocks: list[PemBlock]) -> str:
    kinds = []
    for block in blocks:
        label = block.label.encode()
        if label in _KEY_LABELS:
            kinds.append("a private key")
        elif label in _CERT_LABELS:
            kinds.append("a certificate")
        elif label in _CSR_LABELS:
            kinds.append("a certificate signing request")
        elif label == b"PUBLIC KEY":
            kinds.append("a public key")
        else:
            kinds.append(f"a {block.label!r} block")
    unique = list(dict.fromkeys(kinds))
    return " and ".join(unique) if unique else "nothing"


def _reject_ssh(data: bytes, name: str) -> None:
    if b"-----BEGIN OPENSSH PRIVATE KEY" in data:
        raise LoadError(
            f"{shown(name)} is an OpenSSH key, not a TLS key; convert it with "
            "'ssh-keygen -p -m PKCS8 -f FILE', or make a new key with "
            "tlslab.new_key()",
            source=name,
        )


def _not_pem(name: str, data: bytes, wanted: str) -> LoadError:
    if b"-----BEGIN" in data:
        return LoadError(
            f"{shown(name)} has a '-----BEGIN' line but no complete PEM block (the "
            "END line or the base64 body is damaged); save the file again",
            source=name,
        )
    return LoadError(
        f"{shown(name)} is neither PEM nor DER; expected {wanted}. Check that this "
        "is the file you meant (PEM files start with '-----BEGIN')",
        source=name,
    )


def read_certificates(
    source: str | os.PathLike[str] | bytes, *, allow_empty: bool = False
) -> list[x509.Certificate]:
    """Every certificate in a PEM file, PEM text or DER certificate.

    Raises:
        LoadError: the input holds no certificate (for example only a key), or
            a damaged one.
    """
    data, name = read_source(source)
    return certificates_in(data, name, allow_empty=allow_empty)


def certificates_in(
    data: bytes, name: str, *, allow_empty: bool = False
) -> list[x509.Certificate]:
    """Every certificate in bytes already read from ``name``.

    Raises:
        LoadError: as :func:`read_certificates`.
    """
    _reject_ssh(data, name)
    blocks = split_pem(data)
    if not blocks:
        if _looks_like_der(data):
            try:
                return [x509.load_der_x509_certificate(data)]
            except ValueError:
                pass
        raise _not_pem(name, data, "a certificate")
    certs = []
    for block in blocks:
        if block.label.encode() not in _CERT_LABELS:
            continue
        try:
            certs.append(x509.load_pem_x509_certificate(block.pem))
        except ValueError as exc:
            raise LoadError(
                f"{shown(name)} holds a damaged certificate ({_short(exc)}); copy or "
                "save it again from its source",
                source=name,
            ) from None
    if not certs and not allow_empty:
        held = _what_it_holds(blocks)
        hint = (
            "; pass it as key= instead, and the certificate file as the source"
            if "private key" in held
            else ""
        )
        raise LoadError(
            f"{shown(name)} holds {held} but no certificate{hint}",
            source=name,
        )
    return certs


def read_key(
    source: str | os.PathLike[str] | bytes,
    passphrase: str | bytes | None = None,
    *,
    source_name: str | None = None,
) -> PrivateKey:
    """The one private key in a PEM file, PEM text or DER key.

    Raises:
        LoadError: the input holds no private key, or more than one.
        PassphraseError: the key is encrypted and the passphrase is missing or
            wrong, or a passphrase was given for a key that is not encrypted.
    """
    data, name = read_source(source)
    return key_in(data, name if source_name is None else source_name, passphrase)


def key_in(data: bytes, name: str, passphrase: str | bytes | None = None) -> PrivateKey:
    """The one private key in bytes already read from ``name``.

    Raises:
        LoadError, PassphraseError: as :func:`read_key`.
    """
    _reject_ssh(data, name)
    blocks = [b for b in split_pem(data) if b.label.encode() in _KEY_LABELS]
    if not blocks:
        if _looks_like_der(data):
            return _parse_key(data, passphrase, name, der=True)
        all_blocks = split_pem(data)
        if not all_blocks:
            raise _not_pem(name, data, "a private key")
        held = _what_it_holds(all_blocks)
        raise LoadError(
            f"{shown(name)} holds {held} but no private key; pass the key file "
            "that was saved with it (it ends in .key.pem when tlslab saved it)",
            source=name,
        )
    if len(blocks) > 1:
        raise LoadError(
            f"{shown(name)} holds {len(blocks)} private keys; keep one key per file",
            source=name,
        )
    return _parse_key(blocks[0].pem, passphrase, name, der=False)


def _parse_key(
    data: bytes, passphrase: str | bytes | None, name: str, *, der: bool
) -> PrivateKey:
    password = passphrase.encode() if isinstance(passphrase, str) else passphrase
    loader = (
        serialization.load_der_private_key
        if der
        else serialization.load_pem_private_key
    )
    encrypted = b"ENCRYPTED" in data or b"Proc-Type: 4,ENCRYPTED" in data
    try:
        key = loader(data, password=password)
    except TypeError as exc:
        if password is None:
            raise PassphraseError(
                f"{shown(name)} holds an encrypted private key and no passphrase was "
                "given; pass passphrase='...'",
                source=name,
            ) from None
        raise PassphraseError(
            f"{shown(name)} holds a private key that is not encrypted, but a "
            "passphrase was given; drop the passphrase",
            source=name,
        ) from exc
    except ValueError as exc:
        if encrypted or password is not None:
            raise PassphraseError(
                f"the passphrase for {shown(name)} is wrong (or the file is damaged); "
                "check the passphrase, which is case-sensitive",
                source=name,
            ) from None
        raise LoadError(
            f"{shown(name)} holds a damaged private key ({_short(exc)}); save the key "
            "again from its source",
            source=name,
        ) from None
    except Exception as exc:  # cryptography raises a few odd types on junk
        raise LoadError(
            f"{shown(name)} could not be read as a private key ({_short(exc)}); "
            "check that this is the file you meant",
            source=name,
        ) from None
    try:
        return check_key(key, what=f"the key in {shown(name)}")
    except InvalidArgument as exc:
        raise LoadError(str(exc), source=name) from None


def read_csr(source: str | os.PathLike[str] | bytes) -> x509.CertificateSigningRequest:
    """The one certificate signing request in a PEM file, PEM text or DER.

    Raises:
        LoadError: the input holds no request, or a damaged one.
    """
    data, name = read_source(source)
    blocks = [b for b in split_pem(data) if b.label.encode() in _CSR_LABELS]
    try:
        if blocks:
            return x509.load_pem_x509_csr(blocks[0].pem)
        if _looks_like_der(data):
            return x509.load_der_x509_csr(data)
    except ValueError as exc:
        raise LoadError(
            f"{shown(name)} holds a damaged certificate signing request "
            f"({_short(exc)}); make the request again",
            source=name,
        ) from None
    all_blocks = split_pem(data)
    if not all_blocks:
        raise _not_pem(name, data, "a certificate signing request")
    raise LoadError(
        f"{shown(name)} holds {_what_it_holds(all_blocks)} but no certificate "
        "signing request; pass the request file (tlslab.new_csr makes one)",
        source=name,
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__


def write_files(
    files: dict[Path, tuple[bytes, int]], *, overwrite: bool = False
) -> None:
    """Write several files, each with its mode, all or none.

    Every target is checked before anything is written, so a refusal leaves
    the folder as it was. Each file is written to a temporary file with its
    final mode and then renamed into place, so a reader never sees half a key.

    Raises:
        WouldOverwrite: a target exists and ``overwrite`` is false.
    """
    if not overwrite:
        existing = [str(p) for p in files if p.exists()]
        if existing:
            raise WouldOverwrite(
                f"{', '.join(repr(p) for p in existing)} already "
                f"{'exists' if len(existing) == 1 else 'exist'}; pass "
                "overwrite=True to replace, or choose another name"
            )
    for path, (data, mode) in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

"""Turn the names a learner types into the subjectAltName entries they mean.

``"localhost"`` is a DNS name, ``"*.example.test"`` a wildcard DNS name,
``"127.0.0.1"`` and ``"::1"`` IP addresses, and ``"alice@example.test"`` an
e-mail address. Clients match IP addresses only against IP entries, so writing
an address as a DNS name is a classic mistake that tlslab avoids by default.
"""

from __future__ import annotations

import ipaddress
import re

import idna
from cryptography import x509

from .errors import InvalidArgument

__all__ = ["general_name", "general_names", "name_text"]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Only text made of digits, dots, hex letters, colons and a zone can be an
# address; anything else skips the (costly, exception-raising) address parse.
_ADDRESS_LIKE = re.compile(r"^[0-9a-fA-F.:]+(%\w+)?$")


def general_name(name: str) -> x509.GeneralName:
    """The subjectAltName entry for one name.

    Raises:
        InvalidArgument: the name is empty, has spaces or bad characters, or has
            a wildcard anywhere but as the whole leftmost label.
    """
    if isinstance(name, x509.GeneralName):
        return name
    if not isinstance(name, str):
        raise InvalidArgument(
            f"the name {name!r} is a {type(name).__name__}, not text; pass host "
            "names and addresses as strings, like 'localhost' or '127.0.0.1'"
        )
    text = name.strip()
    if _ADDRESS_LIKE.match(text):
        try:
            return x509.IPAddress(ipaddress.ip_address(text))
        except ValueError:
            pass
    if "@" in text:
        return _email(name, text)
    return x509.DNSName(dns_name(name))


def dns_name(name: str) -> str:
    """Check a DNS name (or wildcard) and return it in ASCII (IDNA) form.

    Raises:
        InvalidArgument: the name cannot be a DNS name in a certificate.
    """
    text = name.strip().rstrip(".").lower()
    if not text:
        raise InvalidArgument(
            f"the name {name!r} is empty; pass a host name such as 'localhost' "
            "or an address such as '127.0.0.1'"
        )
    labels = text.split(".")
    wildcard = labels[0] == "*"
    if wildcard and len(labels) < 3:
        raise InvalidArgument(
            f"the wildcard {name!r} covers too much; a wildcard needs at least "
            "two labels after it, like '*.example.test'"
        )
    for index, label in enumerate(labels):
        if "*" in label and not (index == 0 and label == "*"):
            raise InvalidArgument(
                f"the name {name!r} has a wildcard in the wrong place; a "
                "wildcard may only be the whole leftmost label, like "
                "'*.example.test'"
            )
    rest = labels[1:] if wildcard else labels
    ascii_labels = [_ascii_label(name, label) for label in rest]
    result = ".".join((["*"] if wildcard else []) + ascii_labels)
    if len(result) > 253:
        raise InvalidArgument(
            f"the name {name!r} is {len(result)} characters long; DNS names "
            "are at most 253 characters"
        )
    return result


def _ascii_label(name: str, label: str) -> str:
    if not label:
        raise InvalidArgument(
            f"the name {name!r} has an empty label (two dots in a row, or a "
            "leading dot); remove the extra dot"
        )
    if not label.isascii():
        try:
            label = idna.encode(label).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidArgument(
                f"the name {name!r} has a label {label!r} that is not a valid "
                f"internationalised name ({exc}); check its spelling"
            ) from None
    if not _LABEL.match(label):
        raise InvalidArgument(
            f"the name {name!r} has a label {label!r} that DNS does not allow; "
            "use letters, digits and hyphens only (no spaces, no underscores, "
            "no hyphen at either end), at most 63 characters a label"
        )
    return label


def _email(name: str, text: str) -> x509.RFC822Name:
    local, _, domain = text.rpartition("@")
    if not local or any(ch.isspace() for ch in local):
        raise InvalidArgument(
            f"the e-mail address {name!r} has no valid part before the '@'; "
            "write it like 'alice@example.test'"
        )
    return x509.RFC822Name(f"{local}@{dns_name(domain)}")


def general_names(names: list[str] | tuple[str, ...]) -> list[x509.GeneralName]:
    """The subjectAltName entries for several names, duplicates removed.

    Raises:
        InvalidArgument: no names were given, or one of them is invalid.
    """
    if not names:
        raise InvalidArgument(
            "no names were given; a certificate needs at least one name for "
            "its subjectAltName, such as 'localhost' or '127.0.0.1'"
        )
    entries: list[x509.GeneralName] = []
    for name in names:
        entry = general_name(name)
        if entry not in entries:
            entries.append(entry)
    return entries


def name_text(entry: x509.GeneralName) -> str:
    """A subjectAltName entry as the text a learner would type."""
    value = entry.value
    return str(value)

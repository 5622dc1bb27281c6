"""TLS server profiles: which protocol versions, cipher suites and groups.

The default follows Mozilla's "intermediate" server configuration
(https://wiki.mozilla.org/Security/Server_Side_TLS): TLS 1.2 and 1.3,
forward-secret AEAD suites only, and the groups X25519, P-256 and P-384.
Unlike Mozilla's list, the finite-field DHE suites are left out too, so every
TLS 1.2 suite is ECDHE with AES-GCM or ChaCha20-Poly1305.

"modern" is TLS 1.3 only. "legacy-insecure" accepts TLS 1.0 and every cipher
OpenSSL still has, at security level 0: it exists so the failure lessons can
show what an old server looks like, and its name says it is not a default.
"""

from __future__ import annotations

from dataclasses import dataclass

from OpenSSL import SSL

from .errors import InvalidArgument

__all__ = ["PROFILES", "Profile", "get_profile"]

_ECDHE_AEAD = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ]
)

_MODERN_GROUPS = "X25519:P-256:P-384"


@dataclass(frozen=True)
class Profile:
    """A named server TLS configuration.

    Attributes:
        name: ``"intermediate"``, ``"modern"`` or ``"legacy-insecure"``.
        min_version: Lowest protocol version, as ``"1.2"``.
        max_version: Highest protocol version.
        ciphers: OpenSSL cipher string for TLS 1.2 and older.
        groups: Key exchange groups, colon-separated.
        summary: One line for people.
    """

    name: str
    min_version: str
    max_version: str
    ciphers: str
    groups: str
    summary: str

    @property
    def versions(self) -> list[str]:
        """The protocol versions this profile accepts, oldest first."""
        order = ["1.0", "1.1", "1.2", "1.3"]
        low, high = order.index(self.min_version), order.index(self.max_version)
        return [f"TLSv{v}" for v in order[low : high + 1]]


PROFILES: dict[str, Profile] = {
    "intermediate": Profile(
        "intermediate",
        "1.2",
        "1.3",
        _ECDHE_AEAD,
        _MODERN_GROUPS,
        "Mozilla intermediate: TLS 1.2 and 1.3, ECDHE with AEAD suites only",
    ),
    "modern": Profile(
        "modern",
        "1.3",
        "1.3",
        _ECDHE_AEAD,
        _MODERN_GROUPS,
        "Mozilla modern: TLS 1.3 only",
    ),
    "legacy-insecure": Profile(
        "legacy-insecure",
        "1.0",
        "1.3",
        "ALL:@SECLEVEL=0",
        "X25519:P-256:P-384:P-521",
        "DELIBERATELY WEAK: TLS 1.0 and up, every cipher; for failure lessons",
    ),
}

OPENSSL_VERSIONS = {
    "1.0": SSL.TLS1_VERSION,
    "1.1": SSL.TLS1_1_VERSION,
    "1.2": SSL.TLS1_2_VERSION,
    "1.3": SSL.TLS1_3_VERSION,
}


def get_profile(profile: str | Profile) -> Profile:
    """Look up a profile by name (a :class:`Profile` passes through).

    Raises:
        InvalidArgument: no profile has that name.
    """
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except (KeyError, TypeError):
        raise InvalidArgument(
            f"profile={profile!r} is not a TLS profile; pass one of "
            f"{', '.join(map(repr, PROFILES))}"
        ) from None


def protocol_version(value: str | None, what: str) -> int | None:
    """OpenSSL's constant for ``"1.2"``/``"TLSv1.2"`` (None stays None).

    Raises:
        InvalidArgument: the text names no TLS version.
    """
    if value is None:
        return None
    text = str(value).removeprefix("TLSv").removeprefix("tls")
    if text not in OPENSSL_VERSIONS:
        raise InvalidArgument(
            f"{what}={value!r} is not a TLS version; pass one of "
            f"{', '.join(map(repr, OPENSSL_VERSIONS))}"
        )
    return OPENSSL_VERSIONS[text]


def version_text(value: str | None) -> str | None:
    """Normalise ``"TLSv1.2"``/``"1.2"`` to ``"1.2"`` (None stays None)."""
    if value is None:
        return None
    return str(value).removeprefix("TLSv").removeprefix("tls")

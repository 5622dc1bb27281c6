"""The certificate builder: change a field, see the consequence at once.

Every change to a control issues the certificate again and refreshes the
inspector and the lint findings. The private key is made again only when
the key options change, so with an EC key a change re-renders in a few
milliseconds. "Try it" serves the result with the greeting server and
connects a client, showing the success or the explained failure.

Use from the notebook's main thread (a cell or a widget callback).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from ..certs import CertificateAuthority, self_signed
from ..credentials import Credentials
from ..custom import EXTENDED_KEY_USAGES, KEY_USAGES, PROFILE_DEFAULTS, Spec, issue
from ..errors import InvalidArgument, TlslabError
from ..keys import PrivateKey, new_key
from ._style import connection_html, esc, message_html
from .inspector import CertificateInspector

__all__ = ["CLIENT_KINDS", "KEY_CHOICES", "CertificateBuilder"]

#: The key options the builder offers: label -> (kind, options for new_key).
KEY_CHOICES: dict[str, tuple[str, dict[str, Any]]] = {
    "EC P-256": ("ec", {"curve": "P-256"}),
    "EC P-384": ("ec", {"curve": "P-384"}),
    "Ed25519": ("ed25519", {}),
    "RSA 2048": ("rsa", {"bits": 2048}),
    "RSA 3072": ("rsa", {"bits": 3072}),
    "RSA 4096": ("rsa", {"bits": 4096}),
}
#: The clients "try it" can connect with (see tlslab.fetch_greeting's via=).
CLIENT_KINDS = ("twisted", "ssl", "ssl-strict", "openssl", "curl")
_BACKDATE = dt.timedelta(minutes=5)


def _signers(value: Any) -> list[tuple[str, CertificateAuthority | None]]:
    options: list[tuple[str, CertificateAuthority | None]] = [("self-signed", None)]
    if value is None:
        return options
    if isinstance(value, CertificateAuthority):
        value = [value]
    items = (
        value.items() if isinstance(value, dict) else ((ca.name, ca) for ca in value)
    )
    options.extend((str(name), ca) for name, ca in items)
    return options


class CertificateBuilder(widgets.VBox):
    """A form that issues a certificate on every change and inspects it.

    Args:
        signers: CAs that may sign: one CertificateAuthority, a list, or a
            dict of label -> CA. "self-signed" is always offered too.
        common_name: The subject's CN to start with.
        names: The SAN entries to start with (an empty list: no SAN).
        key: The key option to start with, one of :data:`KEY_CHOICES`.
        profile: "server", "client" or "ca".
        days: The lifetime to start with.

    Attributes:
        result: The :class:`~tlslab.Credentials` last issued (None until the
            first valid form).
        error: What is wrong with the form now, or "" when it issued.
        key: The private key in use; replaced only when the key options
            change.
        keys_made: How many keys the builder has generated.
        issued: How many certificates it has issued.
        inspector: The :class:`CertificateInspector` showing the result.
        last_try: The Greeting or HandshakeError of the last "try it".
        common_name, names, key_type, not_before, not_after, profile,
        key_usage, extended_key_usage, signer, client, hostname,
        try_button, try_result, status: The controls and outputs.

    Raises:
        InvalidArgument: an unknown profile or key option. (Invalid values
            typed later are shown in ``status``, not raised.)
    """

    def __init__(
        self,
        signers: Any = None,
        *,
        common_name: str = "localhost",
        names: Iterable[str] = ("localhost", "127.0.0.1"),
        key: str = "EC P-256",
        profile: str = "server",
        days: int = 90,
    ) -> None:
        if profile not in PROFILE_DEFAULTS or key not in KEY_CHOICES:
            raise InvalidArgument(
                f"profile={profile!r}, key={key!r}: use a profile from "
                f"{tuple(PROFILE_DEFAULTS)} and a key from {tuple(KEY_CHOICES)}"
            )
        today = dt.datetime.now(dt.timezone.utc).date()
        usage, purposes = PROFILE_DEFAULTS[profile]
        wide = {"description_width": "110px"}
        text_width = widgets.Layout(width="480px")
        self.common_name = widgets.Text(
            value=common_name, description="Common name", style=wide, layout=text_width
        )
        self.names = widgets.Text(
            value=", ".join(names),
            description="SAN names",
            placeholder="localhost, 127.0.0.1 (empty: no SAN at all)",
            style=wide,
            layout=text_width,
        )
        self.key_type = widgets.Dropdown(
            options=list(KEY_CHOICES), value=key, description="Key", style=wide
        )
        self.not_before = widgets.DatePicker(
            value=today, description="Not before", style=wide
        )
        self.not_after = widgets.DatePicker(
            value=today + dt.timedelta(days=days), description="Not after", style=wide
        )
        self.profile = widgets.ToggleButtons(
            options=["server", "client", "ca"], value=profile, description="Profile"
        )
        self.key_usage = widgets.SelectMultiple(
            options=list(KEY_USAGES),
            value=usage,
            description="Key usage",
            rows=7,
            style=wide,
        )
        self.extended_key_usage = widgets.SelectMultiple(
            options=list(EXTENDED_KEY_USAGES),
            value=purposes,
            description="Ext. key usage",
            rows=4,
            style=wide,
        )
        options = _signers(signers)
        # A builder given a CA starts signed by it (the first one given).
        self.signer = widgets.Dropdown(
            options=options,
            value=options[1][1] if len(options) > 1 else None,
            description="Signer",
            style=wide,
        )
        self.status = widgets.HTML()
        # The builder's profiles are lint's purposes: server, client, ca.
        self.inspector = CertificateInspector(purpose=profile)
        self.client = widgets.Dropdown(
            options=list(CLIENT_KINDS), value="twisted", description="Client"
        )
        self.hostname = widgets.Text(value="localhost", description="Connect as")
        self.try_button = widgets.Button(
            description="Try it", icon="plug", tooltip="serve it and connect"
        )
        self.try_result = widgets.HTML()

        self.result: Credentials | None = None
        self.error = ""
        self.key: PrivateKey | None = None
        self.keys_made = 0
        self.issued = 0
        self.last_try: Any = None
        self._key_choice: str | None = None
        self._quiet = False
        self._helper_site: Credentials | None = None

        form = widgets.VBox(
            [
                self.common_name,
                self.names,
                self.key_type,
                widgets.HBox([self.not_before, self.not_after]),
                self.profile,
                widgets.HBox([self.key_usage, self.extended_key_usage]),
                self.signer,
            ]
        )
        trial = widgets.HBox([self.client, self.hostname, self.try_button])
        super().__init__([form, self.status, trial, self.try_result, self.inspector])
        for control in (
            self.common_name,
            self.names,
            self.key_type,
            self.not_before,
            self.not_after,
            self.key_usage,
            self.extended_key_usage,
            self.signer,
        ):
            control.observe(self._changed, names="value")
        self.profile.observe(self._profile_changed, names="value")
        self.try_button.on_click(lambda _button: self.try_it())
        self.reissue()

    # -- issuing ---------------------------------------------------------------

    def _changed(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self.reissue()

    def _profile_changed(self, change: dict[str, Any]) -> None:
        usage, purposes = PROFILE_DEFAULTS[change["new"]]
        self._quiet = True
        try:
            self.key_usage.value = usage
            self.extended_key_usage.value = purposes
        finally:
            self._quiet = False
        self.inspector.purpose.value = change["new"]
        self.reissue()

    def _current_key(self) -> PrivateKey:
        choice = self.key_type.value
        if self.key is None or choice != self._key_choice:
            kind, options = KEY_CHOICES[choice]
            self.key = new_key(kind, **options)
            self._key_choice = choice
            self.keys_made += 1
        return self.key

    def spec(self) -> Spec:
        """The fields the form describes now.

        Raises:
            InvalidArgument: a date is missing.
        """
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        start, end = self.not_before.value, self.not_after.value
        if start is None or end is None:
            raise InvalidArgument(
                "a validity date is empty; pick both 'not before' and 'not after'"
            )
        not_before = (
            now - _BACKDATE
            if start == now.date()
            else dt.datetime.combine(start, dt.time(), dt.timezone.utc)
        )
        not_after = dt.datetime.combine(end, now.time(), dt.timezone.utc)
        names = tuple(n.strip() for n in self.names.value.split(",") if n.strip())
        return Spec(
            common_name=self.common_name.value.strip(),
            names=names,
            not_before=not_before,
            not_after=not_after,
            profile=self.profile.value,
            key_usage=tuple(self.key_usage.value),
            extended_key_usage=tuple(self.extended_key_usage.value),
        )

    def reissue(self) -> None:
        """Issue the certificate from the form again and refresh the views.

        A form that cannot be issued (an invalid name, dates the wrong way
        round) keeps the last result and shows what is wrong in ``status``.
        """
        try:
            spec = self.spec()
            creds = issue(spec, self._current_key(), self.signer.value)
        except TlslabError as exc:
            self.error = str(exc)
            self.status.value = message_html(f"not issued: {exc}", ok=False)
            return
        self.result, self.error = creds, ""
        self.try_result.value = ""  # the last try was of another certificate
        self.issued += 1
        signer = (
            "self-signed"
            if self.signer.value is None
            else f"signed by {self.signer.label}"
        )
        self.status.value = (
            f"<div>Issued #{self.issued}: {esc(self.key_type.value)} key, "
            f"{esc(signer)}.</div>"
        )
        self.inspector.show(creds)

    # -- try it ----------------------------------------------------------------

    def try_it(self) -> None:
        """Serve the result with the greeting server and connect a client.

        Shows the greeting and the TLS version on success, or the failure's
        reason and explanation; never raises for a failed handshake. Runs
        the server only for the length of the attempt.
        """
        from ..client import fetch_greeting
        from ..server import serve_greeting

        if self.result is None or self.error:
            # Never try an older certificate than the form describes.
            self._tried(
                None,
                f"the form does not make a certificate yet ({self.error}); fix "
                "the field it names, then try again"
                if self.error
                else "nothing issued yet",
                ok=False,
            )
            return
        profile = self.profile.value
        if profile == "ca":
            self._tried(
                None,
                "a CA certificate is not served by a TLS server; switch the "
                "profile to server or client, or pass this CA as a signer",
                ok=False,
            )
            return
        signer = self.signer.value
        anchor = signer if signer is not None else self.result.cert
        try:
            if profile == "server":
                server = serve_greeting(self.result, name=("builder", id(self)))
                trust, client_creds = anchor, None
            else:
                site = self._helper()
                server = serve_greeting(
                    site, require_client_cert=anchor, name=("builder", id(self))
                )
                trust, client_creds = site.cert, self.result
        except TlslabError as exc:
            self._tried(exc, f"the server refused the credentials: {exc}", ok=False)
            return
        outcome: Any
        try:
            outcome = fetch_greeting(
                server,
                trust=trust,
                hostname=self.hostname.value.strip() or "localhost",
                via=self.client.value,
                client=client_creds,
            )
        except TlslabError as exc:
            outcome = exc
        finally:
            server.stop()
        self.last_try = outcome
        self.try_result.value = connection_html(self.client.value, outcome)

    def _helper(self) -> Credentials:
        if self._helper_site is None:
            self._helper_site = self_signed("localhost", "127.0.0.1")
        return self._helper_site

    def _tried(self, outcome: Any, text: str, *, ok: bool) -> None:
        self.last_try = outcome
        self.try_result.value = message_html(text, ok=ok)

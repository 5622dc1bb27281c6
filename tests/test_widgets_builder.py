"""The certificate builder, driven without a browser: set values, click, check."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

import tlslab
from tlslab import widgets

TODAY = dt.datetime.now(dt.timezone.utc).date()


@pytest.fixture
def builder(ca):
    """A builder that may sign with the session root CA."""
    made = widgets.CertificateBuilder({"Test root": ca})
    yield made
    tlslab.stop_all()


def test_first_result_is_issued_at_once(builder) -> None:
    """A new builder already holds credentials for localhost and 127.0.0.1."""
    assert builder.result.names == ["localhost", "127.0.0.1"]


def test_a_change_reissues_without_a_new_key(builder) -> None:
    """Changing the common name issues again with the same key."""
    key = builder.key
    builder.common_name.value = "web"
    assert (builder.issued, builder.keys_made, builder.key) == (2, 1, key)


def test_the_new_certificate_carries_the_change(builder) -> None:
    """The result's subject follows the common name field."""
    builder.common_name.value = "web"
    assert builder.result.cert.subject.rfc4514_string() == "CN=web"


def test_key_options_make_a_new_key(builder) -> None:
    """Choosing RSA 2048 makes a new RSA key."""
    builder.key_type.value = "RSA 2048"
    assert builder.keys_made == 2 and isinstance(builder.key, rsa.RSAPrivateKey)


def test_the_inspector_follows_the_result(builder) -> None:
    """The inspector shows the certificate just issued."""
    builder.names.value = "api.lab.test"
    assert builder.inspector.certificate == builder.result.cert


def test_empty_names_leave_out_the_san(builder) -> None:
    """With no names, the certificate has no SAN and lint says no-san."""
    builder.names.value = ""
    assert "no-san" in builder.inspector.report


def test_past_dates_make_an_expired_certificate(builder) -> None:
    """A validity that ended yesterday yields an expired certificate."""
    builder.not_before.value = TODAY - dt.timedelta(days=30)
    builder.not_after.value = TODAY - dt.timedelta(days=1)
    assert "expired" in builder.inspector.report


def test_dates_the_wrong_way_round_are_explained(builder) -> None:
    """An end before the start keeps the last result and says what to fix."""
    before = builder.result
    builder.not_after.value = TODAY - dt.timedelta(days=400)
    assert builder.result is before and "move 'not after' later" in builder.error


def test_an_invalid_name_is_shown_not_raised(builder) -> None:
    """A misplaced wildcard shows the core's message in the status."""
    builder.names.value = "www.*.lab.test"
    assert "wildcard in the wrong place" in builder.status.value


def test_ca_profile_sets_ca_fields(builder) -> None:
    """The CA profile issues CA:TRUE with keyCertSign and lints as a CA."""
    builder.profile.value = "ca"
    usage = builder.result.cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.value.key_cert_sign and builder.inspector.report.purpose == "ca"


def test_ca_profile_is_clean_as_a_ca(builder) -> None:
    """A self-signed CA from the builder has no lint findings as a CA."""
    builder.profile.value = "ca"
    assert builder.inspector.report.codes == []


def test_client_profile_sets_client_auth(builder) -> None:
    """The client profile switches the extended key usage to clientAuth."""
    builder.profile.value = "client"
    assert builder.extended_key_usage.value == ("clientAuth",)


def test_removing_server_auth_is_a_lint_finding(builder) -> None:
    """Unselecting every extended key usage shows no-eku."""
    builder.extended_key_usage.value = ()
    assert "no-eku" in builder.inspector.report


def test_a_ca_signer_issues_from_the_ca(builder, ca) -> None:
    """Choosing the CA as signer makes the CA the issuer."""
    builder.signer.value = ca
    assert builder.result.cert.issuer == ca.cert.subject


def test_try_it_connects_a_client(builder) -> None:
    """Try it serves the result and the Twisted client receives the greeting."""
    builder.try_button.click()
    assert builder.last_try.data == b"Hello, World!"


def test_try_it_explains_an_expired_certificate(builder) -> None:
    """An expired result fails with the reason 'expired', shown in red."""
    builder.not_before.value = TODAY - dt.timedelta(days=30)
    builder.not_after.value = TODAY - dt.timedelta(days=1)
    builder.try_button.click()
    assert builder.last_try.reason == "expired" and "FAILED" in builder.try_result.value


def test_try_it_explains_a_wrong_hostname(builder) -> None:
    """Connecting as a name the certificate lacks fails as hostname-mismatch."""
    builder.hostname.value = "elsewhere.test"
    builder.try_button.click()
    assert builder.last_try.reason == "hostname-mismatch"


def test_try_it_with_a_ca_signed_result(builder, ca) -> None:
    """A result signed by the CA is trusted through the CA."""
    builder.signer.value = ca
    builder.try_button.click()
    assert builder.last_try.data == b"Hello, World!"


def test_try_it_with_a_client_certificate(builder, ca) -> None:
    """The client profile is tried as a client certificate in mutual TLS."""
    builder.signer.value = ca
    builder.profile.value = "client"
    builder.try_button.click()
    assert builder.last_try.data == b"Hello, World!"


@pytest.mark.skipif(
    shutil.which("openssl") is None,
    reason="openssl is not installed; install it with 'apt-get install openssl'",
)
def test_try_it_with_openssl(builder) -> None:
    """The openssl client can be chosen too."""
    builder.client.value = "openssl"
    builder.try_button.click()
    assert builder.last_try.client == "openssl"


def test_try_it_refuses_to_serve_a_ca(builder) -> None:
    """A CA certificate is not served; the reason is shown instead."""
    builder.profile.value = "ca"
    builder.try_button.click()
    assert "not served by a TLS server" in builder.try_result.value


def test_try_it_leaves_no_server_running(builder) -> None:
    """The server started by try it is stopped afterwards."""
    builder.try_button.click()
    assert tlslab.running_servers() == []


def test_unknown_key_option_is_refused() -> None:
    """A key option the builder does not offer is refused with the choices."""
    with pytest.raises(tlslab.InvalidArgument, match="key='DSA 1024'"):
        widgets.CertificateBuilder(key="DSA 1024")


def test_builder_given_a_ca_starts_signed_by_it(ca) -> None:
    """A builder made with a CA issues from that CA until told otherwise."""
    made = widgets.CertificateBuilder(ca)
    assert made.result.cert.issuer == ca.cert.subject


def test_builder_without_signers_starts_self_signed() -> None:
    """A builder made without a CA issues self-signed certificates."""
    made = widgets.CertificateBuilder()
    assert made.result.cert.issuer == made.result.cert.subject


def test_a_change_clears_the_last_try(builder) -> None:
    """After a field changes, the result of the last try is no longer shown."""
    builder.try_button.click()
    builder.common_name.value = "changed.localhost"
    assert builder.try_result.value == ""


def test_try_it_refuses_while_the_form_is_invalid(builder) -> None:
    """With an invalid field, "try it" says to fix the form, not test the old one."""
    builder.names.value = "bad name.test"
    builder.try_button.click()
    assert "fix the field" in builder.try_result.value

"""The server panel, driven without a browser, against a real greeting server."""

from __future__ import annotations

import asyncio
import time

import pytest

import tlslab
from tlslab import widgets


@pytest.fixture
def panel(site, ca):
    """A panel for the session leaf, whose client trusts the session root."""
    made = widgets.ServerPanel(site, trust=ca)
    yield made
    made.stop()
    tlslab.stop_all()


def _wait_for_events(panel, count: int) -> None:
    """Wait until the server has recorded ``count`` events (the reactor logs them)."""
    for _ in range(200):
        if len(panel.server.events) >= count:
            return
        time.sleep(0.025)
    raise AssertionError(f"the server recorded {len(panel.server.events)} events")


def test_a_new_panel_shows_a_stopped_server(panel) -> None:
    """Before Start, the status says no server is running."""
    assert "STOPPED" in panel.status.value


def test_start_runs_a_server(panel) -> None:
    """Start serves on a free port and the status shows its URL."""
    panel.start_button.click()
    assert panel.server.running and panel.server.url in panel.status.value


def test_stop_stops_the_server(panel) -> None:
    """Stop ends the server and the status says so."""
    panel.start_button.click()
    panel.stop_button.click()
    assert not panel.server.running and "STOPPED" in panel.status.value


def test_connect_shows_the_greeting(panel) -> None:
    """Connect runs the chosen client and shows its success."""
    panel.start_button.click()
    panel.connect_button.click()
    assert panel.last_result.data == b"Hello, World!" and "OK" in panel.result.value


def test_connect_explains_a_failure(panel) -> None:
    """A wrong host name fails with its reason, shown in the result."""
    panel.start_button.click()
    panel.hostname.value = "elsewhere.test"
    panel.connect_button.click()
    assert panel.last_result.reason == "hostname-mismatch"


def test_connect_with_the_ssl_client(panel) -> None:
    """The client kind is chosen from the drop-down."""
    panel.start_button.click()
    panel.client.value = "ssl"
    panel.connect_button.click()
    assert panel.last_result.client == "ssl"


def test_connect_without_a_server_says_start_first(panel) -> None:
    """Connecting before Start explains what to do."""
    panel.connect_button.click()
    assert "click Start first" in panel.result.value


def test_event_log_shows_connections_after_refresh(panel) -> None:
    """After a greeting, Refresh log lists the connection as greeted."""
    panel.start_button.click()
    panel.connect_button.click()
    _wait_for_events(panel, 1)
    panel.refresh_button.click()
    assert ">greeted<" in panel.event_log.value


def test_reactor_events_print_nothing(panel, capfd) -> None:
    """Connections, good and failed, write nothing to stdout or stderr."""
    panel.start_button.click()
    panel.connect_button.click()
    panel.hostname.value = "elsewhere.test"
    panel.connect_button.click()
    _wait_for_events(panel, 2)
    assert capfd.readouterr() == ("", "")


def test_reload_serves_new_credentials(panel, ca) -> None:
    """After reload, a client receives the new certificate on the same port."""
    panel.start_button.click()
    port = panel.server.port
    fresh = ca.issue("localhost", "127.0.0.1")
    panel.reload(fresh)
    panel.connect_button.click()
    assert (panel.server.port, panel.last_result.peer_chain[0]) == (port, fresh.cert)


def test_reload_button_without_a_server_says_start_first(panel) -> None:
    """Reload before Start explains what to do."""
    panel.reload_button.click()
    assert "click Start first" in panel.result.value


def test_mutual_tls_with_and_without_a_client_certificate(site, ca) -> None:
    """Unticking the client certificate makes a mutual-TLS server refuse."""
    alice = ca.issue("alice", client=True)
    panel = widgets.ServerPanel(
        site, trust=ca, client_credentials=alice, require_client_cert=ca
    )
    try:
        panel.start_button.click()
        panel.connect_button.click()
        greeted = panel.last_result.data
        panel.use_client_cert.value = False
        panel.connect_button.click()
        assert (greeted, panel.last_result.reason) == (
            b"Hello, World!",
            "client-cert-required",
        )
    finally:
        panel.stop()


def test_log_refreshes_itself_in_a_running_loop(site, ca) -> None:
    """With an asyncio loop on the main thread (as in a kernel), no click is needed."""

    async def scenario() -> bool:
        panel = widgets.ServerPanel(site, trust=ca, auto_refresh=0.05)
        panel.start_button.click()
        try:
            tlslab.fetch_greeting(panel.server, trust=ca)
            for _ in range(100):
                if ">greeted<" in panel.event_log.value:
                    return True
                await asyncio.sleep(0.05)
            return False
        finally:
            panel.stop()

    assert asyncio.run(scenario())


def test_without_a_loop_the_log_waits_for_a_click(panel, ca) -> None:
    """Outside a loop nothing is scheduled; the log changes only on refresh."""
    panel.start_button.click()
    tlslab.fetch_greeting(panel.server, trust=ca)
    _wait_for_events(panel, 1)
    assert "No connections yet" in panel.event_log.value

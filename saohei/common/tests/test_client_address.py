"""Which address a request comes from, behind zero, one or two reverse proxies."""

from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory

from saohei.common.http import client_ip
from saohei.testing.processes import run_manage, server_environment


def _request(forwarded: str | None = None, remote: str = "10.0.0.2") -> Any:
    meta: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings: Any) -> None:
    settings.SAOHEI_TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.77")) == "10.0.0.2"


def test_behind_one_proxy_the_spoofed_left_most_hop_is_ignored(settings: Any) -> None:
    settings.SAOHEI_TRUSTED_PROXY_COUNT = 1
    # The client wrote "203.0.113.77"; nginx appended the address it really saw.
    assert client_ip(_request("203.0.113.77, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("198.51.100.7")) == "198.51.100.7"


def test_behind_two_proxies_the_second_hop_from_the_right_is_the_client(settings: Any) -> None:
    settings.SAOHEI_TRUSTED_PROXY_COUNT = 2
    forwarded = "203.0.113.77,198.51.100.7, 10.0.0.1"
    assert client_ip(_request(forwarded)) == "198.51.100.7"


@pytest.mark.parametrize(
    "forwarded",
    [None, "", "   ", "unknown", "203.0.113.77, not-an-address", "198.51.100.7, "],
)
def test_a_missing_short_or_malformed_header_falls_back_to_the_peer(
    settings: Any, forwarded: str | None
) -> None:
    settings.SAOHEI_TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded)) == "10.0.0.2"


def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_peer(settings: Any) -> None:
    settings.SAOHEI_TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("203.0.113.77")) == "10.0.0.2"


def test_an_ipv6_hop_is_returned_in_its_canonical_form(settings: Any) -> None:
    settings.SAOHEI_TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("2001:DB8:0:0::1")) == "2001:db8::1"


def _settings_error(tmp_path: Path, **environment: str) -> str:
    return run_manage(server_environment(tmp_path, **environment), "check").stderr


def test_the_old_yes_no_switch_is_refused_at_start_up(tmp_path: Path) -> None:
    error = _settings_error(tmp_path, SAOHEI_TRUST_PROXY="true")
    assert "ImproperlyConfigured" in error and "SAOHEI_TRUSTED_PROXY_COUNT" in error


@pytest.mark.parametrize("value", ["yes", "-1", "1.5", "１"])
def test_a_proxy_count_that_is_not_a_whole_number_is_refused(tmp_path: Path, value: str) -> None:
    error = _settings_error(tmp_path, SAOHEI_TRUSTED_PROXY_COUNT=value)
    assert "ImproperlyConfigured" in error and "SAOHEI_TRUSTED_PROXY_COUNT" in error

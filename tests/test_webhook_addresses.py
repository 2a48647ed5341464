"""The SSRF guard: webhooks go to HTTPS on public addresses only (loopback only when allowed)."""

from __future__ import annotations

import pytest

from recruit.webhooks.addresses import UnsafeUrlError, check_url, target


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata: link-local
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",  # IPv4-mapped private
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://224.0.0.1/hook",  # multicast
        "https://127.0.0.1/hook",  # loopback, not allowed here
        "https://[::1]/hook",
        "https://localhost/hook",
    ],
)
def test_private_link_local_and_loopback_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError, match="public internet"):
        check_url(url, allow_loopback=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/hook", "https://"),
        ("ftp://93.184.215.14/hook", "https://"),
        ("https://user:pw@93.184.215.14/hook", "user name or password"),
        ("https://93.184.215.14/hook#x", "fragment"),
        ("https://93.184.215.14:99999/hook", "valid URL"),
        ("not a url", "2000 characters"),
        ("", "2000 characters"),
        ("https://" + "a" * 2000 + ".example/", "2000 characters"),
        ("https://no-such-host.invalid/hook", "could not be found"),
    ],
)
def test_malformed_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrlError, match=reason):
        check_url(url, allow_loopback=False)


def test_a_public_https_address_is_accepted() -> None:
    assert check_url(" https://93.184.215.14/hooks/recruit?x=1 ", False) == (
        "https://93.184.215.14/hooks/recruit?x=1"
    )
    found = target("https://93.184.215.14:8443/hooks?x=1", False)
    assert (found.address, found.port, found.path) == ("93.184.215.14", 8443, "/hooks?x=1")


def test_loopback_http_only_when_allowed() -> None:
    assert check_url("http://127.0.0.1:8080/hook", allow_loopback=True)
    assert check_url("https://localhost/hook", allow_loopback=True)
    with pytest.raises(UnsafeUrlError):
        check_url("http://127.0.0.1:8080/hook", allow_loopback=False)
    # Allowing loopback never opens private ranges, nor plain http elsewhere.
    with pytest.raises(UnsafeUrlError):
        check_url("https://10.0.0.1/hook", allow_loopback=True)
    with pytest.raises(UnsafeUrlError):
        check_url("http://93.184.215.14/hook", allow_loopback=True)


def test_the_worker_checks_again_at_send_time() -> None:
    """A URL saved while loopback was allowed is refused once it is not."""
    assert target("http://127.0.0.1:9/x", True).address == "127.0.0.1"
    with pytest.raises(UnsafeUrlError):
        target("http://127.0.0.1:9/x", False)
    with pytest.raises(UnsafeUrlError):
        target("https://169.254.169.254/", True)

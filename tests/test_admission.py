"""Who counts as one client for the per-client share of `hcc-kg serve` (the rest of the policy is
tested over HTTP in test_serve_fair.py)."""

from __future__ import annotations

import pytest

from hcc_kg.admission import client_of


@pytest.mark.parametrize("address, client", [
    ("127.0.0.1", "127.0.0.1"), ("192.0.2.7", "192.0.2.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"), ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"), ("::ffff:192.0.2.7", "192.0.2.7"), ("fe80::1%eth0", "fe80::/64"),
    ("", "?"), (None, "?"), ("not an address", "not an address")])
def test_a_client_is_its_address_and_an_ipv6_client_its_64(address, client):
    assert client_of(address) == client

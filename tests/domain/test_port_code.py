"""Schedule D port codes DDPP (FACTS §1.5)."""

from __future__ import annotations

import pytest

from tradeledger.domain.port_code import PortCode, PortCodeError, validate_port_code


@pytest.mark.parametrize("code", ["0101", "0401", "1001", "1002", "2304", "2704", "2709", "3003", "4901", "5301"])
def test_schedule_d_examples(code):
    assert str(validate_port_code(code)) == code


def test_district_and_port():
    port = validate_port_code("2704")
    assert (port.district, port.port) == ("27", "04")
    assert PortCode.from_dict(port.to_dict()) == port


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("270", "must be 4 digits"),
        ("27O4", "must be 4 digits"),
        ("27-04", "must be 4 digits"),
        ("57035", "Schedule K"),
        ("0001", "district 00"),
    ],
)
def test_malformed_port_codes(text, fragment):
    with pytest.raises(PortCodeError, match=fragment):
        validate_port_code(text)

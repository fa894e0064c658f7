"""The RingCentral emulator's number lists (issue 11 item 9): the extension's forwarding numbers and phone
numbers, paged as RingCentral pages them, each answer validated against the OpenAPI subset."""

from __future__ import annotations

import httpx

from .rc_helpers import bearer, error_code, login, validate

EXT = "/restapi/v1.0/account/~/extension/~"


def test_forwarding_numbers_match_the_spec_and_page(client: httpx.Client) -> None:
    tokens = login(client)
    r = client.get(f"{EXT}/forwarding-number", headers=bearer(tokens))
    assert r.status_code == 200
    validate(r)
    body = r.json()
    assert [n["phoneNumber"] for n in body["records"]] == ["+12025550199", "+12025550142", "+12025550143"]
    assert body["records"][0]["id"] == "1" and "CallForwarding" in body["records"][0]["features"]
    assert body["paging"]["totalElements"] == 3 and "nextPage" not in body["navigation"]
    assert r.headers["X-Rate-Limit-Group"] == "light"

    first = client.get(f"{EXT}/forwarding-number", params={"perPage": 2}, headers=bearer(tokens))
    validate(first)
    assert len(first.json()["records"]) == 2 and "nextPage" in first.json()["navigation"]
    second = client.get(f"{EXT}/forwarding-number", params={"perPage": 2, "page": 2}, headers=bearer(tokens))
    validate(second)
    assert [n["id"] for n in second.json()["records"]] == ["3"]
    assert second.json()["paging"]["pageStart"] == 2


def test_phone_numbers_match_the_spec_and_mark_caller_ids(client: httpx.Client) -> None:
    tokens = login(client)
    r = client.get(f"{EXT}/phone-number", headers=bearer(tokens))
    assert r.status_code == 200
    validate(r)
    records = r.json()["records"]
    caller_ids = [n["phoneNumber"] for n in records if "CallerId" in n["features"]]
    assert caller_ids == ["+12025550100", "+12025550111"]
    assert any(n["usageType"] == "CompanyFaxNumber" and not n["features"] for n in records)
    only_direct = client.get(f"{EXT}/phone-number", params={"usageType": "DirectNumber"}, headers=bearer(tokens))
    validate(only_direct)
    assert [n["phoneNumber"] for n in only_direct.json()["records"]] == ["+12025550100"]


def test_number_lists_need_a_token_and_a_sane_page_size(client: httpx.Client) -> None:
    assert client.get(f"{EXT}/phone-number").status_code == 401
    tokens = login(client)
    bad = client.get(f"{EXT}/forwarding-number", params={"perPage": "lots"}, headers=bearer(tokens))
    assert bad.status_code == 400 and error_code(bad) == "CMN-101"
    other = client.get("/restapi/v1.0/account/~/extension/999/phone-number", headers=bearer(tokens))
    assert other.status_code == 404 and error_code(other) == "CMN-102"

"""Recovery codes over the comments API, on its app in this process: a commenter makes one
with their token; a new browser trades it for a new token with the same nics and count; a code
works once, a new one replaces the old, a wrong one opens nothing, and tries are rate limited
per address. The site's pages: tests/web/test_recovery_browser.py."""

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.comments.recovery import ALPHABET, code_hash, new_code
from shared.embedded_redis import EmbeddedRedis
from tests.comments.helpers import nic, post
from tests.comments.inprocess import CommentsApi, comments_api

TRIES = 5  # BURG_COMMENTS_RECOVER_PER_IP for these tests


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommentsApi]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("recovery-redis")).start()
    try:
        with comments_api(tmp_path_factory.mktemp("recovery-api"), server.url,
                          rate_per_ip=1000, rate_per_commenter=1000,
                          recover_per_ip=TRIES) as api:
            yield api
    finally:
        server.stop()


def from_address(api: CommentsApi, address: str) -> httpx.Client:
    """A client whose requests come from `address` (the API counts tries per address)."""
    return api.client(address)


def as_commenter(api: CommentsApi, token: str) -> httpx.Client:
    return api.client(headers={"X-Commenter-Token": token})


def test_a_code_brings_the_nics_back_in_a_new_browser_once(api: CommentsApi) -> None:
    article, reader = api.open_article(), api.client()
    first, second = nic(), nic()
    token = post(reader, article, "One", nic=first)["commenter_token"]
    post(reader, article, "Two", nic=second, token=token)
    me = as_commenter(api, token)
    assert me.get("/commenters/me").json()["has_recovery_code"] is False
    assert api.client().post("/commenters/me/recovery-code").status_code == 401
    made = me.post("/commenters/me/recovery-code")
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    code = made.json()["recovery_code"]
    assert len(code.replace("-", "")) == 25 and set(code.replace("-", "")) <= set(ALPHABET)
    assert me.get("/commenters/me").json()["has_recovery_code"] is True

    browser = from_address(api, "192.0.2.10")
    typed = code.lower().replace("-", " ")  # as someone might type it
    back = browser.post("/commenters/recover", json={"recovery_code": typed})
    assert back.status_code == 200 and back.headers["cache-control"] == "no-store"
    got = back.json()
    assert (got["original_nic"], got["nics"], got["comment_count"]) == (first, [first, second], 2)
    # The new token is the commenter; the lost one no longer is; the code was spent.
    assert as_commenter(api, got["commenter_token"]).get("/commenters/me").json()["nics"] == [
        first, second]
    assert me.get("/commenters/me").status_code == 401
    again = browser.post("/commenters/recover", json={"recovery_code": code})
    assert again.status_code == 401 and "not valid" in again.json()["detail"]
    # The new code works, and posting under the old nics goes on.
    assert got["recovery_code"] != code
    newer = as_commenter(api, got["commenter_token"])
    assert post(newer, article, "Three", nic=first, token=got["commenter_token"])
    replaced = newer.post("/commenters/me/recovery-code").json()["recovery_code"]
    stale = browser.post("/commenters/recover", json={"recovery_code": got["recovery_code"]})
    assert stale.status_code == 401  # a new code replaces the old
    assert browser.post("/commenters/recover",
                        json={"recovery_code": replaced}).status_code == 200


def test_tries_are_limited_per_address_right_or_wrong(api: CommentsApi) -> None:
    guesser = from_address(api, "198.51.100.7")
    answers = [guesser.post("/commenters/recover", json={"recovery_code": new_code()})
               for _ in range(TRIES + 1)]
    assert [a.status_code for a in answers] == [401] * TRIES + [429]
    assert int(answers[-1].headers["retry-after"]) > 0
    # Another address is counted apart.
    assert from_address(api, "198.51.100.8").post(
        "/commenters/recover", json={"recovery_code": new_code()}).status_code == 401


@pytest.mark.parametrize("body", [{}, {"recovery_code": ""}, {"recovery_code": "short"},
                                  {"recovery_code": "A" * 65}, {"recovery_code": 12345678901},
                                  {"code": new_code()}])
def test_a_malformed_try_is_422(api: CommentsApi, body: object) -> None:
    answer = from_address(api, "203.0.113.9").post("/commenters/recover", json=body)
    assert answer.status_code == 422, answer.text


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(typed=st.text(max_size=64))
def test_no_typed_text_matches_a_code_but_its_own_letters(typed: str) -> None:
    """Over all of Unicode: only the code's own 25 letters (any case, any separators) hash
    as it does."""
    code = "ABCDE-FGHJK-MNPQR-STVWX-YZ234"
    letters = "".join(ch for ch in typed.upper() if ch.isascii() and ch.isalnum())
    assert (code_hash(typed) == code_hash(code)) == (letters == code.replace("-", ""))

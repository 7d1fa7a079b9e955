"""Recovery links by e-mail, the comments service's part, over its API in this process and its
inbox: anyone may ask for links to any address and gets the same 202 (the address leaves
sealed for notify alone, in `recovery.requested`), counted with the tries of codes; notify's
`recovery.wanted` gets each named commenter a one-time link code, sealed for notify in
`recovery.codes`; a link code brings the commenter back once, within its hour, and leaves the
commenter's own recovery code alone until it is used. Notify's part:
tests/notify/test_recovery_mail.py; the whole way: tests/e2e/test_recovery_mail.py."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from services.comments.identity import token_hash
from services.comments.models import Commenter, RecoveryLink
from services.comments.recovery import code_hash
from services.comments.tasks import handlers
from shared.embedded_redis import EmbeddedRedis
from shared.events import (
    Envelope,
    RecoveryCodes,
    RecoveryRequested,
    RecoveryWanted,
    utcnow,
)
from shared.sealing import Unsealable, new_private_key, public_key_of, unseal
from tests.comments.helpers import nic, post
from tests.comments.inprocess import CommentsApi, comments_api
from tests.databases import as_json

TRIES = 4  # BURG_COMMENTS_RECOVER_PER_IP for these tests
NOTIFY_KEY = new_private_key()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommentsApi]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("links-redis")).start()
    try:
        with comments_api(tmp_path_factory.mktemp("links-api"), server.url,
                          rate_per_ip=1000, rate_per_commenter=1000, recover_per_ip=TRIES,
                          notify_public_key=public_key_of(NOTIFY_KEY)) as api:
            api.service.runtime.inbox.handlers.update(handlers(api.service.settings))
            yield api
    finally:
        server.stop()


def events(api: CommentsApi, kind: str) -> list[dict[str, Any]]:
    """The data of every event of `kind` in the comments outbox, oldest first."""
    table = api.service.runtime.outbox.table
    with api.service.runtime.engine.connect() as connection:
        rows = connection.execute(select(table.c.envelope).where(table.c.type == kind)
                                  .order_by(table.c.seq)).scalars().all()
    return [as_json(row)["data"] for row in rows]


def commenter(api: CommentsApi, address: str = "127.0.0.1") -> tuple[int, str, str]:
    """A new commenter with a comment: (id, nic, token)."""
    name = nic()
    made = post(api.client(address), api.open_article(), "Hello.", nic=name)
    token = made["commenter_token"]
    me = api.client(headers={"X-Commenter-Token": token})
    assert me.get("/commenters/me").status_code == 200
    with api.service.runtime.sessions() as session:
        found = session.execute(select(Commenter.id).where(
            Commenter.token_hash == token_hash(token))).scalar_one()  # type: ignore[arg-type]
    return int(found), name, token


def wanted(api: CommentsApi, *commenter_ids: int, address_id: int = 7) -> list[dict[str, str]]:
    """Deliver notify's `recovery.wanted` for `commenter_ids`; the (nic, code) links comments
    sealed for notify in its answer."""
    request_id = uuid.uuid4().hex
    before = len(events(api, "recovery.codes"))
    assert api.service.runtime.inbox.handle(Envelope.wrap(RecoveryWanted(
        request_id=request_id, address_id=address_id, commenter_ids=list(commenter_ids)),
        producer="notify").model_dump(mode="json"))
    answers = events(api, "recovery.codes")[before:]
    if not answers:
        return []
    [answer] = answers
    assert (answer["request_id"], answer["address_id"]) == (request_id, address_id)
    opened = unseal([NOTIFY_KEY], answer["sealed"], RecoveryCodes.context(request_id))
    links: list[dict[str, str]] = opened["links"]
    assert all(link["code"] not in str(answer) for link in links)  # sealed only
    return links


def test_asking_is_202_for_any_address_and_the_address_leaves_sealed(api: CommentsApi) -> None:
    asker = api.client("192.0.2.50")
    answers = [asker.post("/commenters/recovery-link", json={"email": email})
               for email in ("frank@example.com", "nobody-ever@example.org")]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()  # nothing tells a known address apart
    sent = events(api, "recovery.requested")[-2:]
    assert "frank@example.com" not in str(sent)
    opened = [unseal([NOTIFY_KEY], data["sealed"], RecoveryRequested.context(data["request_id"]))
              for data in sent]
    assert [o["email"] for o in opened] == ["frank@example.com", "nobody-ever@example.org"]
    assert sent[0]["request_id"] != sent[1]["request_id"]
    # Bound to its request: opened as another, it does not open.
    with pytest.raises(Unsealable):
        unseal([NOTIFY_KEY], sent[0]["sealed"], RecoveryRequested.context(sent[1]["request_id"]))


@pytest.mark.parametrize("body", [{}, {"email": ""}, {"email": "not an address"},
                                  {"email": "a@b"}, {"email": "x" * 250 + "@example.com"},
                                  {"email": "=?utf-8?q?x?=frank@example.org"},
                                  {"email": "frank@example.com\r\nBcc: eve@example.org"},
                                  {"email": ["frank@example.com"]}])
def test_what_is_no_address_is_422(api: CommentsApi, body: object) -> None:
    before = len(events(api, "recovery.requested"))
    answer = api.client("192.0.2.51").post("/commenters/recovery-link", json=body)
    assert answer.status_code == 422, answer.text
    assert len(events(api, "recovery.requested")) == before


def test_asking_is_counted_with_the_tries_of_codes(api: CommentsApi) -> None:
    asker = api.client("198.51.100.77")
    answers = [asker.post("/commenters/recovery-link", json={"email": f"a{i}@example.com"})
               for i in range(TRIES + 1)]
    assert [a.status_code for a in answers] == [202] * TRIES + [429]
    assert int(answers[-1].headers["retry-after"]) > 0
    tried = asker.post("/commenters/recover", json={"recovery_code": "ABCDE-FGHJK-MNPQR"})
    assert tried.status_code == 429  # the same budget


def test_a_link_code_brings_the_commenter_back_once(api: CommentsApi) -> None:
    commenter_id, name, token = commenter(api)
    own = api.client(headers={"X-Commenter-Token": token}).post(
        "/commenters/me/recovery-code").json()["recovery_code"]
    [link] = wanted(api, commenter_id)
    assert link["nic"] == name and len(link["code"].replace("-", "")) == 25
    assert link["code"] != own
    # A link asked for leaves the commenter's own code and token working.
    assert api.client(headers={"X-Commenter-Token": token}).get(
        "/commenters/me").status_code == 200
    browser = api.client("192.0.2.60")
    back = browser.post("/commenters/recover", json={"recovery_code": link["code"]})
    assert back.status_code == 200, back.text
    got = back.json()
    assert (got["original_nic"], got["nics"]) == (name, [name])
    assert got["recovery_code"] not in (own, link["code"])
    # Spent: the link, the old token and the old code open nothing any more.
    for code in (link["code"], own):
        again = browser.post("/commenters/recover", json={"recovery_code": code})
        assert again.status_code == 401
    assert api.client(headers={"X-Commenter-Token": token}).get(
        "/commenters/me").status_code == 401


def test_one_link_used_spends_the_others_and_an_old_one_opens_nothing(
        api: CommentsApi) -> None:
    commenter_id, _, _ = commenter(api)
    [first] = wanted(api, commenter_id)
    [second] = wanted(api, commenter_id)  # asked twice: both work until one is used
    with api.service.runtime.sessions() as session:
        session.execute(update(RecoveryLink).where(
            RecoveryLink.code_hash == code_hash(first["code"]))  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    browser = api.client("192.0.2.61")
    assert browser.post("/commenters/recover",
                        json={"recovery_code": first["code"]}).status_code == 401  # expired
    assert browser.post("/commenters/recover",
                        json={"recovery_code": second["code"]}).status_code == 200
    [third] = wanted(api, commenter_id)
    [fourth] = wanted(api, commenter_id)
    other = api.client("192.0.2.62")
    assert other.post("/commenters/recover", json={"recovery_code": fourth["code"]}
                      ).status_code == 200
    assert other.post("/commenters/recover", json={"recovery_code": third["code"]}
                      ).status_code == 401


def test_each_commenter_named_gets_a_code_and_strangers_none(api: CommentsApi) -> None:
    one, two = commenter(api), commenter(api)
    links = wanted(api, two[0], one[0], 10**9, one[0])
    assert sorted(link["nic"] for link in links) == sorted([one[1], two[1]])
    assert len({link["code"] for link in links}) == 2
    assert wanted(api, 10**9 + 1) == []  # nobody it knows: no answer at all
    for link, address in zip(links, ("192.0.2.63", "192.0.2.64"), strict=True):
        got = api.client(address).post("/commenters/recover",
                                       json={"recovery_code": link["code"]}).json()
        assert got["original_nic"] == link["nic"]


def test_only_hashes_of_link_codes_are_kept(api: CommentsApi) -> None:
    commenter_id, _, _ = commenter(api)
    [link] = wanted(api, commenter_id)
    with api.service.runtime.sessions() as session:
        kept = session.execute(select(RecoveryLink.code_hash).where(
            RecoveryLink.commenter_id == commenter_id)).scalars().all()  # type: ignore[arg-type]
    assert kept == [code_hash(link["code"])]
    assert link["code"].replace("-", "") not in str(kept)

"""Where an e-mail address rests: only in notify's database. A Burg of its own (its embedded
Redis keeps its append-only file in the same data folder) takes subscriptions through the form's
API, confirms one, mails a reply, is stopped, and then every file of its data folder is read:
Redis's AOF, every SQLite file with its WAL and SHM, the key files, the logs, the metrics.

Excluded, on purpose: notify's own database (where the address belongs), and the mail sink's
Maildir (`mail/`): it stands for the recipients' mailboxes, and an e-mail to an address names
it in its To: header. On PostgreSQL the databases are on the server, not in the folder."""

import base64
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx

from tests.comments.helpers import open_article
from tests.conftest import STACK_ENV, running_stack, wait_for
from tests.databases import as_json

# Each comment asking for e-mail counts, per client address: the fourth here is refused.
ENV = STACK_ENV | {"BURG_COMMENTS_MAIL_REQUESTS_PER_IP": "3"}
NOTIFY_DATABASE = {"notify.db", "notify.db-wal", "notify.db-shm", "notify.db-journal"}


def as_text(address: str) -> list[bytes]:
    """`address` as text would hold it (compared lower-cased): itself, percent-encoded."""
    return [address.lower().encode(), quote(address.lower()).lower().encode()]


def as_base64(address: str) -> list[bytes]:
    """The part of `address`'s base64 (standard and URL-safe) that does not depend on the
    bytes around it, at each of the three alignments."""
    raw = address.encode()
    return [encode(b"\0" * shift + raw).rstrip(b"=")[start:-2]
            for shift, start in ((0, 0), (1, 2), (2, 3))
            for encode in (base64.b64encode, base64.urlsafe_b64encode)]


def holders(folder: Path, address: str) -> list[str]:
    """The files under `folder` (but notify's database and the Maildir) that hold `address`
    as text or base64."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if relative.parts[0] == "mail" or relative.name in NOTIFY_DATABASE:
            continue
        content = path.read_bytes()
        if (any(form in content.lower() for form in as_text(address))
                or any(form in content for form in as_base64(address))):
            found.append(str(relative))
    return found


def test_the_scan_finds_an_address_in_any_form(tmp_path: Path) -> None:
    address = "frank-1234@example.org"
    for i, content in enumerate([b"x" + address.upper().encode(), b"to=frank-1234%40example.org",
                                 b"{" + base64.b64encode(b'{"email": "' + address.encode()),
                                 base64.urlsafe_b64encode(b"ab" + address.encode() + b"\"}")]):
        (tmp_path / f"{i}.bin").write_bytes(content)
    assert holders(tmp_path, address) == [f"{i}.bin" for i in range(4)]


def test_after_subscriptions_only_notifys_database_holds_the_addresses(tmp_path: Path) -> None:
    folder = tmp_path / "burg"
    folder.mkdir()
    tag = uuid.uuid4().hex[:8]
    frank, proc, other = (f"{name}-{tag}@example.org" for name in ("frank", "proc", "other"))
    with running_stack(folder, None, ENV) as stack:
        article, comments = open_article(stack), stack.client("comments")
        url = f"/articles/{article}/comments"

        def ask(nic: str, email: str, **more: object) -> httpx.Response:
            return comments.post(url, json={"nic": f"{nic} {tag}", "body": "Tell me.",
                                            "email": email, "notify_replies": True} | more)

        first = ask("Frank", frank)
        assert first.status_code == 201, first.text
        assert ask("Proc", proc, follow_thread=True).status_code == 201
        assert ask("Other", other).status_code == 201
        # A fourth request for e-mail from this client, within the hour: refused.
        refused = ask("Fourth", f"fourth-{tag}@example.org")
        assert refused.status_code == 429 and "e-mail" in refused.json()["detail"]
        assert refused.headers["Retry-After"]

        stack.confirm(frank)
        stack.confirm(proc)
        reply = comments.post(url, json={"nic": f"Replier {tag}", "body": "Indeed.",
                                         "parent_id": first.json()["comment"]["id"]})
        assert reply.status_code == 201, reply.text
        wait_for(lambda: stack.replies_to(frank) and stack.replies_to(proc),
                 what="the reply e-mails")
        # The producer's outbox forgot what it sent (it only ever held it sealed), once
        # notify confirmed it (one sweep after the bound of BURG_REDELIVER_AFTER).
        def forgotten() -> bool:
            rows = stack.sql("comments", "SELECT sent_at, awaiting, envelope FROM outbox "
                                         "WHERE type = 'subscription.requested'")
            assert len(rows) == 3
            return all(sent and awaiting is None and as_json(envelope)["data"] == {}
                       for sent, awaiting, envelope in rows)

        wait_for(forgotten, what="the sealed addresses forgotten by the comments outbox")
        mails_seen = {str(m["To"]) for m in stack.mails()}
    assert {frank, proc, other} <= mails_seen  # the scan has something to miss...
    notify_files = b"".join(path.read_bytes() for path in folder.glob("notify.db*"))
    for address in (frank, proc, other):
        if notify_files:  # ...and finds it where it belongs (SQLite: in the data folder)
            assert address.encode() in notify_files
        holding = holders(folder, address)
        assert holding == [], f"{address} rests in {holding}"

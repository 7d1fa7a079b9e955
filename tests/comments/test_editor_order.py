"""Editors' tokens when their events arrive out of order (a retry, two workers): the newest
change wins, whichever comes last."""

import hashlib
import uuid
from pathlib import Path

import pytest

from services.comments import replica
from services.comments.moderation import authenticate_editor
from shared.celery_app import make_celery
from shared.errors import Unauthorized
from shared.events import EditorAuthorized, EditorRevoked, Envelope
from shared.settings import Settings
from tests.comments.inprocess import Comments, comments_service
from tests.conftest import Stack, wait_for

A, B = "token-a", "token-b"


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def apply(service: Comments, *events: EditorAuthorized | EditorRevoked) -> None:
    for event in events:  # each in its own transaction, as each worker does
        with service.session() as session:
            handler = (replica.on_editor_authorized if isinstance(event, EditorAuthorized)
                       else replica.on_editor_revoked)
            handler(session, event)  # type: ignore[arg-type]
            session.commit()


def moderates(service: Comments, token: str) -> bool:
    with service.session() as session:
        try:
            authenticate_editor(session=session, token=token)
        except Unauthorized:
            return False
        return True


def test_a_revocation_handled_before_its_authorization_still_holds(tmp_path: Path) -> None:
    with comments_service(tmp_path) as service:
        apply(service, EditorRevoked(nic="Ed", version=2),
              EditorAuthorized(nic="Ed", token_hash=sha(A), version=1))
        assert not moderates(service, A)


def test_a_rotation_handled_in_reverse_keeps_the_newer_token(tmp_path: Path) -> None:
    with comments_service(tmp_path) as service:
        apply(service, EditorAuthorized(nic="Ed", token_hash=sha(B), version=2),
              EditorAuthorized(nic="Ed", token_hash=sha(A), version=1))
        assert moderates(service, B) and not moderates(service, A)
        apply(service, EditorRevoked(nic="Ed", version=3))
        assert not moderates(service, B)
        # An event sent before versions (0) cannot undo a versioned one either.
        apply(service, EditorAuthorized(nic="Ed", token_hash=sha(A), version=0))
        assert not moderates(service, A)


def test_in_order_they_work_as_before(tmp_path: Path) -> None:
    with comments_service(tmp_path) as service:
        apply(service, EditorAuthorized(nic="Ed", token_hash=sha(A), version=1))
        assert moderates(service, A)
        apply(service, EditorRevoked(nic="Ed", version=2))
        assert not moderates(service, A)
        apply(service, EditorAuthorized(nic="Ed", token_hash=sha(B), version=3))
        assert moderates(service, B) and not moderates(service, A)


@pytest.mark.parametrize("events", ["revoked first", "rotated first"])
def test_the_worker_applies_events_sent_out_of_order(stack: Stack, events: str) -> None:
    nic, old, new = f"Late {uuid.uuid4().hex[:8]}", uuid.uuid4().hex, uuid.uuid4().hex
    newest: EditorAuthorized | EditorRevoked = (
        EditorRevoked(nic=nic, version=2) if events == "revoked first"
        else EditorAuthorized(nic=nic, token_hash=sha(new), version=2))
    sent = [Envelope.wrap(event, producer="posts") for event in
            (newest, EditorAuthorized(nic=nic, token_hash=sha(old), version=1))]
    celery = make_celery("comments", Settings(), stack.env["BURG_REDIS_URL"])
    for envelope in sent:
        celery.send_task("comments.handle_event", args=[envelope.model_dump(mode="json")],
                         queue="comments")
    ids = ", ".join(f"'{envelope.id}'" for envelope in sent)
    wait_for(lambda: len(stack.sql("comments", f"SELECT 1 FROM inbox WHERE event_id IN ({ids})"))
             == 2, what="the comments worker to handle both events")
    def status(token: str) -> int:
        return stack.client("comments", headers={"Authorization": f"Bearer {token}"}).get(
            "/moderation/waiting").status_code
    assert status(old) == 401
    assert status(new) == (401 if events == "revoked first" else 200)

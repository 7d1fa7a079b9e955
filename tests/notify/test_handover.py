"""E-mails stored by a worker's pool child while its main process's sending threads run are
claimed in the storing transaction and handed over through the pipe: sent with no claim of
the threads' own, and, should the threads stop before reading them, given back for any
sender rather than left to their lease."""

import os
from pathlib import Path

from sqlmodel import select

from services.notify import delivery, messages
from services.notify.bootstrap import Service, bootstrap
from services.notify.models import Address, Consent, Delivery, Kind, Status
from shared.sealing import new_private_key
from tests.conftest import wait_for
from tests.databases import database_url, migrated
from tests.notify.conftest import SMTPServer


def service_for(tmp_path: Path, smtp: SMTPServer, redis_url: str) -> Service:
    return bootstrap(database_url=migrated("notify", database_url(tmp_path, "notify")),
                     redis_url=redis_url, site_url="https://burg.example", smtp_port=smtp.port,
                     data_dir=tmp_path, private_keys=new_private_key(), send_threads=2,
                     send_poll_seconds=60)


def store_in_a_child(service: Service, count: int) -> None:
    """What a pool child's task does: store e-mails (`delivery.queue`) and commit."""
    with service.runtime.sessions() as session:
        address = Address(email="frank@example.org", consent=Consent.confirmed)
        session.add(address)
        session.commit()
        address_id = address.id
    if (child := os.fork()) == 0:
        service.runtime.engine.dispose(close=False)
        with service.runtime.sessions() as session:
            for n in range(count):
                key = f"confirm:{address_id}:{n}"
                delivery.queue(session, Delivery(
                    key=key, kind=Kind.confirm, address_id=address_id,
                    message_id=messages.message_id(service.settings, key)))
            session.commit()
        os._exit(0)
    os.waitpid(child, 0)


def rows(service: Service) -> list[Delivery]:
    with service.runtime.sessions() as session:
        return list(session.exec(select(Delivery).order_by(Delivery.key)))


def test_emails_stored_while_the_threads_run_are_claimed_for_them_and_sent(
        tmp_path: Path, smtp: SMTPServer, redis_url: str) -> None:
    service = service_for(tmp_path, smtp, redis_url)
    sender = service.sender
    sender.start()
    try:
        wait_for(lambda: sender.looked > 0, what="the threads' first look")
        store_in_a_child(service, 5)
        # The next look is 60 s away: only the hand-over can send them this soon.
        wait_for(lambda: {r.status for r in rows(service)} == {Status.sent}, timeout=20,
                 what="5 e-mails recorded as sent")
        assert [r.attempts for r in rows(service)] == [1] * 5
        assert len({m["Message-ID"] for m in smtp.recorder.messages}) == 5
    finally:
        sender.stop(10)
        service.runtime.engine.dispose()


def test_claims_handed_over_but_not_taken_are_given_back_when_the_threads_stop(
        tmp_path: Path, smtp: SMTPServer, redis_url: str) -> None:
    service = service_for(tmp_path, smtp, redis_url)
    service.sender.handover.open(True)  # running, as far as a pool child can tell
    store_in_a_child(service, 3)
    stored = rows(service)
    assert {(r.status, r.attempts) for r in stored} == {(Status.sending, 1)}
    assert len({r.claim for r in stored}) == 1 and stored[0].claim is not None
    service.sender.stop(1)
    assert {(r.status, r.attempts) for r in rows(service)} == {(Status.waiting, 0)}
    assert smtp.recorder.messages == []
    service.runtime.engine.dispose()

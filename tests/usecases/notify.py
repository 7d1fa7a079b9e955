"""The notify service as its use-case tests wire it: its event handlers behind a real inbox,
its deliveries sending through a function that records each message (as `Deliveries` takes
one; a real SMTP server is `tests/notify/`'s), on a clock a test moves on."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from sqlmodel import col, select

from services.notify import subscriptions
from services.notify.delivery import Deliveries
from services.notify.models import Address, Delivery, NotifyTable, Status
from services.notify.settings import NotifySettings
from services.notify.tasks import handlers
from services.notify.tokens import Purpose, Tokens
from services.notify.upkeep import Upkeep
from shared.events import CommentCreated, SubscriptionRequested, utcnow
from shared.sealing import new_private_key, public_key_of, seal
from tests.conftest import Clock
from tests.usecases.conftest import Wired, wire

PRIVATE = new_private_key()
SETTINGS = NotifySettings(site_url="https://burg.example", private_keys=PRIVATE,
                          secret_keys="use-case-tests")


FRANK = "frank@example.com"


@dataclass
class Notify:
    wired: Wired
    tokens: Tokens
    deliveries: Deliveries
    upkeep: Upkeep  # the failed e-mails, their retry, the digests
    sent: list[EmailMessage]  # every message the SMTP server took
    refusals: list[Exception]  # the next sends fail with these, one each
    clock: Clock

    def rows(self, kind: str | None = None) -> list[tuple[str, int, Status]]:
        """(key, address id, status) of each delivery (of `kind`), oldest first."""
        with self.wired.session() as session:
            query = select(Delivery).order_by(col(Delivery.created_at))
            return [(d.key, d.address_id, d.status) for d in session.exec(query).all()
                    if kind is None or d.kind == kind]

    def send_due(self) -> int:
        """What the worker does in a round: fold the digests that are due, send what is due."""
        self.upkeep.fold_digests()
        return self.deliveries.send_due()

    def address(self, email: str = FRANK) -> Address:
        with self.wired.session() as session:
            return session.exec(select(Address).where(Address.email == email)).one()

    def confirm(self, email: str = FRANK) -> None:
        address = self.address(email)
        assert address.id is not None
        with self.wired.session() as session:
            token = self.tokens.make(Purpose.confirm, address.id, address.email)
            subscriptions.confirm(session=session, tokens=self.tokens, token=token)


@contextmanager
def notify_service(tmp_path: Path, settings: NotifySettings = SETTINGS) -> Iterator[Notify]:
    sent: list[EmailMessage] = []
    refusals: list[Exception] = []

    def send(_settings: NotifySettings, message: EmailMessage,
             accepted: Callable[[], object]) -> None:
        if refusals:
            raise refusals.pop(0)
        sent.append(message)
        accepted()

    with wire(tmp_path, "notify", NotifyTable.metadata, handlers(settings)) as wired:
        tokens, clock = Tokens(settings), Clock()
        yield Notify(wired, tokens, Deliveries(settings=settings, sessions=wired.sessions,
                                               tokens=tokens, send=send, clock=clock),
                     Upkeep(settings=settings, sessions=wired.sessions, clock=clock),
                     sent, refusals, clock)
    # Notify tells another service one thing only: whom a recovery link is for.
    assert {kind for kind, _ in wired.events()} <= {"recovery.wanted"}


def asks(comment_id: int, commenter_id: int = 1, email: str = FRANK, *, replies: bool = True,
         follow: bool = False) -> SubscriptionRequested:
    """Commenter `commenter_id` asks, with comment `comment_id`, for e-mail to `email`."""
    return SubscriptionRequested(
        comment_id=comment_id, article_id=1, commenter_id=commenter_id, nic=f"N{commenter_id}",
        sealed=seal(public_key_of(PRIVATE), {"email": email},
                    SubscriptionRequested.context(comment_id)),
        replies=replies, follow_thread=follow)


def comment(comment_id: int, commenter_id: int, parent_id: int | None = None, *,
            wants: bool = True, followed: bool = False) -> CommentCreated:
    return CommentCreated(
        comment_id=comment_id, article_id=1, article_title="Ferry",
        article_url="https://burg.example/articles/ferry", parent_id=parent_id,
        commenter_id=commenter_id, nic=f"N{commenter_id}", body_html="<p>Reply.</p>",
        created_at=utcnow(), parent_wants_replies=wants and parent_id is not None,
        thread_followed=followed)

"""The posts service as its use-case tests wire it, and the editor, category and articles
most of them start from."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session, select

from services.posts import articles, categories, editors
from services.posts.models import ArticleCreate, Category, CategoryCreate, Editor, PostsTable
from services.posts.settings import PostsSettings
from tests.usecases.conftest import Wired, wire

SETTINGS = PostsSettings(site_url="https://burg.example")


@contextmanager
def posts_service(tmp_path: Path) -> Iterator[Wired]:
    with wire(tmp_path, "posts", PostsTable.metadata) as wired:
        yield wired


def an_editor(posts: Wired, session: Session) -> Editor:
    """The editor "Steve White" (made the first time)."""
    editor = session.exec(select(Editor)).first()
    if editor is None:
        token = editors.create_editor(session=session, outbox=posts.outbox, nic="Steve White")
        editor = editors.authenticate(session=session, token=token)
    return editor


def a_draft(posts: Wired, session: Session, title: str = "Ferry fares rise") -> int:
    """A draft in the category "Sea" (made the first time)."""
    if not session.exec(select(Category).where(Category.slug == "sea")).first():
        categories.create_category(session=session, outbox=posts.outbox,
                                   data=CategoryCreate(name="Sea"))
    article = articles.create_article(session=session, editor=an_editor(posts, session),
                                      data=ArticleCreate(title=title, category="sea",
                                                         body="The [i]ferry[/i] costs more."))
    assert article.id is not None
    return article.id


def published(posts: Wired, session: Session, title: str = "Ferry fares rise") -> int:
    article_id = a_draft(posts, session, title)
    articles.publish_article(session=session, outbox=posts.outbox, settings=SETTINGS,
                             article_id=article_id)
    return article_id


def after_setup(posts: Wired) -> int:
    """How many events the set-up recorded: the test's own come after them."""
    return len(posts.events())

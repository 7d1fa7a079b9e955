"""Use cases for categories: every article belongs to exactly one."""

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from services.posts.models import Category, CategoryCreate, CategoryUpdate
from services.posts.slugs import slugify
from shared.errors import Conflict, NotFound
from shared.events import CategoryCreated, CategoryUpdated
from shared.outbox import Outbox


def create_category(*, session: Session, outbox: Outbox, data: CategoryCreate) -> Category:
    """Create a category; its slug comes from the name (409 if that slug is taken)."""
    slug = slugify(data.name)
    if session.exec(select(Category).where(Category.slug == slug)).first():
        raise Conflict(f"a category with the slug {slug!r} exists already")
    category = Category(name=data.name, description=data.description, slug=slug)
    session.add(category)
    outbox.add(session, CategoryCreated(slug=slug, name=category.name,
                                        description=category.description))
    try:
        session.commit()
    except IntegrityError:  # created by someone else between our check and our insert
        session.rollback()
        raise Conflict(f"a category with the slug {slug!r} exists already") from None
    return category


def update_category(*, session: Session, outbox: Outbox, slug: str,
                    data: CategoryUpdate) -> Category:
    """Rename or describe a category; its slug never changes, so its links keep working."""
    category = get_category(session=session, slug=slug)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if all(getattr(category, field) == value for field, value in changes.items()):
        return category  # nothing changes, nothing to tell
    if "name" in changes and session.exec(select(Category).where(
            func.lower(Category.name) == changes["name"].lower(),
            Category.id != category.id)).first():
        raise Conflict(f"another category is named {changes['name']!r} already")
    for field, value in changes.items():
        setattr(category, field, value)
    session.add(category)
    outbox.add(session, CategoryUpdated(slug=slug, name=category.name,
                                        description=category.description))
    session.commit()
    return category


def get_category(*, session: Session, slug: str) -> Category:
    """A category by slug; NotFound if there is none."""
    category = session.exec(select(Category).where(Category.slug == slug)).first()
    if category is None:
        raise NotFound(f"no category {slug!r}")
    return category


def list_categories(*, session: Session) -> list[Category]:
    """All categories, by name."""
    return list(session.exec(select(Category).order_by(Category.name)).all())

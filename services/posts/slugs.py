"""URL-safe slugs: lowercase ASCII words joined by hyphens."""

import re
import unicodedata

from sqlmodel import Session, col, select

from services.posts.models import Article, Category


def slugify(text: str, max_length: int = 80) -> str:
    """A URL-safe lowercase ASCII slug ("Iraq & Syria" → "iraq-syria", "Café" → "cafe")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
    return slug or "item"


def unique_slug(session: Session, model: type[Article] | type[Category], text: str) -> str:
    """`slugify(text)`, suffixed -2, -3, … until no row of `model` has it."""
    base = slugify(text)
    taken = set(session.exec(select(model.slug).where(col(model.slug).startswith(base))).all())
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug

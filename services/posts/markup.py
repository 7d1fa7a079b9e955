"""Article body rendering: for now plain text in paragraphs, every character escaped."""

import html


def render_body(body: str) -> str:
    """Sanitised HTML for an article body: one `<p>` per blank-line-separated paragraph."""
    paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "\n".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def summarize(body: str, limit: int = 300) -> str:
    """The first paragraph as plain text, cut at a word boundary near `limit` characters."""
    first = body.strip().split("\n\n", 1)[0].replace("\n", " ").strip()
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"

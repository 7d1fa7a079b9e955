"""Comment text to HTML: for now plain text, every character escaped, line breaks kept."""

import html


def render_comment(body: str) -> str:
    """Sanitised HTML for a comment: paragraphs on blank lines, `<br>` on single ones."""
    paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "\n".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)

"""What the article form's desk fields send to the posts API: the comments' closing time,
typed in UTC (a `datetime-local` input: no zone, to the minute), is sent only when the editor
changed it, so that saving a form unchanged leaves the stored moment to the second."""

from datetime import UTC, datetime


def closing_change(form: dict[str, str]) -> str | None:
    """The new closing time as the API takes it (with its zone), or None if unchanged. A
    value that is no moment is sent as it is: the API names the field, the form says so."""
    typed = form.get("comments_close_at", "").strip()
    if not typed or typed[:16] == form.get("comments_close_was", "")[:16]:
        return None
    try:
        return datetime.fromisoformat(typed).replace(tzinfo=UTC).isoformat()
    except ValueError:
        return typed

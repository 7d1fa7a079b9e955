"""Text any XML 1.0 document (and so any feed reader) can carry.

Whatever reached the read model — stored before the APIs refused such characters, or arriving
anyway — is made safe here before it reaches feedgen (whose lxml raises on a character XML
forbids) or the JSON Feed (whose readers are XML-minded too)."""

from shared.text import UNCARRIABLE

REPLACEMENT = "\ufffd"  # what readers show for a character that could not be shown

# XML 1.0 §2.2: Char excludes the C0 controls but tab, LF and CR, the surrogates (alone they
# cannot even be encoded), U+FFFE and U+FFFF; it discourages DEL, the C1 controls (U+0085,
# a line break in some readers, included) and the other noncharacters. That is what the
# APIs refuse at input (shared/text.py): the same set, applied here to what got in before.


def xml_text(text: str) -> str:
    """`text` with each character XML 1.0 forbids or discourages replaced by U+FFFD.

    Replaced, not deleted: deleting could join what was apart (`java\\x00script`)."""
    return UNCARRIABLE.sub(REPLACEMENT, text)

"""Text any XML 1.0 document (and so any feed reader) can carry.

Whatever reached the read model — stored before the APIs refused such characters, or arriving
anyway — is made safe here before it reaches feedgen (whose lxml raises on a character XML
forbids) or the JSON Feed (whose readers are XML-minded too)."""

import re

REPLACEMENT = "\ufffd"  # what readers show for a character that could not be shown

# XML 1.0 §2.2: Char excludes the C0 controls but tab, LF and CR, the surrogates (alone they
# cannot even be encoded), U+FFFE and U+FFFF; it discourages DEL, the C1 controls and the
# other noncharacters (U+FDD0-U+FDEF and the last two code points of every plane). U+0085
# (NEL), which the standard lets by, goes too: it is a C1 control, and a line break in some
# readers but not others.
_UNFIT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}"
              for plane in range(1, 17))
    + "]")


def xml_text(text: str) -> str:
    """`text` with each character XML 1.0 forbids or discourages replaced by U+FFFD.

    Replaced, not deleted: deleting could join what was apart (`java\\x00script`)."""
    return _UNFIT.sub(REPLACEMENT, text)

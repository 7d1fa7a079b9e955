"""The last line of defence: nh3 keeps exactly the HTML the writer produces, and nothing else.

The writer already escapes everything, so on its output this changes nothing; it is here so
that a bug in the markup code still cannot let a script or a foreign attribute through.
"""

import nh3

from shared.markup.html_writer import REL

TAGS = {"p", "br", "strong", "em", "u", "s", "small", "span", "blockquote", "ul", "li", "a", "img"}
_ATTRIBUTES = {"a": {"href"}, "img": {"src"}}
# alt and loading may only have the values the writer gives them.
_FIXED_VALUES = {"img": {"alt": {""}, "loading": {"lazy"}}}
# Class names are checked here; nh3 panics if `class` is also allowed in _ATTRIBUTES.
_CLASSES = {"span": {"big"}, "em": {"commentary"}, "img": {"foto"}}


def sanitise(html: str) -> str:
    """`html` reduced to the tags, attributes, classes and URL schemes the markup can produce."""
    return _CLEANER.clean(html)


def _https_pictures_only(tag: str, attribute: str, value: str) -> str | None:
    # An inline picture over plain http would be mixed content on the site's https pages.
    if tag == "img" and attribute == "src" and not value.lower().startswith("https://"):
        return None
    return value


# Built once: `nh3.clean` builds a cleaner from these rules at every call, which cost twice
# as much as the cleaning (of a comment's few lines).
_CLEANER = nh3.Cleaner(
    tags=TAGS,
    attributes=_ATTRIBUTES,
    tag_attribute_values=_FIXED_VALUES,
    allowed_classes=_CLASSES,
    attribute_filter=_https_pictures_only,
    url_schemes={"http", "https"},
    url_relative="deny",
    link_rel=REL,  # replaces any rel; nh3 refuses `rel` in _ATTRIBUTES while this is set
    strip_comments=True,
)

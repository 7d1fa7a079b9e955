"""The site's export as a WordPress eXtended RSS file (WXR 1.2), the format WordPress exports
and imports, and Burg's own imports read back: written piece by piece (`head`, an `item` per
article, `TAIL`) so that a file of any size streams.

It follows what WordPress itself writes (wp-admin/includes/export.php) and what its importer
reads (wordpress-importer's parsers): the five namespaces under the prefixes WordPress uses
(its non-namespace-aware parser matches `wp:…` literally), no DOCTYPE (refused), each author
and category on one line and each element on a line of its own (the regex parser reads lines),
`<category domain="category" nicename="…">` with its attributes in that order, texts in CDATA
with `]]>` split across two sections. Times are UTC: Burg has no local time to give.

Some of WordPress's fields are HTML, not text: a post's title, a category's name and
description, a comment's author name and an author's display name (WordPress stores names
with `&`, `<`, `>` as entities, and shows titles as HTML). Burg's plain text goes into them
HTML-escaped (`as_html`), so that "Q&A <live>" reads the same on WordPress and comes back the
same from an import that reads them as WordPress means them (unescaped).

What WordPress has no field for, and Burg needs for the same page (the markup as written, the
dateline and its place, the source, when comments close, a comment's number and edit time), is
carried in `wp:postmeta` and `wp:commentmeta` under `_burg_…` keys (WordPress keeps them as
hidden custom fields; Burg's import may read them). A comment taken down that keeps its place
for public replies (a placeholder) is written with `comment_approved` "trash", as WordPress
writes a comment in its trash: not shown, but its replies keep their parent.

Every text has the characters XML 1.0 forbids removed (a control character, a lone surrogate):
the file must parse, and they are nothing a reader sees; and every line end is a line feed (a
parser makes one of a carriage return anyway)."""

import html
import re
from datetime import UTC, datetime
from typing import Any

from services.web.apis import Json

VERSION = "1.2"
NAMESPACES = {
    "excerpt": f"http://wordpress.org/export/{VERSION}/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": f"http://wordpress.org/export/{VERSION}/",
}
TAIL = "</channel>\n</rss>\n"
# What XML 1.0 cannot hold (the markup strips them from bodies; titles, nics and addresses
# come from elsewhere).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def head(*, site_url: str, title: str, exported_at: datetime, authors: list[str],
         categories: list[Json]) -> str:
    """The file up to its first item: the channel, its authors and its categories."""
    declared = "\n".join(f'\txmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    lines = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        "<!-- A WordPress eXtended RSS file: the public articles and comments of a Burg site."
        " -->",
        f'<rss version="2.0"\n{declared}\n>',
        "<channel>",
        f"\t<title>{text(title)}</title>",
        f"\t<link>{text(site_url)}</link>",
        f"\t<description>{text('Articles and comments of ' + site_url)}</description>",
        f"\t<pubDate>{rfc822(exported_at)}</pubDate>",
        f"\t<wp:wxr_version>{VERSION}</wp:wxr_version>",
        f"\t<wp:base_site_url>{text(site_url)}</wp:base_site_url>",
        f"\t<wp:base_blog_url>{text(site_url)}</wp:base_blog_url>",
    ]
    for number, nic in enumerate(authors, start=1):
        lines.append(
            f"\t<wp:author><wp:author_id>{number}</wp:author_id>"
            f"<wp:author_login>{cdata(nic)}</wp:author_login>"
            f"<wp:author_email>{cdata('')}</wp:author_email>"
            f"<wp:author_display_name>{cdata(as_html(nic))}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata('')}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata('')}</wp:author_last_name></wp:author>")
    for number, category in enumerate(categories, start=1):
        lines.append(
            f"\t<wp:category><wp:term_id>{number}</wp:term_id>"
            f"<wp:category_nicename>{text(category['slug'])}</wp:category_nicename>"
            f"<wp:category_parent></wp:category_parent>"
            f"<wp:cat_name>{cdata(as_html(category['name']))}</wp:cat_name>"
            f"<wp:category_description>{cdata(as_html(category.get('description') or ''))}"
            f"</wp:category_description></wp:category>")
    lines.append("\t<generator>Burg</generator>")
    return "\n".join(lines) + "\n"


def item(article: Json, category_names: dict[str, str], now: datetime) -> str:
    """An article and its comments, as one `<item>`."""
    published = moment(article["published_at"])
    closes = article.get("comments_close_at")
    still_open = closes is not None and moment(closes) > now
    slug = article["category"]
    meta = {"_burg_markup": article["body"], "_burg_dateline": article.get("dateline") or "",
            "_burg_dateline_place": article.get("dateline_place") or "",
            "_burg_source_name": article.get("source_name") or "",
            "_burg_source_url": article.get("source_url") or "",
            "_burg_source_note": article.get("source_note") or "",
            "_burg_comments_close_at": closes or ""}
    lines = [
        "\t<item>",
        f"\t\t<title>{text(as_html(article['title']))}</title>",
        f"\t\t<link>{text(article['url'])}</link>",
        f"\t\t<pubDate>{rfc822(published)}</pubDate>",
        f"\t\t<dc:creator>{cdata(article['posted_by'])}</dc:creator>",
        f'\t\t<guid isPermaLink="false">{text(article["url"])}</guid>',
        "\t\t<description></description>",
        f"\t\t<content:encoded>{cdata(article['body_html'])}</content:encoded>",
        f"\t\t<excerpt:encoded>{cdata('')}</excerpt:encoded>",
        f"\t\t<wp:post_id>{int(article['id'])}</wp:post_id>",
        f"\t\t<wp:post_date>{cdata(wordpress_time(published))}</wp:post_date>",
        f"\t\t<wp:post_date_gmt>{cdata(wordpress_time(published))}</wp:post_date_gmt>",
        f"\t\t<wp:post_modified>{cdata(wordpress_time(moment(article['updated_at'])))}"
        "</wp:post_modified>",
        f"\t\t<wp:post_modified_gmt>{cdata(wordpress_time(moment(article['updated_at'])))}"
        "</wp:post_modified_gmt>",
        f"\t\t<wp:comment_status>{'open' if still_open else 'closed'}</wp:comment_status>",
        "\t\t<wp:ping_status>closed</wp:ping_status>",
        f"\t\t<wp:post_name>{cdata(article['slug'])}</wp:post_name>",
        "\t\t<wp:status>publish</wp:status>",
        "\t\t<wp:post_parent>0</wp:post_parent>",
        "\t\t<wp:menu_order>0</wp:menu_order>",
        "\t\t<wp:post_type>post</wp:post_type>",
        "\t\t<wp:post_password></wp:post_password>",
        "\t\t<wp:is_sticky>0</wp:is_sticky>",
        f'\t\t<category domain="category" nicename="{attribute(slug)}">'
        f"{cdata(as_html(_name(category_names, slug)))}</category>",
    ]
    lines += [_meta("postmeta", key, value, "\t\t") for key, value in meta.items()]
    lines += [_comment(comment) for comment in article.get("comments", [])]
    lines.append("\t</item>")
    return "\n".join(lines) + "\n"


def _name(category_names: dict[str, str], slug: str) -> str:
    """The category's name (its slug, for one made while the export ran)."""
    name = category_names.get(slug)
    return slug if name is None else name


def _comment(comment: Json) -> str:
    created = wordpress_time(moment(comment["created_at"]))
    removed = bool(comment.get("removed"))
    meta = {"_burg_number": str(comment.get("number", 0))}
    if not removed:
        meta["_burg_markup"] = comment["body"]
    if comment.get("edited_at"):
        meta["_burg_edited_at"] = comment["edited_at"]
    lines = [
        "\t\t<wp:comment>",
        f"\t\t\t<wp:comment_id>{int(comment['id'])}</wp:comment_id>",
        f"\t\t\t<wp:comment_author>{cdata(as_html(comment['nic']))}</wp:comment_author>",
        f"\t\t\t<wp:comment_author_email>{cdata('')}</wp:comment_author_email>",
        f"\t\t\t<wp:comment_author_url>{text(comment.get('website') or '')}"
        "</wp:comment_author_url>",
        f"\t\t\t<wp:comment_author_IP>{cdata('')}</wp:comment_author_IP>",
        f"\t\t\t<wp:comment_date>{cdata(created)}</wp:comment_date>",
        f"\t\t\t<wp:comment_date_gmt>{cdata(created)}</wp:comment_date_gmt>",
        f"\t\t\t<wp:comment_content>{cdata(comment['body_html'])}</wp:comment_content>",
        f"\t\t\t<wp:comment_approved>{'trash' if removed else '1'}</wp:comment_approved>",
        "\t\t\t<wp:comment_type>comment</wp:comment_type>",
        f"\t\t\t<wp:comment_parent>{int(comment.get('parent_id') or 0)}</wp:comment_parent>",
        "\t\t\t<wp:comment_user_id>0</wp:comment_user_id>",
    ]
    lines += [_meta("commentmeta", key, value, "\t\t\t") for key, value in meta.items()]
    lines.append("\t\t</wp:comment>")
    return "\n".join(lines)


def _meta(kind: str, key: str, value: str, indent: str) -> str:
    return (f"{indent}<wp:{kind}>\n{indent}\t<wp:meta_key>{cdata(key)}</wp:meta_key>\n"
            f"{indent}\t<wp:meta_value>{cdata(value)}</wp:meta_value>\n{indent}</wp:{kind}>")


def text(value: Any) -> str:
    """`value` as XML character data."""
    return (legal(str(value)).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def attribute(value: Any) -> str:
    """`value` inside a double-quoted attribute (its tabs and line ends as references: a
    parser would make spaces of them)."""
    return (text(value).replace('"', "&quot;").replace("\t", "&#9;")
            .replace("\n", "&#10;"))


def cdata(value: Any) -> str:
    """`value` as CDATA sections: a `]]>` in it ends one section and starts the next, the way
    WordPress writes it (`]]]]><![CDATA[>`)."""
    return "<![CDATA[" + legal(str(value)).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def as_html(value: str) -> str:
    """Plain text as the HTML that shows it (for WordPress's HTML fields)."""
    return html.escape(legal(value), quote=False)


def legal(value: str) -> str:
    """`value` without the characters XML 1.0 cannot hold, its line ends as a parser gives
    them back (every one a line feed, as the markup keeps them)."""
    return _ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def moment(value: str) -> datetime:
    """An API's ISO 8601 moment, in UTC."""
    parsed = datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def rfc822(at: datetime) -> str:
    """As RSS writes a date: `Sat, 28 Nov 2026 07:00:00 +0000` (English names, whatever the
    locale)."""
    at = at.astimezone(UTC)
    day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[at.weekday()]
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
             "Dec")[at.month - 1]
    return f"{day}, {at.day:02d} {month} {at.year:04d} {at:%H:%M:%S} +0000"


def wordpress_time(at: datetime) -> str:
    """As WordPress stores a time: `2026-11-28 07:00:00`."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

"""WordPress exports (WXR) written for the import tests: `wxr()` makes a file of the items
`post()` describes, in the encoding asked for; `many_posts()` a large one for timing.

`python -m tests.posts.wxr 10000 /tmp/site.xml` writes a file of 10,000 posts (each with a
few paragraphs of HTML) to time `import-wordpress` by hand.
"""

import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

WP = "http://wordpress.org/export/1.2/"


@dataclass
class Post:
    post_id: str
    title: str
    content: str = "<p>Something happened.</p>"
    status: str = "publish"
    post_type: str = "post"
    date_gmt: str = "2020-01-02 03:04:05"
    date_local: str = "2020-01-02 04:04:05"
    pub_date: str = "Thu, 02 Jan 2020 03:04:05 +0000"
    post_name: str = ""
    creator: str = "fred"
    comment_status: str = "open"
    categories: list[tuple[str, str]] = field(default_factory=list)  # (nicename, name)
    link: str = ""
    meta: dict[str, str] = field(default_factory=dict)  # wp:postmeta

    def xml(self) -> str:
        categories = "".join(
            f'<category domain="category" nicename="{escape(nicename, {chr(34): "&quot;"})}">'
            f"{_cdata(name)}</category>" for nicename, name in self.categories)
        link = self.link or f"https://old.example/{self.post_name or '?p=' + self.post_id}/"
        meta = "".join(f"<wp:postmeta><wp:meta_key>{_cdata(key)}</wp:meta_key>"
                       f"<wp:meta_value>{_cdata(value)}</wp:meta_value></wp:postmeta>"
                       for key, value in self.meta.items())
        return f"""
  <item>
    <title>{escape(self.title)}</title>
    <link>{escape(link)}</link>
    <pubDate>{self.pub_date}</pubDate>
    <dc:creator>{_cdata(self.creator)}</dc:creator>
    <guid isPermaLink="false">https://old.example/?p={self.post_id}</guid>
    <description></description>
    <content:encoded>{_cdata(self.content)}</content:encoded>
    <excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>{self.post_id}</wp:post_id>
    <wp:post_date>{_cdata(self.date_local)}</wp:post_date>
    <wp:post_date_gmt>{_cdata(self.date_gmt)}</wp:post_date_gmt>
    <wp:comment_status>{_cdata(self.comment_status)}</wp:comment_status>
    <wp:post_name>{_cdata(self.post_name)}</wp:post_name>
    <wp:status>{_cdata(self.status)}</wp:status>
    <wp:post_type>{_cdata(self.post_type)}</wp:post_type>
    <wp:post_password><![CDATA[]]></wp:post_password>
    {categories}{meta}
  </item>"""


def wxr(posts: list[Post], *, encoding: str = "UTF-8", namespace: str = WP,
        authors: dict[str, str] | None = None,
        categories: dict[str, str] | None = None, prolog: str = "") -> bytes:
    """A WXR file of `posts`, its declaration naming `encoding` and its bytes in it (what the
    encoding cannot hold written as character references)."""
    authors = {"fred": "Fred Frontier"} if authors is None else authors
    author_xml = "".join(
        f"<wp:author><wp:author_login>{_cdata(login)}</wp:author_login>"
        f"<wp:author_display_name>{_cdata(name)}</wp:author_display_name></wp:author>\n"
        for login, name in authors.items())
    category_xml = "".join(
        f"<wp:category><wp:category_nicename>{_cdata(nicename)}</wp:category_nicename>"
        f"<wp:cat_name>{_cdata(name)}</wp:cat_name></wp:category>\n"
        for nicename, name in (categories or {}).items())
    document = f"""<?xml version="1.0" encoding="{encoding}"?>
{prolog}<rss version="2.0" xmlns:excerpt="{namespace}excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{namespace}">
<channel>
  <title>Old site</title>
  <link>https://old.example</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  {author_xml}{category_xml}{"".join(post.xml() for post in posts)}
</channel>
</rss>
"""
    return document.encode(encoding, errors="xmlcharrefreplace")


def many_posts(count: int) -> bytes:
    """A site of `count` posts over ten categories, a few paragraphs each, a day apart."""
    start = datetime(2000, 1, 1, 12, tzinfo=UTC)
    paragraphs = "".join(
        f"<p>Paragraph {n} of the dispatch: <strong>something</strong> happened at the "
        f"<a href=\"https://example.org/{n}\">well</a>, and <em>nobody</em> saw it.</p>\n"
        for n in range(6))
    posts = []
    for n in range(1, count + 1):
        moment = start + timedelta(hours=n * 7)
        posts.append(Post(
            post_id=str(n), title=f"Dispatch number {n} from the frontier",
            content=paragraphs, post_name=f"dispatch-{n}",
            date_gmt=f"{moment:%Y-%m-%d %H:%M:%S}", date_local=f"{moment:%Y-%m-%d %H:%M:%S}",
            pub_date=f"{moment:%a, %d %b %Y %H:%M:%S} +0000",
            categories=[(f"region-{n % 10}", f"Region {n % 10}")]))
    return wxr(posts, categories={f"region-{n}": f"Region {n}" for n in range(10)})


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


if __name__ == "__main__":
    Path(sys.argv[2]).write_bytes(many_posts(int(sys.argv[1])))

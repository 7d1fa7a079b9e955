"""An XSS corpus sent through the comment and article APIs: nothing may come back that can
run script (or a 500). Each answer is a rendered page fragment, or a clear 4xx."""

import pytest

from tests.comments.helpers import executable_parts, nic, open_article
from tests.conftest import Stack

CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">x</a>',
    "[url=javascript:alert(1)]x[/url]",
    "[url=JaVaScRiPt:alert(1)]x[/url]",
    "[url=java&#115;cript:alert(1)]x[/url]",
    "[url= javascript:alert(1)]x[/url]",
    "[url=\tjavascript:alert(1)]x[/url]",
    "[url=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==]x[/url]",
    "[url=//evil.example/x]protocol-relative[/url]",
    '[url=https://example.org/" onmouseover="alert(1)]x[/url]',
    '[url=https://example.org/"><script>alert(1)</script>]x[/url]',
    "[url=https://example.org]<script>alert(1)</script>[/url]",
    "[url]javascript:alert(1)[/url]",
    "[foto]javascript:alert(1)[/foto]",
    "[foto]data:image/svg+xml,<svg onload=alert(1)>[/foto]",
    "[foto]http://example.org/not-https.png[/foto]",
    '[foto]https://example.org/x.png" onerror="alert(1)[/foto]',
    "[photo]javascript:alert(1)[/photo]",
    "[squish]javascript:alert(1)[/squish]",
    "[squish]https://bank.example@evil.example/x[/squish]",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\u003cscript\\u003ealert(1)",
    "[b]<i onclick=alert(1)>x</i>[/b]",
    "[b][i]misnested[/b][/i] [/u] [unknown]x[/unknown] [quote]never closed",
    "[quote]" * 1000 + "deep" + "[/quote]" * 1000,  # over a comment's length: 422
    "[quote]" * 600 + "deep" + "[/quote]" * 600,
    "[b]" * 1000 + "unbalanced",
    "[*]" * 500,
    "https://example.org/<script>alert(1)</script>",
    "javascript:alert(1)",
    "text with \u202eevil override\u202c and \u2066isolate\u2069",
    "<!-- comment --><![CDATA[x]]><?php echo 1; ?>",
    "\"'><img src=x onerror=alert(1)>",
    "[url=https://example.org/" + "a" * 3000 + "]too long[/url]",
]


@pytest.fixture(scope="module")
def article(stack: Stack) -> int:
    return open_article(stack)


@pytest.mark.parametrize("body", CORPUS, ids=range(len(CORPUS)))
def test_comment_corpus_renders_nothing_executable(stack: Stack, article: int, body: str) -> None:
    comments = stack.client("comments")
    preview = comments.post("/preview", json={"body": body})
    assert preview.status_code in (200, 422), preview.text
    if preview.status_code == 200:
        assert executable_parts(preview.json()["body_html"]) == []
    posted = comments.post(f"/articles/{article}/comments", json={"nic": nic(), "body": body})
    assert posted.status_code in (201, 422), posted.text  # 422: e.g. more than 10 links
    if posted.status_code == 201:
        assert executable_parts(posted.json()["comment"]["body_html"]) == []


@pytest.mark.parametrize("body", CORPUS, ids=range(len(CORPUS)))
def test_article_corpus_renders_nothing_executable(stack: Stack, body: str) -> None:
    response = stack.editor().post("/preview", json={"body": f"[ed]{body}[/ed] {body}"})
    assert response.status_code == 200, response.text
    assert executable_parts(response.json()["body_html"]) == []


def test_thread_as_a_whole_is_safe(stack: Stack, article: int) -> None:
    thread = stack.client("comments").get(f"/articles/{article}/comments",
                                          params={"limit": 500}).json()
    assert thread["count"] >= len(CORPUS) - 5
    assert executable_parts("".join(c["body_html"] for c in thread["comments"])) == []


@pytest.mark.parametrize("value", ["Frank\u202eknarF", "nul\x00", "bell\x07", "tab\there"])
def test_control_and_bidi_characters_in_nics_get_422(stack: Stack, article: int,
                                                     value: str) -> None:
    response = stack.client("comments").post(f"/articles/{article}/comments",
                                             json={"nic": value, "body": "x"})
    assert response.status_code == 422 and "nic" in response.json()["detail"]

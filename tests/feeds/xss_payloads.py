"""The XSS payloads the feeds are judged with: the project's corpus (tests/xss_corpus.py,
sent through the comment and article APIs in tests/comments/test_xss_corpus.py), and what aims
at feed readers in particular — text that is harmless once but live markup when unescaped once
more, markup a reader's parser may read differently from ours, and the elements readers are
known to load."""

from tests.xss_corpus import CORPUS

FOR_READERS = [
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",  # live after two unescapes
    "&lt;img src=x onerror=alert(1)&gt;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "<svg><script>alert(1)</script></svg>",
    "<svg/onload=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "<base href=javascript:alert(1)//>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    "]]><script>alert(1)</script><![CDATA[",
    "</description><script>alert(1)</script><description>",
    "</title><script>alert(1)</script>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<div title=\"</div><img src=x onerror=alert(1)>\">x</div>",
    "[b]&lt;img src=x onerror=alert(1)&gt;[/b]",
    "[url=https://example.org/?a=<script>]x[/url] [quote]<img src=x onerror=alert(1)>[/quote]",
]

PAYLOADS = CORPUS + FOR_READERS

"""Raw HTML around hostile text, for the tests of reading a comment's HTML as text: what an
old event or a bug upstream could carry. SECRET is text no reader may show (a script's, a
style's, a comment's or an attribute's)."""

from hypothesis import strategies as st

SECRET = "s3cr3t"
WRAPPERS = st.sampled_from([
    "<p>{}</p>", "<script>" + SECRET + "</script>{}", "{}<style>p{{x:" + SECRET + "}}</style>",
    "<p>{}<br/>{}</p>", "<blockquote><p>{}</p></blockquote><p>{}</p>",
    "<ul><li>{}</li><li>{}</li></ul>", '<a href="javascript:{}">{}</a>', "{}<!-- " + SECRET
    + " -->", "<img src=x onerror=" + SECRET + ">{}", "<p>{}", "{}</p></p><p", "&amp;{}&lt;"])

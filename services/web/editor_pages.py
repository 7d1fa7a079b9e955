"""What every page of the editors' desk shares (editor.py, desk.py, moderation_desk.py,
editors_desk.py, forget_pages.py): the editor signed in on this browser, a posted form checked
for its CSRF token, and a page rendered with the forms' token (and its cookie).

The editor's token is kept in an HttpOnly, SameSite=Strict cookie and sent to the posts and
comments APIs as the editor's own `Authorization`."""

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.web.apis import Apis, Json
from services.web.forms import Csrf, posted

EDITOR_COOKIE = "burg_editor"


class SignInFirst(Exception):
    """No editor is signed in on this browser (no cookie, or a token the desk refuses): the
    app answers with the sign-in page's address."""


class FormExpired(Exception):
    """A posted form without a good CSRF token for this browser: the app answers 403 with a
    page saying to reload."""


@dataclass(frozen=True)
class Editor:
    """The signed-in editor: the token from the cookie, and who the posts API says it is."""

    token: str
    me: Json


@dataclass(frozen=True)
class EditorPages:
    """The site's APIs, page renderer and CSRF tokens, as the desk's routers use them. Its
    methods are FastAPI dependencies: `Depends(pages.current_editor)`. A route that needs
    both names the form first: a forged form is refused before the editor is looked up."""

    apis: Apis
    page: Any
    csrf: Csrf

    async def signed_in(self, request: Request) -> Editor | None:
        """The editor signed in on this browser, or None."""
        token = request.cookies.get(EDITOR_COOKIE)
        me = await self.apis.editor(token) if token else None
        return Editor(token, me) if token and me is not None else None

    async def current_editor(self, request: Request) -> Editor:
        """The editor signed in on this browser; SignInFirst if none is."""
        editor = await self.signed_in(request)
        if editor is None:
            raise SignInFirst()
        return editor

    async def checked_form(self, request: Request) -> dict[str, str]:
        """The posted form (first value of each field); FormExpired without its CSRF token."""
        form = await posted(request)
        if not self.csrf.form_ok(request, form):
            raise FormExpired()
        return form

    def render(self, request: Request, template: str, status: int = 200,
               **context: Any) -> Response:
        """`template` as a page, with this browser's CSRF token for its forms."""
        return self.csrf.keep(request, self.page(request, template, status=status,
                                                 csrf=self.csrf.token(request), **context))

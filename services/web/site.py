"""What the site's routes share, made once per app by `create_app` (app.py): its settings, the
APIs it calls, its templates and its CSRF tokens. Routes reach them through `SiteDep` (the
app's state), never a module's global, so a test can build a site on settings of its own."""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from services.web.apis import Apis, Json
from services.web.article_pages import ArticlePages, Key
from services.web.forms import Csrf
from services.web.keys import secret_keys
from services.web.listing_pages import ListingPages
from services.web.settings import WebSettings
from services.web.sidebar import MARKER, Sidebar

HERE = Path(__file__).parent


@dataclass
class Site:
    settings: WebSettings
    apis: Apis
    templates: Jinja2Templates
    csrf: Csrf
    article_pages: ArticlePages
    sidebar: Sidebar  # the newest comments, on every page
    listing_pages: ListingPages

    def changed(self, slug: str) -> None:
        """The site changed the article `slug` or its thread: its pages, every list (which
        may show it, or its comment count) and the sidebar are current only after a new
        check."""
        self.article_pages.changed(slug)
        self.listing_pages.changed()
        self.sidebar.changed()  # a comment may have changed: so may the newest comments

    @property
    def secure(self) -> bool:
        """Whether readers come over HTTPS (the cookies say so)."""
        return self.settings.site_url.startswith("https://")


def make_site(settings: WebSettings, apis: Apis | None = None) -> Site:
    """The site's pieces on `settings` (calling `apis`, else the ones the settings name)."""
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["feeds"] = f"{settings.feeds_url.rstrip('/')}/feeds"
    # A nic as one segment of a path (`/nics/<nic>`): nics are any Unicode, "/" and "?" too.
    templates.env.filters["nic_path"] = lambda nic: quote(str(nic), safe="")
    apis = apis or Apis(settings)

    def render(key: Key, article: Json, thread: Json) -> bytes:
        _, cursor, before, reply_to = key
        # The sidebar's place is marked: the kept page takes the current one when served.
        return templates.get_template("article.html").render(
            article_context(article, thread, cursor, before, reply_to)
            | {"sidebar": MARKER}).encode()

    sidebar = Sidebar(apis, templates.get_template("_sidebar.html").render,
                      fresh_for=settings.page_fresh_seconds)
    return Site(settings=settings, apis=apis, templates=templates,
                csrf=Csrf(secret_keys(settings),
                          secure=settings.site_url.startswith("https://")),
                article_pages=ArticlePages(apis, render, fresh_for=settings.page_fresh_seconds,
                                           sidebar=sidebar),
                sidebar=sidebar,
                listing_pages=ListingPages(apis, templates, settings.front_teasers,
                                           fresh_for=settings.page_fresh_seconds,
                                           max_bytes=settings.list_pages_bytes, sidebar=sidebar))


def article_context(article: Json, thread: Json | None, cursor: str | None,
                    before: str | None, reply_to: int | None, **personal: Any) -> dict[str, Any]:
    """What article.html shows: the page every reader gets, or with `personal` parts (the
    reader's `me`, the `editor`, the `held_back` comments, the `csrf` token, a `refusal` and
    the `form` as typed) for a refused comment's page, which only its sender sees."""
    return {"article": article, "thread": thread, "reply_to": reply_to,
            "me": None, "editor": None, "held_back": [], "csrf": "", "refusal": None,
            "form": {}, "personal": bool(personal),
            # This page of the thread, kept by its Reply links and moderation buttons.
            "at_page": {"cursor": cursor} if cursor else {"before": before} if before else {},
            } | personal


async def get_site(request: Request) -> Site:
    """The site of the app serving the request (async: no trip to a worker thread), its
    sidebar current for the page (as of at most `page_fresh_seconds` ago: no API call when
    it is, sidebar.py)."""
    site: Site = request.app.state.site
    if not site.sidebar.fresh():
        await site.sidebar.current()
    return site


SiteDep = Annotated[Site, Depends(get_site)]


def page(request: Request, template: str, *, status: int = 200,
         headers: dict[str, str] | None = None, **context: Any) -> Response:
    """A page of the site serving `request`, from one of its templates."""
    site: Site = request.app.state.site
    context.setdefault("sidebar", site.sidebar.html)
    return site.templates.TemplateResponse(request, template, context, status_code=status,
                                           headers=headers)

"""What the site's routes share, made once per app by `create_app` (app.py): its settings, the
APIs it calls, its templates and its CSRF tokens. Routes reach them through `SiteDep` (the
app's state), never a module's global, so a test can build a site on settings of its own."""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from services.web.apis import Apis
from services.web.forms import Csrf
from services.web.keys import secret_keys
from services.web.settings import WebSettings

HERE = Path(__file__).parent


@dataclass
class Site:
    settings: WebSettings
    apis: Apis
    templates: Jinja2Templates
    csrf: Csrf

    @property
    def secure(self) -> bool:
        """Whether readers come over HTTPS (the cookies say so)."""
        return self.settings.site_url.startswith("https://")


def make_site(settings: WebSettings, apis: Apis | None = None) -> Site:
    """The site's pieces on `settings` (calling `apis`, else the ones the settings name)."""
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["feeds"] = f"{settings.feeds_url.rstrip('/')}/feeds"
    return Site(settings=settings, apis=apis or Apis(settings), templates=templates,
                csrf=Csrf(secret_keys(settings),
                          secure=settings.site_url.startswith("https://")))


async def get_site(request: Request) -> Site:
    """The site of the app serving the request (async: no trip to a worker thread)."""
    site: Site = request.app.state.site
    return site


SiteDep = Annotated[Site, Depends(get_site)]


def page(request: Request, template: str, *, status: int = 200,
         headers: dict[str, str] | None = None, **context: Any) -> Response:
    """A page of the site serving `request`, from one of its templates."""
    site: Site = request.app.state.site
    return site.templates.TemplateResponse(request, template, context, status_code=status,
                                           headers=headers)

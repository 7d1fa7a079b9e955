"""FastAPI dependencies of the notify API that are its own: its service and settings, typed
as notify's, and the link tokens. The session is every service's (`shared/api.py`)."""

from typing import Annotated

from fastapi import Depends

from services.notify.bootstrap import Service
from services.notify.settings import NotifySettings
from services.notify.tokens import Tokens
from shared.api import get_service, get_settings

ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[NotifySettings, Depends(get_settings)]


async def get_tokens(service: ServiceDep) -> Tokens:
    return service.tokens


TokensDep = Annotated[Tokens, Depends(get_tokens)]

"""FastAPI dependencies of the feeds API that are its own: its service and settings, typed as
feeds'. The session is every service's (`shared/api.py`)."""

from typing import Annotated

from fastapi import Depends

from services.feeds.bootstrap import Service
from services.feeds.settings import FeedsSettings
from shared.api import get_service, get_settings

ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[FeedsSettings, Depends(get_settings)]

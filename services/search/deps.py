"""FastAPI dependencies of the search API that are its own: its service and settings, typed
as search's. The session is every service's (`shared/api.py`)."""

from typing import Annotated

from fastapi import Depends

from services.search.bootstrap import Service
from services.search.settings import SearchSettings
from shared.api import get_service, get_settings

ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[SearchSettings, Depends(get_settings)]

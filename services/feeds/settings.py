"""Settings of the feeds service."""

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class FeedsSettings(ServiceSettings):
    service = "feeds"
    database_url: str = Field(
        default="", validation_alias=AliasChoices("BURG_FEEDS_DATABASE_URL", "database_url"))
    site_name: str = "Burg"
    entries_per_feed: int = 50  # feedgen's rendering grows with entries: cap them

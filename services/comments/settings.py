"""Settings of the comments service."""

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class CommentsSettings(ServiceSettings):
    service = "comments"
    database_url: str = Field(
        default="", validation_alias=AliasChoices("BURG_COMMENTS_DATABASE_URL", "database_url"))

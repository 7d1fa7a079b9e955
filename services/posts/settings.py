"""Settings of the posts service."""

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class PostsSettings(ServiceSettings):
    service = "posts"
    database_url: str = Field(
        default="", validation_alias=AliasChoices("BURG_POSTS_DATABASE_URL", "database_url"))
    # Comments on an article close this many days after it is published.
    comments_open_days: int = Field(
        default=14, validation_alias=AliasChoices("BURG_POSTS_COMMENTS_OPEN_DAYS",
                                                  "comments_open_days"))

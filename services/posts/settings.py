"""Settings of the posts service."""


from shared.settings import ServiceSettings, env


class PostsSettings(ServiceSettings):
    service = "posts"
    database_url: str = env("POSTS_DATABASE_URL", "")
    # Comments on an article close this many days after it is published.
    comments_open_days: int = env("POSTS_COMMENTS_OPEN_DAYS", 14)

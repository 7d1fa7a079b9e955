"""Settings of the posts service."""


from shared.settings import ServiceSettings, env


class PostsSettings(ServiceSettings):
    service = "posts"
    relay_pace = 0.0  # an article's events go at once, however many editors publish
    database_url: str = env("POSTS_DATABASE_URL", "")
    # Comments on an article close this many days after it is published.
    comments_open_days: int = env("POSTS_COMMENTS_OPEN_DAYS", 14)

"""Settings of the feeds service."""


from shared.settings import ServiceSettings, env


class FeedsSettings(ServiceSettings):
    service = "feeds"
    database_url: str = env("FEEDS_DATABASE_URL", "")
    site_name: str = "Burg"
    entries_per_feed: int = env("FEEDS_ENTRIES", 50)  # the newest this many in each feed
    # A document whose render fails this many times in a row is set aside (the feeds CLI's
    # `render-failures` lists it) instead of being tried in every round.
    render_attempts: int = env("FEEDS_RENDER_ATTEMPTS", 5)
    # WebSub: a hub every feed names, and which is told (POST) when a feed changes. Off if empty.
    websub_hub: str = env("FEEDS_WEBSUB_HUB", "")
    websub_timeout: float = env("FEEDS_WEBSUB_TIMEOUT", 10.0)  # seconds a ping waits for the hub

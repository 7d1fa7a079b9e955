"""Settings of the feeds service (`BURG_FEEDS_…`)."""


from shared.settings import ServiceSettings, env


class FeedsSettings(ServiceSettings):
    service = "feeds"
    database_url: str = env("FEEDS_DATABASE_URL", "")
    site_name: str = env("FEEDS_SITE_NAME", "Burg", was="SITE_NAME")  # feeds' titles
    # The newest this many entries in each feed.
    entries_per_feed: int = env("FEEDS_ENTRIES_PER_FEED", 50, was="FEEDS_ENTRIES")
    # A document whose render fails this many times in a row is set aside (the feeds CLI's
    # `render-failures` lists it) instead of being tried in every round.
    render_attempts: int = env("FEEDS_RENDER_ATTEMPTS", 5)
    # WebSub: a hub every feed names, and which is told (POST) when a feed changes. Off if empty.
    websub_hub: str = env("FEEDS_WEBSUB_HUB", "")
    websub_timeout: float = env("FEEDS_WEBSUB_TIMEOUT", 10.0)  # seconds a ping waits for the hub

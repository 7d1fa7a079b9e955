"""Settings of the feeds service."""


from shared.settings import ServiceSettings, env


class FeedsSettings(ServiceSettings):
    service = "feeds"
    database_url: str = env("FEEDS_DATABASE_URL", "")
    site_name: str = "Burg"
    entries_per_feed: int = 50  # feedgen's rendering grows with entries: cap them

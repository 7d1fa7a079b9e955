"""Settings of the notify service, SMTP included (`BURG_SMTP_…`)."""


from shared.settings import ServiceSettings, env


class NotifySettings(ServiceSettings):
    service = "notify"
    database_url: str = env("NOTIFY_DATABASE_URL", "")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025  # the local sink `make run` starts
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "Burg <noreply@burg.localhost>"
    smtp_timeout: float = 30.0

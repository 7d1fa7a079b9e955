"""Every setting is read from the variable its name says (`shared/settings.py`: `BURG_<FIELD>`
for the settings every service has, `BURG_<SERVICE>_<FIELD>` for one service's), and a
variable renamed to follow that rule is still read under its old name, with a warning."""

import logging
from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from services.comments.settings import CommentsSettings
from services.feeds.settings import FeedsSettings
from services.notify.settings import NotifySettings
from services.posts.settings import PostsSettings
from services.web.settings import WebSettings
from shared import settings as shared_settings
from shared.settings import Settings, renamed

CLASSES: list[type[BaseSettings]] = [Settings, PostsSettings, CommentsSettings, NotifySettings,
                                     FeedsSettings, WebSettings]


def variable(field_alias: object, name: str) -> str:
    """The variable a field is read from now (the first of its names)."""
    if isinstance(field_alias, AliasChoices):
        field_alias = field_alias.choices[0]
    return field_alias if isinstance(field_alias, str) else f"BURG_{name.upper()}"


@pytest.mark.parametrize("settings", CLASSES, ids=lambda c: c.__name__)
def test_each_variable_is_named_after_its_field(settings: type[BaseSettings]) -> None:
    for name, field in settings.model_fields.items():
        own = settings is not Settings and name not in Settings.model_fields
        prefix = f"BURG_{settings.service.upper()}_" if own else "BURG_"
        assert variable(field.validation_alias, name) == f"{prefix}{name.upper()}", name


def test_the_renamed_variables_are_the_readmes_list() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    listed = readme.split("### Renamed settings", 1)[1].split("\n#", 1)[0]
    for settings in CLASSES:
        for new, old in renamed(settings).items():
            assert f"`{old}` | `{new}`" in listed, old


@pytest.mark.parametrize(("settings", "old", "new", "field", "value", "read"), [
    (NotifySettings, "BURG_NOTIFY_MAX_PER_HOUR", "BURG_NOTIFY_MAX_PER_WINDOW",
     "max_per_window", "7", 7),
    (NotifySettings, "BURG_SMTP_HOST", "BURG_NOTIFY_SMTP_HOST", "smtp_host", "mx.example",
     "mx.example"),
    (FeedsSettings, "BURG_FEEDS_ENTRIES", "BURG_FEEDS_ENTRIES_PER_FEED", "entries_per_feed",
     "12", 12),
    (FeedsSettings, "BURG_SITE_NAME", "BURG_FEEDS_SITE_NAME", "site_name", "Ferry", "Ferry"),
    (CommentsSettings, "BURG_NOTIFY_PUBLIC_KEY", "BURG_COMMENTS_NOTIFY_PUBLIC_KEY",
     "notify_public_key", "k", "k"),
])
def test_a_renamed_variable_is_read_under_either_name_and_the_old_one_warns(
        monkeypatch: pytest.MonkeyPatch, settings: type[BaseSettings], old: str, new: str,
        field: str, value: str, read: object) -> None:
    monkeypatch.setenv(new, value)
    assert getattr(settings(), field) == read  # no warning (warnings are errors here)
    monkeypatch.delenv(new)
    monkeypatch.setenv(old, value)
    with pytest.warns(DeprecationWarning, match=f"{old} is the old name of {new}"):
        assert getattr(settings(), field) == read
    # Both set: the new name wins, and the old one is called ignored.
    monkeypatch.setenv(new, value)
    monkeypatch.setenv(old, "0")
    with pytest.warns(DeprecationWarning, match=f"{old} is ignored"):
        assert getattr(settings(), field) == read


def test_the_old_name_is_logged(monkeypatch: pytest.MonkeyPatch,
                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(shared_settings, "_warned", set())  # logged once per process
    monkeypatch.setenv("BURG_SMTP_TIMEOUT", "3")
    with pytest.warns(DeprecationWarning), caplog.at_level(logging.WARNING, "shared.settings"):
        assert NotifySettings().smtp_timeout == 3
    assert "BURG_SMTP_TIMEOUT is the old name of BURG_NOTIFY_SMTP_TIMEOUT" in caplog.text

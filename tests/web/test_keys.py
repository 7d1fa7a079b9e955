"""The keys that sign the forms' CSRF tokens, in process: made once per data folder when
none is configured, never a known constant, and rotated without breaking open forms."""

import stat
from pathlib import Path

import pytest
from fastapi import Request, Response

from services.web.forms import Csrf
from services.web.keys import NoKey, secret_keys
from services.web.settings import WebSettings


def request(cookie: str | None = None, **headers: str) -> Request:
    raw = [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    if cookie:
        raw.append((b"cookie", f"burg_csrf={cookie}".encode()))
    return Request({"type": "http", "method": "POST", "path": "/", "headers": raw})


def test_without_a_setting_each_data_folder_makes_its_own_key_once(tmp_path: Path) -> None:
    first = secret_keys(WebSettings(data_dir=tmp_path / "a"))
    assert first == secret_keys(WebSettings(data_dir=tmp_path / "a"))  # another process
    assert first != secret_keys(WebSettings(data_dir=tmp_path / "b"))
    assert len(first[0]) >= 32
    key_file = tmp_path / "a" / "web-secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_key_that_cannot_be_kept_or_is_not_secret_stops_the_site(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(NoKey, match="BURG_WEB_SECRET_KEYS"):
        secret_keys(WebSettings(data_dir=tmp_path / "file" / "var"))
    for keys in ("secret", "CHANGE-ME-to-a-long-random-secret", "k" * 40 + ",short"):
        with pytest.raises(NoKey, match="BURG_WEB_SECRET_KEYS"):
            secret_keys(WebSettings(data_dir=tmp_path, secret_keys=keys))
    assert secret_keys(WebSettings(data_dir=tmp_path, secret_keys=f" {'o' * 32}, {'n' * 32} ")
                       ) == ["o" * 32, "n" * 32]
    assert not (tmp_path / "web-secret.key").exists()


def test_tokens_survive_a_key_rotation_and_fail_under_other_keys() -> None:
    old, new, other = "o" * 32, "n" * 32, "x" * 32
    before = Csrf([old], secure=False)
    first = request()
    token = before.token(first)
    browser = first.state.csrf_browser
    assert Csrf([old, new], secure=False).ok(request(browser), token)
    assert not Csrf([new], secure=False).ok(request(browser), token)
    assert not Csrf([other], secure=False).ok(request(browser), token)
    assert not before.ok(request(), token)  # no cookie
    assert not before.ok(request(browser, sec_fetch_site="cross-site"), token)
    assert before.ok(request(browser, sec_fetch_site="same-origin"), token)


def test_after_a_rotation_the_newest_key_signs() -> None:
    """Keys are listed newest last: a new token checks under the newest key alone, not under
    the older alone."""
    old, new = "o" * 32, "n" * 32
    first = request()
    token = Csrf([old, new], secure=False).token(first)
    browser = first.state.csrf_browser
    assert Csrf([new], secure=False).ok(request(browser), token)
    assert not Csrf([old], secure=False).ok(request(browser), token)


def test_on_an_https_site_the_cookie_is_host_only_and_secure() -> None:
    csrf = Csrf(["k" * 32], secure=True)
    assert csrf.cookie == "__Host-burg_csrf"
    first = request()
    csrf.token(first)
    cookie = csrf.keep(first, Response()).headers["set-cookie"]
    assert cookie.startswith("__Host-burg_csrf=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie and "HttpOnly" in cookie

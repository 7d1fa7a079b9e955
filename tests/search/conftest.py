"""The search tests' fixtures: the site's headless Chromium (tests/web's)."""

from tests.web.conftest import browser

__all__ = ["browser"]

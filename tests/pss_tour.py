"""Odoo tours (HttpCase + headless Chromium) with one rule: where Chromium is
installed a tour that cannot start fails; it is skipped, with the reason,
only where no Chromium can be found (setup/deps.sh installs Debian's
chromium package when it can)."""

import shutil
import unittest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class TourMixin:
    def pss_tour(self, url, tour, login):
        """Run `tour` from `url` as `login` (whose password is its login)."""
        browser = next((b for b in BROWSERS if shutil.which(b)), None)
        try:
            self.start_tour(url, tour, login=login, timeout=120)
        except unittest.SkipTest as skip:
            if browser:
                self.fail(
                    f"{browser} is installed but the tour {tour} did not run: {skip}"
                )
            raise unittest.SkipTest(
                f"tour {tour} skipped: no Chromium on this machine ({skip}); "
                "setup/deps.sh installs Debian's chromium package when it runs as root"
            ) from skip

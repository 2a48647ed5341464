"""Browser tests: the real stack driven through Debian's chromium with Playwright."""

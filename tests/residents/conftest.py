"""Fixtures of the residents tests (the notification ones: SMTP server, fake LINE API, workers)."""

from tests.notifications.fixtures import *  # noqa: F403

"""Fixtures of the announcement tests (the notification ones)."""

from tests.notifications.fixtures import *  # noqa: F403

"""Fixtures of the notification tests."""

from tests.notifications.fixtures import *  # noqa: F403

"""Announcements: compose, schedule, publish once, acknowledge, remind. Design note: docs/notifications.md."""

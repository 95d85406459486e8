"""Notifications: records, preferences, the outbox and its senders (e-mail, LINE, webhooks).
Design note: docs/notifications.md."""

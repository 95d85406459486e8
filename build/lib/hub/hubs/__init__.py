"""Hubs and check-ins (API.md, Hubs and check-in). Design note: docs/hubs.md."""

"""Reaching residents without an account: topics, LINE followers, e-mail subscribers, their
deliveries and acknowledgements, statistics, and reading aids. Design note: docs/residents.md."""

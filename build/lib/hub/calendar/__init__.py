"""Calendar feeds: a person's due cards (and, once hubs hold events, the events they registered
for) as RFC 5545 at a secret address they can renew. Design note: docs/calendar.md."""

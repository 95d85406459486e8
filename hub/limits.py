"""Every limit and timeout of the service, each with the reason it has the value it has."""

from __future__ import annotations

# The contract's limit for a request body; larger bodies get 413 before they are read whole.
MAX_BODY_BYTES = 1024 * 1024
# JSON nested deeper than this (a REST body or a /ws message) is refused before it is parsed: the
# parser recurses, and 50,000 brackets in 50 KB would exhaust the stack. Our deepest real body (an
# announcement's audience, a presence state) is 3 or 4 levels; 32 leaves partners every room.
MAX_JSON_DEPTH = 32
# Dates and times accepted anywhere (bodies and query strings): the years a town office plans in.
# Outside them date arithmetic overflows (year 1 minus a day, 9999-12-31 in UTC-14 plus 14 hours),
# and no real due date, publication or statistics range lies there.
MIN_YEAR = 2000
MAX_YEAR = 2100

# In-flight requests get this long to finish on SIGTERM (issue 2: "within 10 s").
SHUTDOWN_GRACE_S = 10.0
# A background loop still running this long after it was cancelled is cancelled again (hub/stopping.py:
# a cancellation can be swallowed inside a Redis call on Python 3.11). Long enough for a loop's own
# cleanup (closing its connection) to finish, which a second cancellation would cut short.
TASK_CANCEL_AGAIN_S = 1.0
# Cancellations before a loop is left running: a shutdown then goes on (SHUTDOWN_GRACE_S bounds the
# whole) instead of waiting for ever; each swallowed one is a coin toss, five in a row are not seen.
TASK_CANCEL_TRIES = 5

# How long a browser keeps a versioned static file (hub/web/assets.py): a year, the longest that
# caches honour. Its URL names the version of the whole static tree, so a deploy never waits for it.
STATIC_VERSIONED_MAX_AGE_S = 365 * 24 * 3600

# Longest text accepted in a title-like field: long enough for any real title in Japanese or English,
# short enough that a board of 2,000 cards stays a small snapshot.
MAX_TITLE_CHARS = 200
# Descriptions, comments, announcement bodies: a long page of text, far below the 1 MiB body limit.
MAX_TEXT_CHARS = 20_000
# Names of people and organisations.
MAX_NAME_CHARS = 100
# A board's size: 5,000 cards that are not archived and 100 columns. A snapshot of a full board is
# still a few MB (the contract's 20,000-character descriptions are the upper bound); beyond that a
# board is an archive and should be split. Archived cards do not count (restoring one does).
MAX_CARDS_PER_BOARD = 5_000
MAX_COLUMNS_PER_BOARD = 100
# Cards per reply of the cursor when a snapshot reads a board: a batch of the largest cards is
# ~20 MB of BSON (not the whole board's 100 MB), and a 2,000-card board still takes only two round
# trips (nx-27017's are slow).
BOARD_SNAPSHOT_BATCH = 1_000
# Items of one card's checklist (API.md 1.1): a long to-do list fits; the card stays a small document
# in every snapshot (100 items of 200 characters is ~25 KB at worst).
MAX_CHECKLIST_ITEMS = 100
# Attachments of one card: their metadata lives in the card (and so in every snapshot); fifty
# documents is a thick file folder, and still a couple of KB per card.
MAX_ATTACHMENTS_PER_CARD = 50
# The contract's default for DEJIMA_ATTACHMENT_MAX_BYTES: a scanned document or a phone photo fits,
# while GridFS stays a database of documents rather than of videos.
ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
# The multipart envelope around the file (boundaries, part headers, a long UTF-8 file name): a
# Content-Length above the file limit plus this is refused (413) before a byte of body is read.
ATTACHMENT_ENVELOPE_BYTES = 16 * 1024
# GridFS chunk size (its own default, 255 KiB): what the hub holds of a file at once while streaming
# in either direction, so a 25 MiB upload or download costs the hub a few chunks of memory whatever
# its size (an upload: the chunk, and PyMongo's encoding of it while it is inserted).
ATTACHMENT_CHUNK_BYTES = 255 * 1024
# Blocks below this come from the heap, not from the kernel one by one (hub/memory.py): above the few
# chunk-sized blocks a streamed chunk needs (~3 × 255 KiB), so a stream reuses the same pages.
MALLOC_MMAP_THRESHOLD_BYTES = 1024 * 1024
# Free heap kept for reuse before it is given back to the kernel: room for those blocks twice.
MALLOC_TRIM_THRESHOLD_BYTES = 4 * 1024 * 1024
# An upload or a deletion whose process died leaves chunks no card names. The sweeper removes them
# after this long: far longer than any upload in progress takes (25 MiB at 100 kB/s is ~4 minutes),
# short enough that a crashed upload's bytes do not linger for hours.
ATTACHMENT_ORPHAN_AGE_S = 15 * 60
# People one comment may mention (each gets a notification, e-mail and LINE message): a whole team
# fits; a comment cannot become a mass mailing.
MAX_MENTIONS_PER_COMMENT = 50
# People one ``@handle`` may stand for: a handle shared by more (``@sato`` in a town of Satos) is too
# vague to notify anyone (hub/boards/mentions.py).
MAX_PEOPLE_PER_MENTION = 10
# A webhook's event name pattern ("card.created", "card.*"): far longer than any event we define.
MAX_EVENT_NAME_CHARS = 64

# Idempotency keys are remembered this long (contract: "within 24 hours").
IDEMPOTENCY_TTL_S = 24 * 3600

# A writer that loses the race for a channel's next seq retries; past this many tries under
# contention the request answers 503 rather than spinning (each try is a few milliseconds).
COMMIT_MAX_ATTEMPTS = 50
# A public registration's first read of its event (404 before the per-address count) is reused this
# long: everything it could be stale in (seats, status, visibility) is decided again at the channel's
# head, so a rush reads the event a few times a second instead of once per registration.
PUBLIC_EVENT_REUSE_S = 1.0
# Changes of one channel queued in one process are decided and logged together (hub/events/log.py,
# "groups"): one insert of their events and one write per collection of their ops. A group is decided
# inside the channel's turn, so it is bounded to keep the other instances' wait for the turn short.
COMMIT_GROUP_MAX = 64

# One person's check-ins are serialised by a lease (docs/hubs.md). A check-in takes milliseconds;
# the lease outlives any healthy one by far, and a holder that died frees it after this long.
CHECKIN_LEASE_S = 10.0
# How long a second check-in of the same person waits for the first before answering 503.
CHECKIN_LEASE_WAIT_S = 5.0
# Visit statistics and CSV exports cover at most this many days per request: a year and a leap day.
VISIT_RANGE_MAX_DAYS = 366

# Ids that callers send in bodies (user ids, org ids, hub ids): ours are 24 hex characters and hub
# ids are short slugs; 64 leaves room and keeps junk out of queries and indexes.
MAX_ID_CHARS = 64
# RFC 5321: a forward path is at most 256 octets including the brackets, so an address ≤ 254.
MAX_EMAIL_CHARS = 254
# Longer than any passphrase a person types; short enough that argon2 never hashes megabytes.
MAX_PASSWORD_CHARS = 1024
# argon2id's cost per password hash: argon2-cffi's defaults, RFC 9106's second recommendation (3
# passes over 64 MiB, 4 lanes): tens of ms on a server core, 0.4 s on a loaded two-core CI machine.
# Enough that a stolen table costs a guesser dearly; small enough that a sign-in rush of a hundred
# people queues for seconds, not minutes.
PASSWORD_TIME_COST = 3
PASSWORD_MEMORY_KIB = 64 * 1024
PASSWORD_PARALLELISM = 4
# Ten characters of any kind is the least a person should choose; enforced when a password is set.
MIN_PASSWORD_CHARS = 10
# Idempotency-Key header: UUIDs and similar tokens fit with room to spare.
MAX_IDEMPOTENCY_KEY_CHARS = 255

# Failed sign-ins before a lock. Five wrong guesses for one account is a typo storm at most; thirty
# from one address covers an office behind one NAT where several people mistype at once.
LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
LOGIN_MAX_FAILURES_PER_ADDRESS = 30
# Failures less than this apart are counted together, and a lock lasts this long after the last
# failure: guessing online becomes hopeless (≤ 480 guesses a day per account), and a person can wait it out.
LOGIN_LOCKOUT_S = 15 * 60

# What a request reads of its session, its account and its project is reused this long by a hub
# instance (hub/storage/marks.py): those reads were three of a busy board's ~6 database round trips
# per request. Reused only while Redis shows no mark of a change of them, so a logout, a role change
# or a member removed still counts at once everywhere; a second bounds what Redis could hide.
REUSE_S = 1.0
# How long such a mark lasts: longer than any reuse of what was read before it (10× for slow
# requests between the read and its reuse).
CHANGE_MARK_S = 10.0
# Sessions and projects kept for reuse per instance: the people signed in at once in a town office
# and the projects they work in, with room to spare.
REUSED_MAX = 10_000

# Invitation links: a week covers a new colleague who reads mail on Mondays only; longer and a
# forgotten invitation in an old mailbox stays a way in.
INVITE_TOKEN_TTL_S = 7 * 24 * 3600
# Password-reset links: an hour to read the mail and act, short enough that a leaked one soon dies.
RESET_TOKEN_TTL_S = 3600
# Reset e-mails per account (known or not: the answer must not tell) and per client address within
# the window: three covers "the first mail was late" twice; twenty covers an office behind one NAT.
# Anything beyond is someone filling a mailbox or probing addresses.
PASSWORD_RESET_MAX_PER_ACCOUNT = 3
PASSWORD_RESET_MAX_PER_ADDRESS = 20
PASSWORD_RESET_WINDOW_S = 3600
# Every reset request answers after at least this long, whether or not the address exists, so the
# time does not tell either (writing the token and the e-mail takes a few milliseconds).
PASSWORD_RESET_ANSWER_S = 0.25

# The wall shows "today's" announcements again after a reload: the server answers the last day's
# (a day covers "today" in any time zone); the page keeps those of its own today.
POSTED_WINDOW_S = 24 * 3600

# A mention's notification quotes this much of the comment: enough for a sentence or two on a phone
# and in a LINE message; the card holds the rest.
MENTION_EXCERPT_CHARS = 200

# Pages of the audit log: one screen by default, bounded so one request stays cheap.
AUDIT_PAGE_DEFAULT = 50
AUDIT_PAGE_MAX = 200

# --- realtime: /ws, fan-out, presence (docs/realtime.md) ------------------------------------------

# The contract's frame limit: a larger client frame closes the socket with 1009.
WS_MAX_FRAME_BYTES = 64 * 1024
# The contract's window for a first {"type": "auth"} message when the upgrade carried no credentials.
WS_AUTH_TIMEOUT_S = 10.0
# A server ping after this long without traffic, and the pong due within half of it (aiohttp's rule):
# a dead peer is dropped 45 s after it went silent, inside the 60 s the issue allows, while a healthy
# idle socket costs one tiny frame each way every 30 s.
WS_HEARTBEAT_S = 30.0
# Bytes waiting in user space for one socket (the kernel buffers come on top). 1 MiB holds about a
# thousand card events: a burst (an import, a recovery) fits; a client further behind than that is
# cheaper to disconnect (1013) and let recover with ``since`` than to buffer for.
WS_SEND_QUEUE_BYTES = 1024 * 1024
# The kernel's send buffer of a socket (the kernel doubles it): fixed rather than auto-tuned up to
# 4 MiB, so that a socket that stopped reading pins at most ~1.5 MiB with the queue above, while
# 512 KiB in flight is still far more than events need on any real link.
WS_KERNEL_SEND_BUFFER_BYTES = 256 * 1024
# A socket closed for being slow gets this long to read its close frame before the TCP connection is
# aborted, so that a client that stopped reading for good does not pin its buffer.
WS_CLOSE_GRACE_S = 5.0
# Live events held for one subscription while it reads its missed events from MongoDB. Beyond this the
# subscriber cannot keep up with the channel and is treated as slow (1013).
WS_PENDING_EVENTS_MAX = 10_000
# Missed events are read from MongoDB in pages of this many, with backpressure between pages, so that
# a recovery over days of a busy channel never holds more than one page in memory.
WS_CATCH_UP_PAGE = 500
# A catch-up writes its next frame only while the socket holds at most this much: the replay goes as
# fast as the client reads, however big the events, and leaves three quarters of the send queue for
# the live frames of the socket's other channels, so an honest reader is never closed with 1013.
WS_CATCH_UP_BUFFER_BYTES = WS_SEND_QUEUE_BYTES // 4
# Client messages per connection: a token bucket of 50 per second with bursts of 100. A page sends a
# handful per second at most (subscriptions, presence updates, pings); a flood gets ``rate_limited``
# answers and costs the others nothing.
WS_RATE_PER_S = 50.0
WS_RATE_BURST = 100.0
# Channels one socket may follow at once: a page follows a few; the cap bounds what one socket costs.
WS_MAX_SUBSCRIPTIONS = 100
# Open /ws connections per user across every instance (API.md): a person has a few tabs and devices,
# a kiosk or wall one; twenty is far beyond honest use and caps what one account can pin.
WS_MAX_SOCKETS_PER_USER = 20
# Each instance re-asserts its sockets this often; one not re-asserted for the TTL stops counting, so
# the sockets of a killed instance free their places within seconds (like presence: pages that fail
# over to another instance must not be refused for long). 10,000 sockets cost 20 small scripts a round.
WS_USER_SOCKETS_REFRESH_S = 2.0
WS_USER_SOCKETS_TTL_S = 6.0
# Retry-After of the 429: longer than a dead instance's sockets take to stop counting.
WS_USER_SOCKETS_RETRY_AFTER_S = 10
# Presence state is broadcast to every member of the channel on each update: keep it small.
PRESENCE_STATE_MAX_BYTES = 1024

# An instance stops listening to a channel this long after its last local subscriber left, so a page
# reload does not cost an unsubscribe, a subscribe and a MongoDB read.
FEED_LINGER_S = 10.0
# How often every instance asks MongoDB for the heads of its channels: the safety net for a writer
# that died after logging an event but before publishing it, and for a lost pub/sub message on a
# quiet channel (a busy channel notices the gap at its next event).
HEAD_CHECK_INTERVAL_S = 2.0
# The head check reads the events logged this recently (by their ``at``): several intervals, so a
# check that ran late or a writer that was slow between stamping and inserting is still covered.
HEAD_CHECK_WINDOW_S = 30.0
# Pub/sub reconnects back off up to this (with jitter) while Redis is away.
BUS_RECONNECT_MAX_S = 2.0
# How long a new channel waits for Redis to confirm the subscription before reading the head from
# MongoDB; past it the channel starts anyway and is repaired by the head check.
BUS_SUBSCRIBE_TIMEOUT_S = 2.0

# Each instance refreshes its presence heartbeat key every second with a 5 s lifetime; every instance
# looks for expired incarnations every second. The connections of a killed instance thus leave within
# about 6 s (the contract allows 10 s), and an instance must stall for 5 s before it is taken for dead
# (when it wakes up it notices and joins its connections again).
PRESENCE_HEARTBEAT_S = 1.0
PRESENCE_TTL_S = 5.0
# Presence diffs of a channel are sent at most this often, merged: when a crowd opens a board at once,
# each socket gets a few diffs instead of one per person; a person still appears within a blink.
PRESENCE_BATCH_S = 0.05
# A new subscriber's presence_state waits for its own join to come back through Redis (a millisecond
# or two) so that it includes itself; never longer than this.
PRESENCE_GREET_WAIT_S = 2.0
# --- notifications (docs/notifications.md) -------------------------------------------------------
# A cause for this many people or fewer is fanned out inside the request, so the in-app record is
# there at once; a larger one (a town-wide notice) goes to a worker so that no request waits on it.
INLINE_FANOUT_MAX = 20
# A pending cause untouched this long was left by a process that died: the sweeper runs it again.
# Longer than any inline fan-out takes, short enough that a notice is late by half a minute at most.
CAUSE_STALE_S = 30
# A cause whose fan-out fails this many times (a bug or poisoned data, not an outage: a fan-out that
# cannot reach MongoDB cannot count its tries either) ends ``failed`` with its error instead of being
# retried every 30 s for ever; ten tries span about five minutes of sweeper rounds.
CAUSE_MAX_TRIES = 10
# Deliveries re-enqueued per sweeper round (every few seconds): bounds one round's Redis work.
SWEEP_BATCH = 1_000
# A one-time LINE linking code: long enough to open LINE and type it, short enough to be useless
# to someone who sees it later. Six digits: a guess among a million, and only live codes count.
LINE_LINK_CODE_TTL_S = 15 * 60
LINE_LINK_CODE_DIGITS = 6
# The LINE webhook body: LINE batches events, but a megabyte is far beyond what it sends.
MAX_LINE_WEBHOOK_BYTES = 256 * 1024
# A partner endpoint has this long to answer one delivery (Standard Webhooks suggests 15 s or less).
WEBHOOK_TIMEOUT_S = 10.0
# After a secret rotation the old secret also signs deliveries this long, so partners can switch.
WEBHOOK_ROTATION_OVERLAP_S = 24 * 3600
# Webhook endpoints per organisation: room for staging and production of several systems.
MAX_WEBHOOKS_PER_ORG = 20
# Webhook deliveries one webhook worker process runs at once (their own arq queue): most of their
# time is spent waiting on partners, so many fit in one process.
WEBHOOK_WORKER_MAX_JOBS = 40
# Deliveries of one organisation sent at once by one webhook worker: an org whose 20 endpoints all
# hang holds at most this many of the 40 places, and the other orgs' deliveries go on.
WEBHOOK_ORG_CONCURRENCY = 4
# A delivery whose org has no free place waits this long (not counted as an attempt) and tries again.
WEBHOOK_ORG_BUSY_RETRY_S = 1.0
# Circuit breaker per endpoint: this many failures in a row open it; while open, deliveries are not
# sent but deferred (each deferral counts as a failed attempt, so the retry schedule still ends them
# ``failed``); after the open time one delivery probes (half-open): success closes the breaker,
# failure opens it again for twice as long, up to the maximum.
WEBHOOK_BREAKER_FAILURES = 5
WEBHOOK_BREAKER_OPEN_S = 30.0
WEBHOOK_BREAKER_OPEN_MAX_S = 30 * 60.0
# Forgotten after this long without a failure: a breaker of an endpoint that recovered or was deleted.
WEBHOOK_BREAKER_TTL_S = 24 * 3600
# Events the webhook follower reads per channel per round; the rest wait for the next round.
WEBHOOK_FOLLOW_BATCH = 500
# Channels written this recently are looked at by the follower; an event committed by a writer
# that stalled longer than this between taking its time stamp and inserting is found with the
# channel's next event instead.
WEBHOOK_FOLLOW_WINDOW_S = 120
# Topics the office may define for residents: a menu of LINE quick replies holds at most 13 items.
MAX_RESIDENT_TOPICS = 13
# A confirmation link for an e-mail subscription works this long; the pending address is then erased.
SUBSCRIPTION_CONFIRM_TTL_S = 7 * 24 * 3600
# A reply to a LINE event must be made within about a minute of it (reply tokens expire): one try,
# short, and one retry after a Retry-After of at most this long.
LINE_REPLY_TIMEOUT_S = 5.0
LINE_REPLY_RETRY_MAX_S = 2.0
# Public archive: the newest this many per page (cursor for more).
PUBLIC_PAGE_DEFAULT = 20
# The Atom feed holds the newest this many public announcements.
ATOM_ENTRIES = 50
# A second subscription request for the same address within this long sends no second e-mail.
SUBSCRIPTION_RESEND_S = 60
# Residents' e-mails one job sends over one SMTP connection: a connection per message costs more
# round trips than the message itself; 50 keeps one job well inside its timeout.
EMAIL_CONNECTION_MAX = 50

# --- events at the hubs (API.md, "Events at the hubs"; docs/gatherings.md) -------------------------
# Seats of one event: the contract's bound (the largest hall in town seats far fewer).
EVENT_CAPACITY_MAX = 10_000
# People one registration brings: a family, or a small group from one company (the contract's 1..5).
EVENT_PARTY_MAX = 5
# Registration codes: six characters without look-alikes (no 0/O, 1/I), read aloud or typed on a
# kiosk keypad by an elderly resident; 31**6 ≈ 887 million codes, far beyond any event's size.
EVENT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
EVENT_CODE_CHARS = 6
# A kiosk checks a registrant in from this long before the start (people come early to get seated).
EVENT_ARRIVAL_EARLY_S = 2 * 3600
# Public registrations from one address per window: a family or a community hall registering many
# neighbours from one connection fits; a script filling an event's seats does not.
EVENT_REGISTRATIONS_PER_ADDRESS = 30
EVENT_REGISTRATION_WINDOW_S = 3600
# The online link of an event (a video meeting URL).
MAX_EVENT_URL_CHARS = 2_000

# --- finding and reminding (docs/boards.md, "Following and due reminders") ---------------------------
# A worker working on a card's due reminder holds it this long; if it dies, another takes it after.
# Longer than one reminder takes (a commit and a notify, well under a second), short enough that a
# reminder still goes out within a couple of minutes of its moment.
DUE_REMINDER_LEASE_S = 60
# Reminders worked on per sweep (every 10 s): a town's whole day of due moments fits in one pass,
# and a larger backlog drains within a few passes instead of one long job.
DUE_REMINDER_SWEEP_BATCH = 500
# Reminders a sweep works on at once: enough to overlap their database round trips, few enough that
# a burst (a whole town's "due today") does not crowd out the requests of people working meanwhile.
# Measured (bench/reminders.py, 2 cores, nx-27017): 4 sends 20 reminders in ~0.8–1.1 s, 1 in ~1.5 s,
# 8 no faster than 1 (the database serialises writes).
DUE_REMINDER_CONCURRENCY = 4
# Unread notifications listed in one digest e-mail; the rest are behind its link.
DIGEST_MAX_ITEMS = 50
# Cards and events in one calendar feed: a person follows at most this many due cards in practice,
# and calendar apps refetch the whole feed every few hours.
CALENDAR_MAX_ITEMS = 2000
# Secret calendar addresses: 32 random bytes, URL-safe.
CALENDAR_TOKEN_BYTES = 32

# --- finding, export and import (API.md, "Finding and reminding") ---------------------------------
# Trello's "Export as JSON" of a big board (thousands of cards, a thousand actions) is a few MiB; the
# contract takes up to 20 MiB.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
# An import commits cards and comments in batches: few events for a big board (the log's cost is per
# event), each far below MongoDB's 16 MiB document (an event carries each card twice: data and op).
IMPORT_BATCH_ITEMS = 200
IMPORT_BATCH_BYTES = 1024 * 1024

// The channel client of Dejima's pages: one WebSocket per page, any number of channels on it.
// Design note and usage: docs/realtime.md ("The channel client").
//
//   import { connect } from "../channel.js";     // from pages/ (relative: hub/web/assets.py)
//   const socket = connect();                      // same origin: the session cookie authenticates
//   const board = socket.channel(`board:${id}`, {
//     since: snapshot.seq,                         // the seq the page's snapshot reflects
//     onEvent(event) { ... },                      // each event once, in seq order
//     onPresence(members) { ... },                 // {user_id: {name, metas: [...]}} after each change
//     async onReset() { const s = await reload(); return s.seq; },   // history gone: reload
//     onError(error) { ... },                      // {code, message} from the server
//     onRights() { ... },                          // rights changed, still subscribed: re-read them
//     presence: false,                             // watch only: not counted (screens, the wall)
//   });
//   board.update({ editing: cardId });             // this tab's presence state
//   board.leave();
//
// After any drop the socket reconnects with exponential backoff and jitter and re-subscribes every
// channel with the seq of the last event it delivered, so a page sees every event once, in order.

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
// A silent socket (a laptop that slept, a proxy that dropped it) is noticed by a ping every 25 s that
// must be answered within 10 s.
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
// Close codes after which reconnecting cannot help: the session ended (sign in again).
const CLOSE_POLICY = 1008;

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

class Channel {
  constructor(socket, name, options) {
    this.socket = socket;
    this.name = name;
    this.options = options;
    // The seq of the last event delivered to the page (null: none yet, start from now).
    this.seq = Number.isInteger(options.since) ? options.since : null;
    this.state = null; // this tab's presence state, sent again after every reconnect
    this.members = new Map(); // conn → {userId, name, meta}
    this.resetting = null; // events held while the page reloads its snapshot
    this.closed = false;
  }

  update(state) {
    this.state = state;
    this.socket.send({ type: "presence.update", channel: this.name, state });
  }

  leave() {
    this.closed = true;
    this.socket.leave(this);
  }

  subscribeMessage(ref) {
    const message = { type: "subscribe", ref, channel: this.name };
    if (this.seq !== null) message.since = this.seq;
    if (this.options.presence === false) message.presence = false;
    return message;
  }

  onSubscribed(message) {
    if (this.seq === null) this.seq = message.seq;
    if (message.recovered === false) this.reset(message.seq);
    if (this.state !== null) this.update(this.state);
  }

  async reset(liveFrom) {
    // Events after our seq are gone: the page reloads its snapshot; live events (after
    // ``liveFrom``) are held meanwhile and delivered after it, minus what the snapshot reflects.
    this.resetting = [];
    let snapshotSeq = liveFrom;
    try {
      if (this.options.onReset) {
        const seq = await this.options.onReset();
        if (Number.isInteger(seq)) snapshotSeq = seq;
      }
    } finally {
      const held = this.resetting;
      this.resetting = null;
      this.seq = snapshotSeq;
      for (const event of held) this.onEvent(event);
    }
  }

  onEvent(event) {
    if (this.resetting) {
      this.resetting.push(event);
      return;
    }
    if (this.seq !== null && event.seq <= this.seq) return; // already delivered
    if (this.seq !== null && event.seq !== this.seq + 1) {
      // Never expected from the server; recover by asking again from what we have.
      this.socket.resubscribe(this);
      return;
    }
    this.seq = event.seq;
    if (this.options.onEvent) this.options.onEvent(event);
  }

  onPresenceState(message) {
    this.members = new Map();
    this.applyPresence(message.members, true);
    this.emitPresence();
  }

  onPresenceDiff(message) {
    // Leaves first: an updated meta leaves with its old state and joins with its new one.
    this.applyPresence(message.leaves, false);
    this.applyPresence(message.joins, true);
    this.emitPresence();
  }

  applyPresence(members, joining) {
    for (const [userId, member] of Object.entries(members || {})) {
      for (const meta of member.metas) {
        if (joining) this.members.set(meta.conn, { userId, name: member.name, meta });
        else this.members.delete(meta.conn);
      }
    }
  }

  emitPresence() {
    if (!this.options.onPresence) return;
    const out = {};
    for (const { userId, name, meta } of this.members.values()) {
      if (!out[userId]) out[userId] = { name, metas: [] };
      out[userId].metas.push(meta);
    }
    this.options.onPresence(out);
  }
}

class Socket {
  constructor(url) {
    this.url = url;
    this.channels = new Map();
    this.ws = null;
    this.attempt = 0;
    this.refs = 0;
    this.pending = new Map(); // ref → channel, for subscribe answers
    this.stopped = false;
    this.listeners = new Set();
    this.open();
  }

  // "connecting" | "live" | "offline" | "signed-out", for a status line on the page.
  onStatus(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(value) {
    for (const listener of this.listeners) listener(value);
  }

  channel(name, options = {}) {
    const existing = this.channels.get(name);
    if (existing) existing.leave();
    const channel = new Channel(this, name, options);
    this.channels.set(name, channel);
    this.subscribe(channel);
    return channel;
  }

  leave(channel) {
    if (this.channels.get(channel.name) !== channel) return;
    this.channels.delete(channel.name);
    this.send({ type: "unsubscribe", channel: channel.name });
  }

  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopPing();
    if (this.ws) this.ws.close(1000);
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  subscribe(channel) {
    const ref = `s${++this.refs}`;
    this.pending.set(ref, channel);
    this.send(channel.subscribeMessage(ref));
  }

  resubscribe(channel) {
    this.send({ type: "unsubscribe", channel: channel.name });
    this.subscribe(channel);
  }

  open() {
    this.status("connecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.pending.clear();
      for (const channel of this.channels.values()) this.subscribe(channel);
      this.startPing();
    };
    ws.onmessage = (frame) => this.receive(JSON.parse(frame.data));
    ws.onclose = (closed) => this.dropped(ws, closed.code);
  }

  dropped(ws, code) {
    if (ws !== this.ws) return;
    this.stopPing();
    this.ws = null;
    if (this.stopped) return;
    if (code === CLOSE_POLICY) {
      this.status("signed-out");
      return;
    }
    this.status("offline");
    // Exponential backoff with full jitter: a restarted server is not hit by every page at once.
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.open(), ceiling / 2 + Math.random() * (ceiling / 2));
  }

  receive(message) {
    const channel = message.channel ? this.channels.get(message.channel) : undefined;
    switch (message.type) {
      case "event":
        if (channel) channel.onEvent(message);
        break;
      case "subscribed": {
        const subscriber = this.pending.get(message.ref);
        this.pending.delete(message.ref);
        if (subscriber && this.channels.get(subscriber.name) === subscriber) {
          this.attempt = 0;
          this.status("live");
          subscriber.onSubscribed(message);
        }
        break;
      }
      case "presence_state":
        if (channel) channel.onPresenceState(message);
        break;
      case "presence_diff":
        if (channel) channel.onPresenceDiff(message);
        break;
      case "pong":
        clearTimeout(this.pongTimer);
        break;
      case "error": {
        const subscriber = channel || this.pending.get(message.ref);
        this.pending.delete(message.ref);
        if (subscriber && subscriber.options.onError) subscriber.options.onError(message);
        break;
      }
      case "rights_changed":
        // Still allowed to follow it, but what this user may do there may have changed.
        if (channel && channel.options.onRights) channel.options.onRights(message);
        break;
      case "unsubscribed":
        // The server ended it (a right lost); the error before it said why.
        if (channel && message.ref === null) {
          channel.closed = true;
          this.channels.delete(channel.name);
        }
        break;
      default:
        break;
    }
  }

  startPing() {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      this.send({ type: "ping", ref: "heartbeat" });
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => {
        if (this.ws) this.ws.close(4000); // silent: drop it and reconnect
      }, PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}

// One socket per page is enough for every channel it follows.
let shared = null;

export function connect(url = socketUrl()) {
  if (!shared || shared.stopped) shared = new Socket(url);
  return shared;
}

// The live connection of the board page: /ws, subscribe to board:{id} with `since`, reconnect after a
// drop with the newest seq held, reload the snapshot when events are no longer kept (recovered: false)
// or a gap shows, and relay presence (API.md, Realtime).

const RETRY_MS = [500, 1000, 2000, 5000, 10000];

export class BoardSocket {
  /**
   * handlers: seq() → the newest seq the page holds; onEvent(frame); onPresence(members);
   * reload() → Promise (reloads the snapshot quietly); onStatus("live"|"offline").
   */
  constructor(boardId, handlers) {
    this.channel = `board:${boardId}`;
    this.handlers = handlers;
    this.members = {};
    this.state = {};
    this.attempt = 0;
    this.ws = null;
    this.closed = false;
    this.ref = 0;
  }

  start() {
    this.closed = false;
    this.open();
  }

  stop() {
    this.closed = true;
    if (this.ws) this.ws.close();
  }

  /** Replace this connection's presence state (e.g. {editing: cardId}). */
  setState(state) {
    this.state = state;
    this.send({ type: "presence.update", channel: this.channel, state });
  }

  /** Drop the connection as a network failure would (tests use this to check recovery). */
  drop() {
    if (this.ws) this.ws.close(4000, "dropped");
  }

  open() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${window.location.host}/ws`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.subscribe();
    });
    ws.addEventListener("message", (message) => this.receive(message.data));
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.handlers.onStatus("offline");
      if (this.closed) return;
      const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
      this.attempt += 1;
      window.setTimeout(() => this.open(), delay);
    });
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  subscribe() {
    this.ref += 1;
    this.send({ type: "subscribe", ref: String(this.ref), channel: this.channel, since: this.handlers.seq() });
  }

  async resync() {
    // Reload the snapshot, then follow again from its seq: nothing stale, nothing missed.
    this.send({ type: "unsubscribe", channel: this.channel });
    await this.handlers.reload();
    this.subscribe();
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (frame.channel && frame.channel !== this.channel) return;
    if (frame.type === "subscribed") {
      this.handlers.onStatus("live");
      if (frame.recovered === false) this.resync();
      else if (Object.keys(this.state).length) this.setState(this.state);
    } else if (frame.type === "event") {
      const held = this.handlers.seq();
      if (frame.seq <= held) return;
      if (frame.seq > held + 1) {
        this.resync();
        return;
      }
      this.handlers.onEvent(frame);
    } else if (frame.type === "presence_state") {
      this.members = frame.members || {};
      this.handlers.onPresence(this.members);
    } else if (frame.type === "presence_diff") {
      for (const [userId, entry] of Object.entries(frame.leaves || {})) {
        const current = this.members[userId];
        if (!current) continue;
        const gone = new Set(entry.metas.map((m) => m.conn));
        current.metas = current.metas.filter((m) => !gone.has(m.conn));
        if (current.metas.length === 0) delete this.members[userId];
      }
      for (const [userId, entry] of Object.entries(frame.joins || {})) {
        const current = this.members[userId] || { name: entry.name, metas: [] };
        const fresh = new Set(entry.metas.map((m) => m.conn));
        current.metas = current.metas.filter((m) => !fresh.has(m.conn)).concat(entry.metas);
        this.members[userId] = current;
      }
      this.handlers.onPresence(this.members);
    } else if (frame.type === "unsubscribed" && frame.ref == null) {
      // The server ended the subscription (rights changed): show what the snapshot says now.
      this.handlers.reload().catch(() => {});
    }
  }
}

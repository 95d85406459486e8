// The signed-in person's own channel `user:{id}` (API.md, Realtime), one socket per page.
// Every event is re-dispatched on `document` as "dejima:user-event" (detail: the event frame);
// once the channel is live, and after events were lost for good (recovered: false),
// "dejima:user-resync" asks pages to read again what they show.
// Reconnects with `since` = the newest seq seen, so nothing is missed across a drop.

const RETRY_MS = [500, 1000, 2000, 5000, 10000];

export class UserChannel {
  constructor(userId) {
    this.channel = `user:${userId}`;
    this.seq = null;
    this.attempt = 0;
    this.ws = null;
    this.closed = false;
  }

  start() {
    this.closed = false;
    this.open();
  }

  stop() {
    this.closed = true;
    if (this.ws) this.ws.close();
  }

  open() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${window.location.host}/ws`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      const message = { type: "subscribe", ref: "user", channel: this.channel };
      if (this.seq !== null) message.since = this.seq;
      ws.send(JSON.stringify(message));
    });
    ws.addEventListener("message", (message) => this.receive(message.data));
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closed) return;
      const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
      this.attempt += 1;
      window.setTimeout(() => this.open(), delay);
    });
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (frame.channel !== this.channel) return;
    if (frame.type === "subscribed") {
      const first = this.seq === null;
      const lost = frame.recovered === false;
      if (first || lost) this.seq = frame.seq;
      // After lost events, and also once the first subscription is live: what the page read before
      // it (the unread count, the urgent banners, a list) misses an event logged in between, e.g. an
      // urgent notice published while the page was opening; so the page reads it again.
      if (first || lost) document.dispatchEvent(new CustomEvent("dejima:user-resync"));
      return;
    }
    if (frame.type !== "event") return;
    if (this.seq !== null && frame.seq <= this.seq) return;
    this.seq = frame.seq;
    document.dispatchEvent(new CustomEvent("dejima:user-event", { detail: frame }));
  }
}

// A small client of /ws for pages that follow channels (API.md, Realtime): it subscribes each channel
// from the seq of the snapshot the page loaded, drops repeats by seq, reconnects with backoff after a
// network cut and catches up with `since`; when the server no longer keeps the missed events
// (`recovered: false`) it asks the page to reload that channel's snapshot.
//
//   const live = new Live({ onState: (up) => ... });
//   live.follow("hub:bandai", seq, { onEvent: (event) => ..., reload: async () => newSeq });

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15_000;

export class Live {
  constructor({ onState = () => {} } = {}) {
    this.onState = onState;
    this.channels = new Map(); // name → {seq, onEvent, reload}
    this.socket = null;
    this.retryMs = RETRY_MIN_MS;
    this.refs = 0;
    this.up = false;
    this.connect();
    // A laptop or tablet waking up, or the network coming back: try at once instead of waiting.
    window.addEventListener("online", () => this.reconnectNow());
  }

  follow(channel, seq, { onEvent, reload }) {
    this.channels.set(channel, { seq, onEvent, reload });
    if (this.up) this.subscribe(channel);
  }

  connect() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}/ws`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.retryMs = RETRY_MIN_MS;
      this.setUp(true);
      for (const channel of this.channels.keys()) this.subscribe(channel);
    });
    socket.addEventListener("message", (message) => this.receive(message.data));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.setUp(false);
      const wait = this.retryMs;
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
      this.timer = window.setTimeout(() => this.connect(), wait + Math.random() * 250);
    });
  }

  reconnectNow() {
    if (this.up) return;
    window.clearTimeout(this.timer);
    if (this.socket) this.socket.close();
    this.connect();
  }

  setUp(up) {
    if (this.up === up) return;
    this.up = up;
    this.onState(up);
  }

  subscribe(channel) {
    const entry = this.channels.get(channel);
    this.refs += 1;
    const message = { type: "subscribe", ref: `s${this.refs}`, channel };
    if (entry && entry.seq !== null && entry.seq !== undefined) message.since = entry.seq;
    this.socket.send(JSON.stringify(message));
  }

  async receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    const entry = this.channels.get(frame.channel);
    if (!entry) return;
    if (frame.type === "subscribed" && (entry.seq === null || entry.seq === undefined)) {
      entry.seq = frame.seq; // followed "from now on": from here on, catch up from this seq
    } else if (frame.type === "subscribed" && frame.recovered === false) {
      // The missed events are gone: start again from a fresh snapshot, then follow from its seq
      // (subscribing again replaces this subscription; events until then are ignored).
      entry.reloading = true;
      try {
        entry.seq = await entry.reload();
      } finally {
        entry.reloading = false;
      }
      if (this.up) this.subscribe(frame.channel);
    } else if (frame.type === "event") {
      if (entry.reloading) return;
      if (entry.seq !== null && entry.seq !== undefined && frame.seq <= entry.seq) return; // seen already
      entry.seq = frame.seq;
      entry.onEvent(frame);
    }
  }
}

// The host's view of an event's registrations (/events/{id}/registrations): status and arrival of
// each, live — the hub's channel says when counts change (never who), and the list is read again.
import { api, onLocaleChange, t } from "../app.js";
import { connect } from "../channel.js";
import { el, fill, formatTime } from "../dom.js";

const EVENT_ID = decodeURIComponent(window.location.pathname.split("/")[2] || "");
const $ = (id) => document.getElementById(id);
let event = null;
let rows = [];
let pending = null;

function render() {
  if (!event) return;
  $("host-title").textContent = `${t("events.host_title")}: ${event.title}`;
  $("host-counts").textContent = t("events.counts", event);
  $("back-link").href = `/events/${encodeURIComponent(EVENT_ID)}`;
  $("host-csv").href = `/api/events/${encodeURIComponent(EVENT_ID)}/registrations.csv`;
  fill(
    $("host-rows"),
    ...rows.map((row) =>
      el(
        "tr",
        {},
        el("td", { text: row.erased ? t("events.erased") : row.name || "" }),
        el("td", { text: String(row.party_size) }),
        el("td", { text: t(`events.status_${row.status}`) }),
        el("td", { text: row.arrived ? `${t("events.arrived")} ${formatTime(row.arrived_at)}` : t("events.not_arrived") }),
        el("td", { text: row.code }),
      ),
    ),
  );
}

async function load() {
  event = await api("GET", `/api/events/${encodeURIComponent(EVENT_ID)}`);
  rows = (await api("GET", `/api/events/${encodeURIComponent(EVENT_ID)}/registrations`)) || [];
  render();
}

function reloadSoon() {
  // A burst of registrations reads the list once, not once per event.
  if (pending) return;
  pending = window.setTimeout(async () => {
    pending = null;
    await load().catch(() => {});
  }, 300);
}

async function start() {
  event = await api("GET", `/api/events/${encodeURIComponent(EVENT_ID)}`);
  // The channel's seq first, the list after it: a registration made in between is then both in the
  // list and replayed from the seq (one more reload), never in neither.
  const snapshot = await api("GET", `/api/hubs/${encodeURIComponent(event.hub_id)}/snapshot`, undefined, { quiet: true }).catch(() => null);
  await load();
  if (!snapshot) return;
  connect().channel(`hub:${event.hub_id}`, {
    since: snapshot.seq,
    presence: false,
    onEvent(frame) {
      const data = frame.data || {};
      if ((data.event_id || data.id) === EVENT_ID) reloadSoon();
    },
    async onReset() {
      await load();
      const fresh = await api("GET", `/api/hubs/${encodeURIComponent(event.hub_id)}/snapshot`, undefined, { quiet: true });
      return fresh.seq;
    },
  });
}

onLocaleChange(render);
start();

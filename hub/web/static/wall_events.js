// The wall's "Today's events": the events of both hubs that happen today, with their seat counts
// live from the hubs' channels (event.* events carry counts, never names). wall.js hands every
// event of a hub: channel to `onHubEvent`, and calls `loadTodaysEvents` at start and after a reset.
import { api, t } from "./app.js";
import { el, fill, formatTime } from "./dom.js";

const events = new Map(); // id → event
let hubNameOf = (id) => id;

/** How the wall names a hub (it knows their names from /api/hubs). */
export function useHubNames(lookup) {
  hubNameOf = lookup;
}

function todayRange() {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

function isToday(event) {
  const { from, to } = todayRange();
  return event.starts_at < to && event.ends_at > from;
}

export async function loadTodaysEvents() {
  const { from, to } = todayRange();
  try {
    const list = await api("GET", `/api/events?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, undefined, { quiet: true });
    events.clear();
    for (const event of list || []) events.set(event.id, event);
  } catch {
    // Offline for a moment: the channels bring changes from now on.
  }
  renderTodaysEvents();
}

export function onHubEvent(frame) {
  const data = frame.data || {};
  if (frame.event === "event.created" || frame.event === "event.updated" || frame.event === "event.cancelled") {
    if (data.title !== undefined && isToday(data)) events.set(data.id, data);
    else if (data.title !== undefined) events.delete(data.id);
  } else if (frame.event === "event.registration" || frame.event === "event.arrival") {
    const known = events.get(data.event_id);
    if (!known) return;
    events.set(data.event_id, { ...known, registered: data.registered, waitlisted: data.waitlisted, attended: data.attended });
  } else {
    return;
  }
  renderTodaysEvents();
}

export function renderTodaysEvents() {
  const list = document.getElementById("wall-events");
  if (!list) return;
  const items = Array.from(events.values()).sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  fill(
    list,
    ...items.map((event) =>
      el(
        "li",
        { attrs: { "data-event-id": event.id } },
        el("strong", { text: event.title }),
        el("p", { text: `${formatTime(event.starts_at)} · ${hubNameOf(event.hub_id)}` }),
        el("p", {
          className: "wall-events__counts",
          text: event.status === "cancelled" ? t("events.cancelled") : t("events.wall_counts", event),
        }),
      ),
    ),
  );
  const empty = document.getElementById("wall-events-empty");
  if (empty) empty.hidden = items.length > 0;
}

// The public list of events (/events): no sign-in needed; soonest first, with the seats left.
import { api, onLocaleChange, t } from "../app.js";
import { el, fill, formatTime } from "../dom.js";

let events = [];

function seatsText(event) {
  const left = Math.max(0, event.capacity - event.registered);
  return left > 0 ? t("events.seats_left", { left, capacity: event.capacity }) : t("events.full");
}

function render() {
  const list = document.getElementById("events-list");
  fill(
    list,
    ...events.map((event) => {
      const link = el("a", { text: t("events.open"), attrs: { href: `/events/${encodeURIComponent(event.id)}` } });
      return el(
        "li",
        { className: "card" },
        el("h2", { text: event.title }),
        el(
          "dl",
          { className: "event-facts" },
          el("dt", { text: t("events.when") }),
          el("dd", { text: `${formatTime(event.starts_at)} – ${formatTime(event.ends_at)}` }),
          el("dt", { text: t("events.where") }),
          el("dd", { text: event.hub_name }),
          el("dt", { text: t("events.seats") }),
          el("dd", { text: seatsText(event) }),
        ),
        el("p", {}, link),
      );
    }),
  );
  document.getElementById("events-none").hidden = events.length > 0;
}

async function start() {
  events = (await api("GET", "/api/public/events")) || [];
  render();
}

onLocaleChange(render);
start();

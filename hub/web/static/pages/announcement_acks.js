// The author's view of an announcement: who has acknowledged it and who is pending, by home hub.
import { api, onLocaleChange, t } from "../app.js";
import { localized } from "../notifications/common.js";
import { el, fill, timeEl } from "../dom.js";

// Live through the author's channel (announcement.ack_received); a glance every 20 s besides covers
// an admin looking at someone else's announcement.
const REFRESH_MS = 20_000;
const id = decodeURIComponent(window.location.pathname.split("/")[2] || "");
let announcement = null;
let acks = null;
let hubNames = {};

function render() {
  const text = localized(announcement);
  const title = document.getElementById("acks-notice-title");
  title.textContent = text.title;
  title.setAttribute("lang", text.lang);
  const body = document.getElementById("acks-body");
  body.textContent = text.body;
  body.setAttribute("lang", text.lang);
  const meta = document.getElementById("acks-meta");
  const status = announcement.status === "scheduled" ? t("announcements.scheduled") : t("announcements.published");
  fill(meta, el("span", { text: status }), " ", timeEl(announcement.published_at || announcement.publish_at));
  if (announcement.priority === "urgent") meta.append(" ", el("span", { className: "badge badge--urgent", text: t("announcements.urgent") }));

  const people = Object.fromEntries(acks.people.map((p) => [p.user_id, p]));
  const total = acks.acknowledged.length + acks.pending.length;
  document.getElementById("acks-summary").textContent = t("announcements.acks_summary", {
    read: acks.acknowledged.length,
    total,
  });
  // Residents without an account (LINE followers): counts only, beside the named users.
  const residents = document.getElementById("acks-residents");
  residents.hidden = !acks.residents;
  if (acks.residents) residents.textContent = t("announcements.residents_acks", acks.residents);
  const groups = new Map();
  for (const userId of acks.pending) {
    const hub = (people[userId] && people[userId].home_hub) || "";
    if (!groups.has(hub)) groups.set(hub, []);
    groups.get(hub).push(userId);
  }
  const sections = [...groups.entries()]
    .sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)))
    .map(([hub, ids]) => {
      const name = hub ? hubNames[hub] || hub : t("announcements.no_home_hub");
      const heading = el("h3", { text: t("announcements.hub_group", { hub: name, count: ids.length }) });
      const list = el("ul", {}, ...ids.map((userId) => el("li", { text: (people[userId] && people[userId].name) || userId })));
      return el("div", { className: "item" }, heading, list);
    });
  fill(document.getElementById("pending-groups"), ...sections);
  document.getElementById("pending-none").hidden = acks.pending.length > 0 || total === 0;
  fill(
    document.getElementById("acked-rows"),
    ...acks.acknowledged.map((ack) =>
      el(
        "tr",
        {},
        el("td", { text: (people[ack.user_id] && people[ack.user_id].name) || ack.user_id, attrs: { "data-label": t("announcements.person") } }),
        el("td", { attrs: { "data-label": t("announcements.read_at") } }, timeEl(ack.at)),
      ),
    ),
  );
}

async function load() {
  [announcement, acks] = await Promise.all([
    api("GET", `/api/announcements/${encodeURIComponent(id)}`),
    api("GET", `/api/announcements/${encodeURIComponent(id)}/acks`),
  ]);
  render();
}

document.getElementById("acks-refresh").addEventListener("click", load);
onLocaleChange(() => announcement && render());
const hubs = await api("GET", "/api/hubs");
hubNames = Object.fromEntries(hubs.map((hub) => [hub.id, hub.name]));
await load();
window.setInterval(() => load().catch(() => {}), REFRESH_MS);
// Live: each acknowledgement of the author's announcements nudges the author's own channel.
document.addEventListener("dejima:user-event", (event) => {
  const frame = event.detail;
  if (frame.event === "announcement.ack_received" && frame.data.announcement_id === id) load().catch(() => {});
});

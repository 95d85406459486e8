// Announcements that reached me (newest first; "I have read this" on urgent ones) and, for the DX
// office, the ones they wrote with a link to who has read them.
import { announce, api, me, onLocaleChange, t } from "../app.js";
import { localized } from "../notifications/common.js";
import { el, fill, timeEl } from "../dom.js";

const receivedList = document.getElementById("received-list");
let received = [];
let authored = [];
let staff = false;

function receivedItem(announcement) {
  const text = localized(announcement);
  const urgent = announcement.priority === "urgent";
  const title = el("h3", { className: "item__title", text: text.title, attrs: { lang: text.lang } });
  const head = el("div", { className: "item__head" }, title);
  if (urgent) head.append(el("span", { className: "badge badge--urgent", text: t("announcements.urgent") }));
  const body = el("p", { className: "text-block", text: text.body, attrs: { lang: text.lang } });
  const meta = el("p", { className: "item__meta" }, timeEl(announcement.published_at));
  if (announcement.expires_at) {
    meta.append(" · ", el("span", { text: t("announcements.until") }), " ", timeEl(announcement.expires_at));
  }
  const actions = el("div", { className: "item__actions" });
  if (announcement.acknowledged_at) {
    actions.append(el("span", { className: "badge badge--ok", text: t("announcements.acknowledged") }));
  } else if (urgent) {
    const button = el("button", { className: "button", text: t("announcements.ack"), attrs: { type: "button" } });
    button.append(el("span", { className: "visually-hidden", text: `: ${text.title}` }));
    button.addEventListener("click", () => acknowledge(announcement.id, button));
    actions.append(button);
  }
  const className = `item${urgent ? " item--urgent" : ""}`;
  return el("li", { className, attrs: { id: announcement.id, tabindex: "-1" } }, head, body, meta, actions);
}

function authoredItem(announcement) {
  const text = localized(announcement);
  const head = el("div", { className: "item__head" }, el("h3", { className: "item__title", text: text.title, attrs: { lang: text.lang } }));
  if (announcement.priority === "urgent") head.append(el("span", { className: "badge badge--urgent", text: t("announcements.urgent") }));
  const status = announcement.status === "scheduled" ? t("announcements.scheduled") : t("announcements.published");
  head.append(el("span", { className: "badge badge--muted", text: status }));
  const when = announcement.status === "scheduled" ? announcement.publish_at : announcement.published_at;
  const meta = el("p", { className: "item__meta" }, timeEl(when));
  const link = el("a", { text: t("announcements.see_acks"), attrs: { href: `/announcements/${announcement.id}/acks` } });
  link.append(el("span", { className: "visually-hidden", text: `: ${text.title}` }));
  return el("li", { className: "item" }, head, meta, el("div", { className: "item__actions" }, link));
}

function render() {
  fill(receivedList, ...received.map(receivedItem));
  receivedList.setAttribute("aria-busy", "false");
  document.getElementById("received-empty").hidden = received.length > 0;
  if (staff) {
    fill(document.getElementById("authored-list"), ...authored.map(authoredItem));
    document.getElementById("authored-empty").hidden = authored.length > 0;
  }
}

async function acknowledge(id, button) {
  button.disabled = true;
  try {
    const updated = await api("POST", `/api/announcements/${id}/ack`);
    received = received.map((a) => (a.id === id ? updated : a));
  } finally {
    button.disabled = false;
  }
  render();
  const item = document.getElementById(id);
  if (item) item.focus();
  announce(t("announcements.ack_done"));
}

let hashFocused = false;

async function load() {
  received = await api("GET", "/api/announcements");
  if (staff) authored = await api("GET", "/api/announcements?authored=true&limit=50");
  render();
  // The linked announcement gets the focus on the first load only (a re-read must not take it back).
  if (window.location.hash && !hashFocused) {
    hashFocused = true;
    const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    if (target) target.focus();
  }
}

document.addEventListener("dejima:user-event", (event) => {
  const frame = event.detail;
  if (frame.event === "notification.created" && frame.data.kind.startsWith("announcement")) load();
});
document.addEventListener("dejima:user-resync", load);
onLocaleChange(render);

const user = await me();
staff = Boolean(user && (user.role === "admin" || user.role === "member"));
document.getElementById("staff-tools").hidden = !staff;
document.getElementById("authored-section").hidden = !staff;
await load();

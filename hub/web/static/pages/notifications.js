// The notification centre: newest first, unread marked, live from the person's own channel.
import { api, me, onLocaleChange, t } from "../app.js";
import { el, fill, timeEl } from "../dom.js";

const list = document.getElementById("notification-list");
const empty = document.getElementById("notifications-empty");
const filters = document.querySelectorAll("[data-filter]");
let items = [];
let onlyUnread = false;

function linkOf(notification) {
  const data = notification.data || {};
  // The server names the page it is about (a card on its board, the join-request queue …).
  if (typeof data.link === "string" && data.link.startsWith("/") && !data.link.startsWith("//")) return data.link;
  if (data.board_id && data.card_id) return `/boards/${encodeURIComponent(data.board_id)}?card=${encodeURIComponent(data.card_id)}`;
  if (data.announcement_id) return `/announcements#${data.announcement_id}`;
  if (data.project_id) return `/projects/${data.project_id}`;
  return null;
}

function render() {
  const shown = onlyUnread ? items.filter((n) => !n.read) : items;
  fill(list, ...shown.map(itemOf));
  empty.hidden = shown.length > 0;
  list.setAttribute("aria-busy", "false");
}

function itemOf(notification) {
  const data = notification.data || {};
  const head = el("div", { className: "item__head" }, el("h2", { className: "item__title", text: data.title || "" }));
  if (data.locale) head.firstChild.setAttribute("lang", data.locale);
  if (notification.priority === "urgent") head.append(el("span", { className: "badge badge--urgent", text: t("notifications.urgent") }));
  if (!notification.read) head.append(el("span", { className: "badge badge--unread", text: t("notifications.unread") }));
  const body = el("p", { className: "text-block", text: data.body || "" });
  if (data.locale) body.setAttribute("lang", data.locale);
  const meta = el("p", { className: "item__meta" }, timeEl(notification.created_at));
  const actions = el("div", { className: "item__actions" });
  const href = linkOf(notification);
  if (href) actions.append(el("a", { text: t("notifications.open"), attrs: { href } }));
  if (!notification.read) {
    const button = el("button", { className: "button", text: t("notifications.mark_read"), attrs: { type: "button" } });
    button.append(el("span", { className: "visually-hidden", text: `: ${data.title || ""}` }));
    button.addEventListener("click", () => markRead(notification.id, button));
    actions.append(button);
  }
  const className = `item${notification.read ? "" : " item--unread"}${notification.priority === "urgent" ? " item--urgent" : ""}`;
  return el("li", { className, attrs: { "data-id": notification.id } }, head, body, meta, actions);
}

async function markRead(id, button) {
  button.disabled = true;
  try {
    replace(await api("POST", `/api/notifications/${id}/read`));
  } finally {
    button.disabled = false;
  }
  render();
  // Keep the keyboard where the reader was: the next unread item, else the toolbar.
  (list.querySelector("li.item--unread button") || document.getElementById("read-all")).focus();
}

function replace(notification) {
  const index = items.findIndex((n) => n.id === notification.id);
  if (index >= 0) items[index] = notification;
  else items.unshift(notification);
}

async function load() {
  items = await api("GET", "/api/notifications?limit=100");
  render();
}

for (const button of filters) {
  button.addEventListener("click", () => {
    onlyUnread = button.getAttribute("data-filter") === "unread";
    for (const other of filters) other.setAttribute("aria-pressed", String(other === button));
    render();
  });
}

document.getElementById("read-all").addEventListener("click", async () => {
  for (const notification of items.filter((n) => !n.read)) {
    replace(await api("POST", `/api/notifications/${notification.id}/read`));
  }
  render();
});

document.addEventListener("dejima:user-event", (event) => {
  const frame = event.detail;
  if (frame.event === "notification.created" || frame.event === "notification.read") {
    replace(frame.data);
    render();
  }
});
document.addEventListener("dejima:user-resync", load);
onLocaleChange(render);

const user = await me();
if (user && (user.role === "admin" || user.role === "partner")) document.getElementById("webhooks-link").hidden = false;
await load();

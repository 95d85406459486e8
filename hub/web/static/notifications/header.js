// The header's notification link with the live unread count, on every page of a signed-in person.
import { announce, api, me, onLocaleChange, t } from "../app.js";
import { UserChannel } from "./live.js";
import { startUrgentBanners } from "./urgent.js";

const link = document.querySelector("[data-notify-link]");
const badge = document.querySelector("[data-unread-count]");
let unread = 0;

function render() {
  if (!badge || !link) return;
  // The visible number, then words for screen readers: the link's name starts with what is seen.
  badge.replaceChildren();
  if (unread > 0) {
    const words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = t("notifications.header_unread", { count: unread });
    badge.append(String(unread), words);
  }
  badge.hidden = unread === 0;
}

async function refresh() {
  try {
    unread = (await api("GET", "/api/notifications/unread-count", undefined, { quiet: true })).unread;
  } catch {
    return; // signed out meanwhile, or offline: the count stays as it was
  }
  render();
}

async function start() {
  const user = await me().catch(() => null);
  if (!user || !link) return;
  render();
  if (user.role !== "kiosk") startUrgentBanners(user);
  await refresh();
  new UserChannel(user.id).start();
  document.addEventListener("dejima:user-event", (event) => {
    const frame = event.detail;
    if (frame.event === "notification.created") {
      announce(t("notifications.arrived", { title: (frame.data.data && frame.data.data.title) || "" }));
      refresh();
    } else if (frame.event === "notification.read") {
      refresh();
    }
  });
  document.addEventListener("dejima:user-resync", refresh);
  onLocaleChange(render);
}

start();

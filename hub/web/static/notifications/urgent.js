// Urgent announcements the person has not acknowledged: a banner at the top of every page until they
// press 「確認しました」. Each new one is read out once (role="alert"); the banner itself is a plain
// region so it is not read again on every change. Acknowledging in one tab removes it from every
// open tab at once: the `announcement.acknowledged` event arrives on the person's own channel.
import { announce, api, locale, onLocaleChange, t } from "../app.js";

const banners = new Map(); // announcement id → announcement
let container = null;
let selfId = null; // the author of a notice is not asked to acknowledge it
let alertRegion = null;

function setUp() {
  const main = document.getElementById("main");
  if (!main) return false;
  container = document.createElement("div");
  container.className = "urgent-banners";
  alertRegion = document.createElement("div");
  alertRegion.className = "visually-hidden";
  alertRegion.setAttribute("role", "alert");
  alertRegion.id = "urgent-alert";
  main.prepend(alertRegion, container);
  return true;
}

function words(announcement) {
  if (locale() === "en" && announcement.title_en) return { title: announcement.title_en, body: announcement.body_en || "" };
  return { title: announcement.title, body: announcement.body };
}

function banner(announcement) {
  const { title, body } = words(announcement);
  const section = document.createElement("section");
  section.className = "urgent-banner";
  section.dataset.announcementId = announcement.id;
  const headingId = `urgent-title-${announcement.id}`;
  section.setAttribute("aria-labelledby", headingId);
  const label = document.createElement("p");
  label.className = "urgent-banner__label";
  label.textContent = t("notifications.urgent_label");
  const heading = document.createElement("h2");
  heading.id = headingId;
  heading.className = "urgent-banner__title";
  heading.textContent = title;
  const text = document.createElement("p");
  text.className = "urgent-banner__body";
  text.textContent = body;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button urgent-banner__ack";
  button.textContent = t("notifications.urgent_ack");
  button.addEventListener("click", () => acknowledge(announcement.id, button));
  section.append(label, heading, text, button);
  return section;
}

function render() {
  if (!container) return;
  container.replaceChildren(...[...banners.values()].map(banner));
}

async function refresh() {
  let received;
  try {
    received = await api("GET", "/api/announcements", undefined, { quiet: true });
  } catch {
    return; // signed out or offline: the banners stay as they are
  }
  const open = received.filter(
    (a) => a.priority === "urgent" && !a.acknowledged_at && a.status === "published" && a.author_id !== selfId,
  );
  const fresh = open.filter((a) => !banners.has(a.id));
  banners.clear();
  for (const announcement of open) banners.set(announcement.id, announcement);
  render();
  if (fresh.length > 0 && alertRegion) {
    // Read out once; emptied after, so that a later one is read out again.
    alertRegion.textContent = fresh.map((a) => t("notifications.urgent_alert", { title: words(a).title })).join(" ");
    window.setTimeout(() => {
      alertRegion.textContent = "";
    }, 5000);
  }
}

function remove(id) {
  if (banners.delete(id)) render();
}

async function acknowledge(id, button) {
  button.disabled = true;
  try {
    await api("POST", `/api/announcements/${encodeURIComponent(id)}/ack`);
  } catch {
    button.disabled = false;
    return;
  }
  remove(id);
  announce(t("notifications.urgent_done"));
  document.getElementById("main")?.focus();
}

/** Start the banners for the signed-in person; the page's UserChannel feeds the events. */
export function startUrgentBanners(user) {
  selfId = user.id;
  if (!setUp()) return;
  document.addEventListener("dejima:user-event", (event) => {
    const frame = event.detail;
    if (frame.event === "notification.created" && frame.data.priority === "urgent") refresh();
    else if (frame.event === "announcement.acknowledged") remove(frame.data.announcement_id);
  });
  document.addEventListener("dejima:user-resync", refresh);
  onLocaleChange(render);
  refresh();
}

// The wall (/wall): both hubs side by side, live — who is in (names on staff screens, counts on
// others), occupancy against capacity, today's announcements and the latest board activity of
// public projects. Follows hub:, board: and announcements channels through channel.js, which
// reconnects after a network cut and catches up with `since` (or has the page reload a snapshot).
import { announce, api, locale, onLocaleChange, t } from "../app.js";
import { connect } from "../channel.js";
import { loadTodaysEvents, onHubEvent as onEventAtHub, renderTodaysEvents, useHubNames } from "../wall_events.js";

const ACTIVITY_SHOWN = 12;
const NEWS_SHOWN = 8;
// The last few events of each public board are replayed at start, so the wall is never blank.
const BOARD_BACKLOG = 5;
const BOARDS_FOLLOWED = 20;

const $ = (id) => document.getElementById(id);
const hubs = new Map(); // id → {hub, people: Map|null, section}
const news = new Map(); // announcement id → announcement
const activity = []; // {key, at, project, event}

const socket = connect();
const STATUS_TEXT = {
  connecting: "hubs.wall_connecting",
  live: "hubs.wall_live",
  offline: "hubs.wall_reconnecting",
  "signed-out": "hubs.wall_signed_out",
};
let status = "connecting";

function renderStatus() {
  const line = $("wall-state");
  line.textContent = t(STATUS_TEXT[status]);
  line.classList.toggle("wall__state--down", status === "offline" || status === "signed-out");
}

socket.onStatus((value) => {
  // "connecting" after a drop keeps saying "reconnecting" until the socket is live again.
  if (value === "connecting" && status === "offline") return;
  status = value;
  renderStatus();
});

function follow(channel, since, onEvent, reload) {
  // A screen watches: it is not a person on those boards and hubs (not counted in presence).
  socket.channel(channel, { since, onEvent, onReset: reload, presence: false });
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- hubs ---------------------------------------------------------------------------------------

async function loadHub(id) {
  const snapshot = await api("GET", `/api/hubs/${encodeURIComponent(id)}/snapshot`, undefined, { quiet: true });
  const entry = hubs.get(id);
  entry.hub = snapshot.hub;
  entry.people = snapshot.checkins === null ? null : new Map(snapshot.checkins.map((c) => [c.id, c]));
  renderHub(id);
  return snapshot.seq;
}

function renderHub(id) {
  const { hub, people, section } = hubs.get(id);
  const titleId = `wall-hub-${id}`;
  section.setAttribute("aria-labelledby", titleId);
  const title = element("h2", "", hub.name);
  title.id = titleId;
  const count = element("p", "wall__count", t("hubs.wall_occupancy", { n: hub.occupancy, capacity: hub.capacity }));
  const meter = document.createElement("meter");
  meter.min = 0;
  meter.max = hub.capacity;
  meter.value = Math.min(hub.occupancy, hub.capacity);
  meter.setAttribute("aria-label", `${hub.name}: ${t("hubs.wall_occupancy_label")}`);
  meter.className = "wall__meter";
  const hours = element("p", "wall__muted", t("hubs.wall_hours", { open: hub.open, close: hub.close }));
  const heading = element("h3", "", t("hubs.wall_in_now"));
  const parts = [title, count, meter, hours, heading];
  if (people === null) {
    parts.push(element("p", "wall__muted", t("hubs.wall_names_hidden")));
  } else if (people.size === 0) {
    parts.push(element("p", "wall__muted", t("hubs.wall_nobody")));
  } else {
    const list = element("ul", "wall__people");
    const sorted = Array.from(people.values()).sort((a, b) => a.checked_in_at.localeCompare(b.checked_in_at));
    for (const person of sorted) list.append(element("li", "", person.name || t("hubs.kiosk_unnamed")));
    parts.push(list);
  }
  section.replaceChildren(...parts);
}

function onHubEvent(id, event) {
  const entry = hubs.get(id);
  const data = event.data;
  if (event.event === "hub.occupancy") {
    entry.hub = { ...entry.hub, occupancy: data.occupancy, capacity: data.capacity };
  } else if (event.event === "hub.updated") {
    entry.hub = { ...entry.hub, ...data };
  } else if (event.event === "checkin.created") {
    if (entry.people) entry.people.set(data.id, data);
    announce(data.name ? t("hubs.wall_checked_in", { name: data.name }) : t("hubs.wall_someone_in"));
  } else if (event.event === "checkin.ended") {
    const known = entry.people && entry.people.get(data.id);
    if (entry.people) entry.people.delete(data.id);
    const name = data.name || (known && known.name);
    announce(name ? t("hubs.wall_checked_out", { name }) : t("hubs.wall_someone_out"));
  } else if (event.event === "checkin.erased") {
    if (entry.people && entry.people.has(data.id)) entry.people.set(data.id, data);
  } else if (event.event === "announcement.published") {
    addNews(data);
    return;
  } else if (event.event.startsWith("event.")) {
    onEventAtHub(event);
    return;
  } else {
    return;
  }
  renderHub(id);
}

// --- announcements ------------------------------------------------------------------------------

function isToday(value) {
  if (!value) return false;
  const at = new Date(value);
  const now = new Date();
  return at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth() && at.getDate() === now.getDate();
}

function addNews(item) {
  if (item.expires_at && new Date(item.expires_at) < new Date()) return;
  if (!isToday(item.published_at || item.created_at)) return;
  news.set(item.id, item);
  renderNews();
}

function renderNews() {
  const list = $("wall-news");
  const items = Array.from(news.values())
    .sort((a, b) => (b.published_at || b.created_at).localeCompare(a.published_at || a.created_at))
    .slice(0, NEWS_SHOWN);
  list.replaceChildren(
    ...items.map((item) => {
      const english = locale() === "en" && item.title_en;
      const li = element("li");
      if (item.priority === "urgent") li.append(element("span", "wall__urgent", t("hubs.wall_urgent")));
      li.append(element("strong", "", english ? item.title_en : item.title));
      li.append(element("p", "", english ? item.body_en : item.body));
      return li;
    }),
  );
  $("wall-news-empty").hidden = items.length > 0;
}

async function loadNews() {
  try {
    // What was posted for the screens (everyone's and the hubs' announcements), whoever is signed
    // in: a kiosk account receives none of its own, and a reload must not lose them.
    const items = await api("GET", "/api/announcements?posted=true", undefined, { quiet: true });
    for (const item of items || []) addNews(item);
  } catch {
    // Offline for a moment: the channels bring what is published from now on.
  }
  renderNews();
  follow(
    "announcements",
    null,
    (event) => {
      if (event.event === "announcement.published") addNews(event.data);
    },
    async () => null,
  );
}

// --- public boards ------------------------------------------------------------------------------

function activityText(event) {
  const key = `hubs.activity.${event.event}`;
  const title = (event.data && event.data.title) || "";
  const text = t(key, { title });
  return text === key ? t("hubs.activity.other") : text;
}

function addActivity(project, event) {
  const key = `${event.channel}#${event.seq}`;
  if (activity.some((item) => item.key === key)) return;
  activity.push({ key, at: event.at, project: project.title, event });
  activity.sort((a, b) => b.at.localeCompare(a.at));
  activity.length = Math.min(activity.length, ACTIVITY_SHOWN);
  renderActivity();
}

function renderActivity() {
  const list = $("wall-activity");
  list.replaceChildren(
    ...activity.map((item) => {
      const li = element("li");
      li.append(element("strong", "", item.project));
      li.append(element("p", "", activityText(item.event)));
      return li;
    }),
  );
  $("wall-activity-empty").hidden = activity.length > 0;
}

async function loadBoards() {
  let projects = [];
  try {
    projects = (await api("GET", "/api/projects", undefined, { quiet: true })) || [];
  } catch {
    projects = [];
  }
  for (const project of projects.filter((p) => p.visibility === "public" && p.board_id).slice(0, BOARDS_FOLLOWED)) {
    const channel = `board:${project.board_id}`;
    const boardSeq = async () => {
      const board = await api("GET", `/api/boards/${encodeURIComponent(project.board_id)}`, undefined, { quiet: true });
      return Math.max(0, board.seq - BOARD_BACKLOG);
    };
    try {
      follow(channel, await boardSeq(), (event) => addActivity(project, event), boardSeq);
    } catch {
      // The board went away or is not readable: leave it out.
    }
  }
  renderActivity();
}

// --- start --------------------------------------------------------------------------------------

async function start() {
  const list = await api("GET", "/api/hubs");
  useHubNames((id) => (hubs.has(id) ? hubs.get(id).hub.name : id));
  const container = $("wall-hubs");
  for (const hub of list) {
    const section = element("section", "card wall__hub");
    container.append(section);
    hubs.set(hub.id, { hub, people: null, section });
    const seq = await loadHub(hub.id);
    follow(`hub:${hub.id}`, seq, (event) => onHubEvent(hub.id, event), async () => {
      const fresh = await loadHub(hub.id);
      await loadTodaysEvents();
      return fresh;
    });
  }
  await Promise.all([loadNews(), loadBoards(), loadTodaysEvents()]);
}

onLocaleChange(() => {
  for (const id of hubs.keys()) renderHub(id);
  renderNews();
  renderActivity();
  renderTodaysEvents();
  renderStatus();
});

start();

// The public archive: public announcements, newest first, by topic, with reading aids.
import { api, locale, onLocaleChange, t } from "../app.js";
import { el, fill, timeEl } from "../dom.js";
import { localized } from "../notifications/common.js";
import { setupReadingTools } from "../residents/reading.js";

const list = document.getElementById("news-list");
const select = document.getElementById("topic");
const more = document.getElementById("more");
let items = [];
let topics = [];
let cursor = null;

function item(announcement) {
  const text = localized(announcement);
  const link = el("a", { text: text.title, attrs: { href: `/news/${encodeURIComponent(announcement.id)}`, lang: text.lang } });
  const head = el("h2", { className: "item__title" }, link);
  const meta = el("p", { className: "item__meta" }, timeEl(announcement.published_at));
  if (announcement.priority === "urgent") meta.prepend(el("span", { className: "badge badge--urgent", text: t("news.urgent") }), " ");
  return el("li", { className: "item" }, head, meta);
}

function renderTopics() {
  const chosen = select.value;
  const first = el("option", { text: t("news.all_topics"), attrs: { value: "" } });
  fill(select, first, ...topics.map((topic) => el("option", { text: topic.name[locale()] || topic.name.ja, attrs: { value: topic.key } })));
  select.value = chosen;
}

function render() {
  fill(list, ...items.map(item));
  list.setAttribute("aria-busy", "false");
  document.getElementById("news-empty").hidden = items.length > 0;
  more.hidden = !cursor;
}

async function load(reset) {
  const params = new URLSearchParams();
  if (select.value) params.set("topic", select.value);
  if (!reset && cursor) params.set("cursor", cursor);
  const page = await api("GET", `/api/public/announcements?${params}`);
  items = reset ? page.items : items.concat(page.items);
  cursor = page.next_cursor;
  render();
}

select.addEventListener("change", () => load(true));
more.addEventListener("click", () => load(false));
const tools = setupReadingTools(document.getElementById("reading-tools"));
onLocaleChange(() => { renderTopics(); render(); tools.rerender(); });
topics = await api("GET", "/api/public/topics");
renderTopics();
await load(true);

// One public announcement with reading aids: text sizes, furigana (server readings), read aloud.
import { api, onLocaleChange, t } from "../app.js";
import { el, fill, timeEl } from "../dom.js";
import { localized } from "../notifications/common.js";
import { furiganaOn, rubyNodes, setupReadingTools } from "../residents/reading.js";

const article = document.getElementById("news-item");
const id = decodeURIComponent(location.pathname.split("/").pop());
let announcement = null;

function render() {
  if (!announcement) return;
  const text = localized(announcement);
  const ruby = furiganaOn() && text.lang === "ja" && announcement.reading;
  const title = el("h1", { attrs: { lang: text.lang } });
  const body = el("p", { className: "text-block", attrs: { lang: text.lang } });
  if (ruby) {
    title.append(...rubyNodes(announcement.reading.title));
    body.append(...rubyNodes(announcement.reading.body));
  } else {
    title.textContent = text.title;
    body.textContent = text.body;
  }
  const meta = el("p", { className: "item__meta" }, timeEl(announcement.published_at));
  if (announcement.priority === "urgent") meta.prepend(el("span", { className: "badge badge--urgent", text: t("news.urgent") }), " ");
  fill(article, title, meta, body);
  article.setAttribute("aria-busy", "false");
  document.title = `${text.title} — Dejima`;
}

const tools = setupReadingTools(document.getElementById("reading-tools"), {
  onFurigana: () => render(),
  speak: () => (announcement ? `${announcement.title}。${announcement.body}` : null),
});
onLocaleChange(() => { render(); tools.rerender(); });
try {
  announcement = await api("GET", `/api/public/announcements/${encodeURIComponent(id)}?reading=1`);
  render();
} catch {
  fill(article, el("p", { text: t("news.not_found") }));
  article.setAttribute("aria-busy", "false");
}

// Reading aids on the kiosk: three text sizes (the whole screen grows), the town's latest public
// news with furigana, and reading aloud what the screen says now (ja-JP speech synthesis).
import { api, onLocaleChange } from "../app.js";
import { furiganaOn, rubyNodes, setupReadingTools } from "./reading.js";

const NEWS_SHOWN = 3;
let news = [];

function renderNews() {
  const list = document.getElementById("kiosk-news-list");
  const items = news.map((item) => {
    const li = document.createElement("li");
    li.setAttribute("lang", "ja");
    if (furiganaOn() && item.reading) li.append(...rubyNodes(item.reading.title));
    else li.textContent = item.title;
    return li;
  });
  list.replaceChildren(...items);
  document.getElementById("kiosk-news").hidden = news.length === 0;
}

function visibleText() {
  const step = document.querySelector(".kiosk__step:not([hidden])");
  if (!step) return null;
  const parts = Array.from(step.querySelectorAll("h1, .kiosk__lead, #kiosk-news li"), (node) => {
    const copy = node.cloneNode(true);
    for (const rt of copy.querySelectorAll("rt")) rt.remove(); // read the words, not their readings
    return copy.textContent.trim();
  });
  return parts.filter(Boolean).join("。");
}

export async function setupKioskReading() {
  document.documentElement.classList.add("kiosk-page");
  const tools = setupReadingTools(document.getElementById("kiosk-reading"), {
    onFurigana: renderNews,
    speak: visibleText,
  });
  onLocaleChange(() => tools.rerender());
  try {
    const page = await api("GET", `/api/public/announcements?limit=${NEWS_SHOWN}`, undefined, { quiet: true });
    news = await Promise.all(
      page.items.map((item) =>
        api("GET", `/api/public/announcements/${encodeURIComponent(item.id)}?reading=1`, undefined, { quiet: true }),
      ),
    );
  } catch {
    news = []; // the kiosk works without the news
  }
  renderNews();
}

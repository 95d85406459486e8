// Compose an announcement: both languages with a live preview, audience, priority and schedule.
import { announce, api, onLocaleChange, t } from "../app.js";
import { localInputToIso, markInvalid } from "../notifications/common.js";
import { el, fill, newKey } from "../dom.js";
import { rubyNodes } from "../residents/reading.js";

const form = document.getElementById("compose-form");
const field = (id) => document.getElementById(id);
// One key per composed announcement: a double click or a retry after a lost answer publishes once.
let key = newKey();
// Furigana in the Japanese preview: readings asked of the server a moment after typing stops.
let furigana = false;
let readingTimer = null;
let readingRound = 0;

function choice(name, value, label, id) {
  const input = el("input", { attrs: { type: "checkbox", id, name, value } });
  return el("div", { className: "choice" }, input, el("label", { text: label, attrs: { for: id } }));
}

function updatePreview() {
  const title = field("a-title").value;
  const body = field("a-body").value;
  const english = field("a-title-en").value.trim() && field("a-body-en").value.trim();
  field("preview-ja-title").textContent = title;
  field("preview-ja-body").textContent = body;
  if (furigana) scheduleReadings(title, body);
  // Readers of English get the Japanese text when no English was written.
  field("preview-en-title").textContent = english ? field("a-title-en").value : title;
  field("preview-en-body").textContent = english ? field("a-body-en").value : body;
  field("preview-en-title").setAttribute("lang", english ? "en" : "ja");
  field("preview-en-body").setAttribute("lang", english ? "en" : "ja");
}

function scheduleReadings(title, body) {
  clearTimeout(readingTimer);
  readingTimer = setTimeout(async () => {
    const round = ++readingRound;
    const [titleReading, bodyReading] = await Promise.all([
      title.trim() ? api("POST", "/api/readings", { text: title }, { quiet: true }) : { reading: [] },
      body.trim() ? api("POST", "/api/readings", { text: body }, { quiet: true }) : { reading: [] },
    ]);
    if (round !== readingRound || !furigana) return; // typed on meanwhile, or switched off
    field("preview-ja-title").replaceChildren(...rubyNodes(titleReading.reading));
    field("preview-ja-body").replaceChildren(...rubyNodes(bodyReading.reading));
  }, 300);
}

function showAudience() {
  const kind = form.querySelector("input[name=audience]:checked").value;
  field("hub-choices").hidden = kind !== "hubs";
  field("project-choices").hidden = kind !== "projects";
  field("topic-choices").hidden = kind !== "topics";
}

function checked(name) {
  return Array.from(form.querySelectorAll(`input[name=${name}]:checked`), (input) => input.value);
}

for (const id of ["a-title", "a-body", "a-title-en", "a-body-en"]) field(id).addEventListener("input", updatePreview);
field("preview-furigana").addEventListener("click", () => {
  furigana = !furigana;
  field("preview-furigana").setAttribute("aria-pressed", String(furigana));
  readingRound++;
  updatePreview();
});
for (const input of form.querySelectorAll("input[name=audience]")) input.addEventListener("change", showAudience);
form.addEventListener("input", () => {
  key = newKey(); // a changed announcement is a new one
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const kind = form.querySelector("input[name=audience]:checked").value;
  const names = { hubs: "hub", projects: "project", topics: "topic" };
  const audience = kind === "all" || kind === "residents" ? { [kind]: true } : { [kind]: checked(names[kind]) };
  const body = {
    title: field("a-title").value,
    body: field("a-body").value,
    audience,
    priority: form.querySelector("input[name=priority]:checked").value,
    public: field("a-public").checked,
  };
  if (field("a-title-en").value.trim() || field("a-body-en").value.trim()) {
    body.title_en = field("a-title-en").value;
    body.body_en = field("a-body-en").value;
  }
  const publishAt = localInputToIso(field("a-publish").value);
  const expiresAt = localInputToIso(field("a-expires").value);
  if (publishAt) body.publish_at = publishAt;
  if (expiresAt) body.expires_at = expiresAt;
  field("a-send").disabled = true;
  let created;
  try {
    created = await api("POST", "/api/announcements", body, { headers: { "Idempotency-Key": key } });
  } catch (error) {
    markInvalid(form, error, {
      title: "a-title",
      body: "a-body",
      title_en: "a-title-en",
      body_en: "a-body-en",
      "(body)": "a-title-en",
      audience: `aud-${kind}`,
      publish_at: "a-publish",
      expires_at: "a-expires",
    });
    return;
  } finally {
    field("a-send").disabled = false;
  }
  announce(t(created.status === "scheduled" ? "announcements.scheduled_done" : "announcements.sent_done"));
  window.location.assign(`/announcements/${created.id}/acks`);
});

async function loadChoices() {
  const [hubs, projects, topics] = await Promise.all([
    api("GET", "/api/hubs"),
    api("GET", "/api/projects"),
    api("GET", "/api/public/topics"),
  ]);
  fill(field("hub-list"), ...hubs.map((hub) => choice("hub", hub.id, hub.name, `hub-${hub.id}`)));
  fill(field("project-list"), ...projects.map((p) => choice("project", p.id, p.title, `project-${p.id}`)));
  const name = (topic) => (document.documentElement.lang === "en" ? topic.name.en : topic.name.ja);
  fill(field("topic-list"), ...topics.map((topic) => choice("topic", topic.key, name(topic), `topic-${topic.key}`)));
}

onLocaleChange(updatePreview);
showAudience();
updatePreview();
await loadChoices();

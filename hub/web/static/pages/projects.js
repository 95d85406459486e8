// My projects: every project the caller may read, with its visibility in words; staff may create one.
import { announce, api, clearError, me, onLocaleChange, showError, t } from "../app.js";
import { roleText, visibilityBadge } from "../identity/common.js";
import { el, fill, newKey } from "../dom.js";

const list = document.getElementById("project-list");
const empty = document.getElementById("projects-empty");
const form = document.getElementById("create-form");
const title = document.getElementById("project-title");
let projects = [];

function projectItem(project) {
  const heading = el("h3", { className: "item__title" }, el("a", { text: project.title, attrs: { href: `/projects/${encodeURIComponent(project.id)}` } }));
  const meta = el("p", { className: "item__meta" });
  const parts = [t("identity.members_count", { count: project.members.length })];
  if (project.my_role) parts.unshift(t("identity.your_role", { role: roleText(project.my_role) }));
  meta.textContent = parts.join(" · ");
  const item = el("li", { className: "item" }, el("div", { className: "item__head" }, heading, visibilityBadge(project.visibility)), meta);
  if (project.summary) item.append(el("p", { text: project.summary, className: "text-block" }));
  return item;
}

function render() {
  fill(list, ...projects.map(projectItem));
  list.setAttribute("aria-busy", "false");
  empty.hidden = projects.length > 0;
}

async function load() {
  projects = await api("GET", "/api/projects");
  render();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  if (!title.value.trim()) {
    title.setAttribute("aria-invalid", "true");
    showError(t("identity.title_missing"));
    title.focus();
    return;
  }
  title.removeAttribute("aria-invalid");
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  const body = {
    title: title.value,
    summary: document.getElementById("project-summary").value,
    visibility: form.querySelector("input[name=visibility]:checked").value,
  };
  try {
    const created = await api("POST", "/api/projects", body, { headers: { "Idempotency-Key": newKey() } });
    form.reset();
    announce(t("identity.created", { title: created.title }));
    await load();
  } catch {
    title.focus();
  } finally {
    submit.disabled = false;
  }
});

onLocaleChange(render);

const user = await me();
if (user && (user.role === "admin" || user.role === "member")) document.getElementById("create-project").hidden = false;
await load();

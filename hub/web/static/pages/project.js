// One project: summary, members, the caller's join request, and for owners the requests to decide
// and the import of a Trello board.
import { ApiError, announce, api, clearError, describeError, me, onLocaleChange, t } from "../app.js";
import { actionButton, roleText, visibilityBadge } from "../identity/common.js";
import { el, fill, formatTime, newKey } from "../dom.js";

const projectId = decodeURIComponent(window.location.pathname.split("/").filter(Boolean)[1] || "");
const base = `/api/projects/${encodeURIComponent(projectId)}`;
const article = document.getElementById("project");
let user = null;
let project = null;
let requests = [];
let people = [];

const mayManage = () => project && (project.my_role === "owner" || user?.role === "admin");

function renderProject() {
  document.getElementById("project-title").textContent = project.title;
  document.title = `${project.title} — Dejima`;
  fill(document.getElementById("project-visibility"), visibilityBadge(project.visibility));
  document.getElementById("project-role").textContent = project.my_role
    ? t("identity.your_role", { role: roleText(project.my_role) })
    : "";
  document.getElementById("project-summary").textContent = project.summary;
  const board = document.getElementById("board-link");
  board.href = `/boards/${encodeURIComponent(project.board_id)}`;
  board.hidden = false;
  fill(
    document.getElementById("member-list"),
    ...project.members.map((member) => el("li", { text: `${member.name} — ${roleText(member.role)}` })),
  );
  renderJoin();
  renderRequests();
  document.getElementById("member-section").hidden = !(mayManage() && people.length > 0);
  document.getElementById("import-section").hidden = !mayManage();
}

function renderJoin() {
  const section = document.getElementById("join-section");
  const canAsk = user && (user.role === "partner" || user.role === "member") && !project.my_role;
  section.hidden = !canAsk;
  if (!canAsk) return;
  const status = project.my_join_request?.status;
  const state = document.getElementById("join-state");
  state.textContent = status === "pending" ? t("identity.join_pending") : status === "rejected" ? t("identity.join_rejected") : "";
  state.hidden = !state.textContent;
  document.getElementById("join-form").hidden = status === "pending";
}

function requestItem(request) {
  const item = el(
    "li",
    { className: "item" },
    el("p", { className: "item__title", text: request.user_name }),
    el("p", { className: "item__meta", text: formatTime(request.created_at) }),
  );
  if (request.message) item.append(el("p", { className: "text-block", text: request.message }));
  const approve = actionButton(t("identity.approve"), request.user_name);
  const reject = actionButton(t("identity.reject"), request.user_name, "button button--quiet");
  approve.addEventListener("click", () => decide(request, "approve"));
  reject.addEventListener("click", () => decide(request, "reject"));
  item.append(el("div", { className: "item__actions" }, approve, reject));
  return item;
}

function renderRequests() {
  const section = document.getElementById("manage-section");
  section.hidden = !mayManage();
  if (section.hidden) return;
  fill(document.getElementById("request-list"), ...requests.map(requestItem));
  document.getElementById("requests-empty").hidden = requests.length > 0;
}

async function decide(request, decision) {
  clearError();
  try {
    await api("POST", `${base}/join-requests/${encodeURIComponent(request.id)}/${decision}`);
    announce(t(decision === "approve" ? "identity.approved" : "identity.rejected", { name: request.user_name }));
    await load();
    document.getElementById("requests-title").focus();
  } catch {
    // The alert region already says what went wrong.
  }
}

async function load() {
  try {
    project = await api("GET", base, undefined, { quiet: true });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      article.hidden = true;
      document.getElementById("project-missing").hidden = false;
      return;
    }
    throw error;
  }
  requests = mayManage() ? await api("GET", `${base}/join-requests`) : [];
  renderProject();
  article.setAttribute("aria-busy", "false");
}

async function loadPeople() {
  if (!user || (user.role !== "admin" && user.role !== "member")) return;
  const users = await api("GET", "/api/users", undefined, { quiet: true }).catch(() => []);
  people = users.filter((person) => person.role !== "kiosk" && !person.disabled);
  fill(
    document.getElementById("member-user"),
    ...people.map((person) => el("option", { text: `${person.name} <${person.email}>`, attrs: { value: person.id } })),
  );
}

document.getElementById("join-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const submit = event.target.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    await api("POST", `${base}/join-requests`, { message: document.getElementById("join-message").value }, { headers: { "Idempotency-Key": newKey() } });
    announce(t("identity.join_sent"));
    await load();
    document.getElementById("join-title").focus();
  } catch {
    // shown in the alert region
  } finally {
    submit.disabled = false;
  }
});

document.getElementById("member-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const userId = document.getElementById("member-user").value;
  const role = document.getElementById("member-role").value;
  const person = people.find((p) => p.id === userId);
  try {
    await api("POST", `${base}/members`, { user_id: userId, role });
    announce(t("identity.member_saved", { name: person ? person.name : userId, role: roleText(role) }));
    await load();
  } catch {
    // shown in the alert region
  }
});

// One key per chosen file: pressing Import again after a lost answer imports nothing twice.
let importKey = null;
const importFile = document.getElementById("import-file");
const importError = document.getElementById("import-error");
importFile.addEventListener("change", () => {
  importKey = newKey();
  showImportError(null);
});

function showImportError(message) {
  importError.textContent = message || "";
  importError.hidden = !message;
  if (message) importFile.setAttribute("aria-invalid", "true");
  else importFile.removeAttribute("aria-invalid");
}

document.getElementById("import-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const file = importFile.files && importFile.files[0];
  if (!file) {
    showImportError(t("identity.import_pick"));
    importFile.focus();
    return;
  }
  let exported;
  try {
    exported = JSON.parse(await file.text());
  } catch {
    showImportError(t("identity.import_not_json"));
    importFile.focus();
    return;
  }
  const submit = event.target.querySelector("button[type=submit]");
  const result = document.getElementById("import-result");
  submit.disabled = true;
  result.textContent = t("identity.import_working");
  try {
    const counts = await api("POST", `${base}/import/trello`, exported, {
      quiet: true,
      headers: { "Idempotency-Key": importKey || newKey() },
    });
    showImportError(null);
    result.textContent = t("identity.import_done", counts);
    announce(result.textContent);
  } catch (error) {
    result.textContent = "";
    showImportError(error instanceof ApiError ? describeError(error) : t("identity.import_not_json"));
    importFile.focus();
  } finally {
    submit.disabled = false;
  }
});

for (const id of ["requests-title", "join-title"]) document.getElementById(id).setAttribute("tabindex", "-1");
onLocaleChange(() => project && renderProject());

user = await me();
await loadPeople();
await load();

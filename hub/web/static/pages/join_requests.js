// The owners' queue: pending join requests to every project the caller may decide on.
import { announce, api, clearError, onLocaleChange, t } from "../app.js";
import { actionButton } from "../identity/common.js";
import { el, fill, formatTime } from "../dom.js";

const list = document.getElementById("queue-list");
const empty = document.getElementById("queue-empty");
let requests = [];

function field(label, value) {
  return el("p", { className: "item__meta" }, el("strong", { text: `${label}: ` }), document.createTextNode(value));
}

function item(request) {
  const project = el("a", { text: request.project_title, attrs: { href: `/projects/${encodeURIComponent(request.project_id)}` } });
  const node = el(
    "li",
    { className: "item" },
    el("h2", { className: "item__title", text: request.user_name }),
    el("p", { className: "item__meta" }, el("strong", { text: `${t("identity.request_project")}: ` }), project),
    field(t("identity.request_at"), formatTime(request.created_at)),
  );
  if (request.message) node.append(el("p", { className: "text-block", text: request.message }));
  const approve = actionButton(t("identity.approve"), request.user_name);
  const reject = actionButton(t("identity.reject"), request.user_name, "button button--quiet");
  approve.addEventListener("click", () => decide(request, "approve"));
  reject.addEventListener("click", () => decide(request, "reject"));
  node.append(el("div", { className: "item__actions" }, approve, reject));
  return node;
}

function render() {
  fill(list, ...requests.map(item));
  list.setAttribute("aria-busy", "false");
  empty.hidden = requests.length > 0;
}

async function decide(request, decision) {
  clearError();
  try {
    const url = `/api/projects/${encodeURIComponent(request.project_id)}/join-requests/${encodeURIComponent(request.id)}/${decision}`;
    await api("POST", url);
    announce(t(decision === "approve" ? "identity.approved" : "identity.rejected", { name: request.user_name }));
    await load();
    // The decided item is gone: put the focus somewhere sensible rather than on nothing.
    document.getElementById("queue-title").focus();
  } catch {
    // shown in the alert region
  }
}

async function load() {
  requests = await api("GET", "/api/join-requests");
  render();
}

onLocaleChange(render);
await load();

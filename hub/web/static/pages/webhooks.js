// Partner webhooks of an organisation: endpoints, their one-time secret, and each delivery log with
// "send again". Admins choose the organisation; a partner sees their own.
import {
  announce,
  api,
  clearError,
  clearFieldErrors,
  describeError,
  me,
  onLocaleChange,
  showError,
  showFieldErrors,
  t,
} from "../app.js";
import { el, fill, newKey, timeEl } from "../dom.js";

const orgSelect = document.getElementById("org-select");
const form = document.getElementById("hook-form");
let orgId = null;
let hooks = [];
const openLogs = new Set();
const logs = {};

function base() {
  return `/api/orgs/${encodeURIComponent(orgId)}/webhooks`;
}

function button(text, label, onClick, className = "button button--quiet") {
  const node = el("button", { className, text, attrs: { type: "button" } });
  node.append(el("span", { className: "visually-hidden", text: `: ${label}` }));
  node.addEventListener("click", onClick);
  return node;
}

/** The state, and for a delivery that failed and waits, when it is tried again. */
function stateCell(d) {
  const parts = [document.createTextNode(t(`notifications.state_${d.state}`))];
  if (d.state === "pending" && d.attempts > 0 && d.next_at) {
    parts.push(el("br"), document.createTextNode(`${t("notifications.next_retry")} `), timeEl(d.next_at));
  }
  return parts;
}

function logTable(hook) {
  const rows = (logs[hook.id] || []).map((d) =>
    el(
      "tr",
      {},
      el("td", { attrs: { "data-label": t("notifications.log_time") } }, timeEl(d.sent_at || d.created_at)),
      el("td", { text: d.event_type || "", attrs: { "data-label": t("notifications.log_event") } }),
      el("td", { attrs: { "data-label": t("notifications.log_state") } }, ...stateCell(d)),
      el("td", { text: String(d.attempts), attrs: { "data-label": t("notifications.log_attempts") } }),
      el("td", { text: d.last_status ? String(d.last_status) : "", attrs: { "data-label": t("notifications.log_status") } }),
      el("td", { text: d.last_error || "", attrs: { "data-label": t("notifications.log_error") } }),
      el("td", {}, d.state === "pending" ? null : button(t("notifications.resend"), d.event_type || d.id, () => resend(hook, d))),
    ),
  );
  const head = el(
    "tr",
    {},
    ...["log_time", "log_event", "log_state", "log_attempts", "log_status", "log_error", "log_action"].map((k) =>
      el("th", { text: t(`notifications.${k}`), attrs: { scope: "col" } }),
    ),
  );
  const caption = el("caption", { text: t("notifications.log_caption", { url: hook.url }) });
  return el("div", { className: "table-wrap" }, el("table", {}, caption, el("thead", {}, head), el("tbody", {}, ...rows)));
}

function hookItem(hook) {
  const head = el("div", { className: "item__head" }, el("h3", { className: "item__title", text: hook.url }));
  head.append(
    el("span", {
      className: `badge ${hook.active ? "badge--ok" : "badge--muted"}`,
      text: hook.active ? t("notifications.active") : t("notifications.inactive"),
    }),
  );
  const meta = el("p", { className: "item__meta", text: `${t("notifications.hook_events")}: ${hook.events.join(", ")}` });
  if (hook.disabled_reason) meta.append(el("br"), el("span", { text: hook.disabled_reason }));
  const showing = openLogs.has(hook.id);
  const actions = el(
    "div",
    { className: "item__actions" },
    button(showing ? t("notifications.hide_log") : t("notifications.show_log"), hook.url, () => toggleLog(hook)),
    button(hook.active ? t("notifications.disable") : t("notifications.enable"), hook.url, () => setActive(hook)),
    button(t("notifications.rotate"), hook.url, () => rotate(hook)),
    button(t("notifications.delete"), hook.url, () => remove(hook)),
  );
  actions.firstChild.setAttribute("aria-expanded", String(showing));
  return el("li", { className: "item", attrs: { "data-hook": hook.id } }, head, meta, actions, showing ? logTable(hook) : null);
}

function render() {
  fill(document.getElementById("hook-list"), ...hooks.map(hookItem));
  document.getElementById("hooks-empty").hidden = hooks.length > 0;
}

async function load() {
  hooks = await api("GET", base());
  for (const id of openLogs) logs[id] = await api("GET", `${base()}/${id}/deliveries?limit=50`);
  render();
}

function showSecret(secret) {
  document.getElementById("secret-box").hidden = false;
  const input = document.getElementById("secret-value");
  input.value = secret;
  input.focus();
  input.select();
}

async function toggleLog(hook) {
  if (openLogs.has(hook.id)) openLogs.delete(hook.id);
  else {
    openLogs.add(hook.id);
    logs[hook.id] = await api("GET", `${base()}/${hook.id}/deliveries?limit=50`);
  }
  render();
  document.querySelector(`[data-hook="${hook.id}"] button`).focus();
}

async function resend(hook, delivery) {
  await api("POST", `${base()}/${hook.id}/deliveries/${delivery.id}/resend`);
  await load();
  announce(t("notifications.resend_done"));
}

async function setActive(hook) {
  await api("PATCH", `${base()}/${hook.id}`, { active: !hook.active });
  await load();
  announce(hook.active ? t("notifications.disabled_done") : t("notifications.enabled_done"));
}

async function rotate(hook) {
  const answer = await api("POST", `${base()}/${hook.id}/rotate-secret`);
  showSecret(answer.secret);
  announce(t("notifications.rotated"));
}

async function remove(hook) {
  if (!window.confirm(t("notifications.delete_confirm", { url: hook.url }))) return;
  await api("DELETE", `${base()}/${hook.id}`);
  await load();
  document.getElementById("hook-url").focus();
  announce(t("notifications.deleted"));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const events = document.getElementById("hook-events").value.split(",").map((s) => s.trim()).filter(Boolean);
  let created;
  try {
    clearError();
    clearFieldErrors(form);
    created = await api("POST", base(), { url: document.getElementById("hook-url").value.trim(), events }, {
      quiet: true,
      headers: { "Idempotency-Key": newKey() },
    });
  } catch (error) {
    // Why a URL is refused, in the page's language, under the field (a code per reason).
    if (!showFieldErrors(error, { url: "hook-url", events: "hook-events" })) showError(describeError(error));
    (form.querySelector("[aria-invalid=true]") || document.getElementById("hook-url")).focus();
    return;
  }
  clearFieldErrors(form);
  form.reset();
  await load();
  showSecret(created.secret);
  announce(t("notifications.webhook_added"));
});

orgSelect.addEventListener("change", () => {
  orgId = orgSelect.value;
  openLogs.clear();
  document.getElementById("secret-box").hidden = true;
  load();
});
onLocaleChange(render);

const user = await me();
if (user.role === "admin") {
  const orgs = await api("GET", "/api/orgs");
  fill(orgSelect, ...orgs.map((org) => el("option", { text: org.name, attrs: { value: org.id } })));
  document.getElementById("org-field").hidden = false;
  orgId = orgs.length ? orgs[0].id : null;
} else {
  orgId = user.org_id;
}
if (orgId) await load();
else render();

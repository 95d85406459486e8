// Accounts (admins): register people, change their account type, switch accounts off and on.
import { announce, api, clearError, me, onLocaleChange, t } from "/static/app.js";
import { accountRoleText, actionButton, el, fill, newKey } from "/static/identity/common.js";

const ROLES = ["admin", "member", "partner", "kiosk"];
const rows = document.getElementById("user-rows");
const form = document.getElementById("user-form");
const roleSelect = document.getElementById("user-role");
let users = [];
let orgs = [];

function cell(label, ...children) {
  return el("td", { attrs: { "data-label": label } }, ...children);
}

function row(user, index) {
  const selectId = `role-${index}`;
  const select = el("select", { attrs: { id: selectId } }, ...ROLES.map((role) => el("option", { text: accountRoleText(role), attrs: { value: role } })));
  select.value = user.role;
  const label = el("label", { text: t("identity.field_account_role"), className: "visually-hidden", attrs: { for: selectId } });
  label.append(el("span", { text: t("identity.for_person", { name: user.name }) }));
  const save = actionButton(t("identity.save_role"), user.name, "button button--quiet");
  save.addEventListener("click", () => update(user, { role: select.value }));
  const toggle = actionButton(t(user.disabled ? "identity.enable" : "identity.disable"), user.name, "button button--quiet");
  toggle.addEventListener("click", () => update(user, { disabled: !user.disabled }));
  const org = orgs.find((o) => o.id === user.org_id);
  return el(
    "tr",
    {},
    cell(t("identity.field_name"), el("span", { text: user.name }), el("span", { text: ` (${accountRoleText(user.role)})`, className: "hint" })),
    cell(t("identity.field_email"), document.createTextNode(user.email)),
    cell(t("identity.field_org"), document.createTextNode(org ? org.name : "—")),
    cell(t("identity.status"), el("span", { text: t(user.disabled ? "identity.disabled" : "identity.active"), className: user.disabled ? "badge badge--muted" : "badge badge--public" })),
    cell(t("identity.actions"), el("div", { className: "inline-form" }, label, select, save, toggle)),
  );
}

function render() {
  fill(rows, ...users.map(row));
  rows.setAttribute("aria-busy", "false");
  fill(
    document.getElementById("user-org"),
    el("option", { text: t("identity.no_org"), attrs: { value: "" } }),
    ...orgs.map((org) => el("option", { text: org.name, attrs: { value: org.id } })),
  );
}

async function load() {
  [users, orgs] = await Promise.all([api("GET", "/api/users"), api("GET", "/api/orgs")]);
  render();
}

async function update(user, patch) {
  clearError();
  try {
    const changed = await api("PATCH", `/api/users/${encodeURIComponent(user.id)}`, patch);
    announce(t("identity.user_updated", { name: changed.name }));
    await load();
    document.getElementById("user-list-title").focus();
  } catch {
    // shown in the alert region
  }
}

roleSelect.addEventListener("change", () => {
  document.getElementById("hub-field").hidden = roleSelect.value !== "kiosk";
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const value = (id) => document.getElementById(id).value;
  const body = { email: value("user-email").trim(), name: value("user-name"), role: value("user-role"), locale: value("user-locale") };
  if (value("user-org")) body.org_id = value("user-org");
  if (body.role === "kiosk") body.hub_id = value("user-hub").trim();
  if (value("user-password")) body.password = value("user-password");
  for (const id of ["user-email", "user-name"]) document.getElementById(id).removeAttribute("aria-invalid");
  try {
    const created = await api("POST", "/api/users", body, { headers: { "Idempotency-Key": newKey() } });
    form.reset();
    document.getElementById("hub-field").hidden = true;
    announce(t("identity.user_created", { name: created.name }));
    await load();
  } catch (error) {
    const paths = (error.details?.fields || []).map((f) => f.path);
    for (const [path, id] of [["email", "user-email"], ["name", "user-name"]]) {
      if (paths.includes(path)) document.getElementById(id).setAttribute("aria-invalid", "true");
    }
    document.getElementById("user-email").focus();
  }
});

onLocaleChange(render);
const user = await me();
if (user && user.role === "admin") {
  document.getElementById("admin-area").hidden = false;
  await load();
} else {
  document.getElementById("admin-only").hidden = false;
}

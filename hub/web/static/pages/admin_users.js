// Accounts (admins): register people (an invitation e-mail when no password is given), change their
// name, e-mail, type and hubs, send a new invitation, switch accounts off and on.
import { announce, api, clearError, clearFieldErrors, describeError, me, onLocaleChange, showError, showFieldErrors, t } from "../app.js";
import { accountRoleText, actionButton } from "../identity/common.js";
import { el, fill, newKey } from "../dom.js";

const ROLES = ["admin", "member", "partner", "kiosk"];
const rows = document.getElementById("user-rows");
const form = document.getElementById("user-form");
const roleSelect = document.getElementById("user-role");
let users = [];
let orgs = [];
let hubs = [];
let self = null;

function cell(label, ...children) {
  return el("td", { attrs: { "data-label": label } }, ...children);
}

function hubOptions(select, value, emptyKey) {
  fill(
    select,
    emptyKey ? el("option", { text: t(emptyKey), attrs: { value: "" } }) : null,
    ...hubs.map((hub) => el("option", { text: hub.name, attrs: { value: hub.id } })),
  );
  select.value = value || "";
}

function field(id, labelText, input, person = null) {
  input.id = id;
  const label = el("label", { text: labelText, attrs: { for: id } });
  // Every row has the same fields: the hidden name tells them apart for screen readers.
  if (person) label.append(el("span", { text: t("identity.for_person", { name: person }), className: "visually-hidden" }));
  return el("div", { className: "field" }, label, input);
}

function editForm(user, index) {
  const name = el("input", { attrs: { type: "text", maxlength: "100", autocomplete: "off" } });
  name.value = user.name;
  const email = el("input", { attrs: { type: "email", maxlength: "254", autocomplete: "off", inputmode: "email" } });
  email.value = user.email;
  const role = el("select", {}, ...ROLES.map((r) => el("option", { text: accountRoleText(r), attrs: { value: r } })));
  role.value = user.role;
  const home = el("select");
  hubOptions(home, user.home_hub, "identity.no_hub");
  const kioskHub = el("select");
  hubOptions(kioskHub, user.hub_id, null);
  const kioskField = field(`edit-hub-${index}`, t("identity.field_hub"), kioskHub, user.name);
  kioskField.hidden = user.role !== "kiosk";
  role.addEventListener("change", () => {
    kioskField.hidden = role.value !== "kiosk";
  });
  const save = el("button", { text: t("identity.save"), className: "button", attrs: { type: "submit" } });
  const formNode = el(
    "form",
    { className: "form", attrs: { novalidate: "" } },
    field(`edit-name-${index}`, t("identity.field_name"), name, user.name),
    field(`edit-email-${index}`, t("identity.field_email"), email, user.name),
    field(`edit-role-${index}`, t("identity.field_account_role"), role, user.name),
    field(`edit-home-${index}`, t("identity.field_home_hub"), home, user.name),
    kioskField,
    save,
  );
  if (self && user.id === self.id) {
    // The server refuses it (409); say so before anyone tries.
    role.disabled = true;
    formNode.append(el("p", { text: t("identity.self_note"), className: "hint" }));
  }
  formNode.addEventListener("submit", async (event) => {
    event.preventDefault();
    const patch = { name: name.value, email: email.value.trim(), home_hub: home.value || null };
    if (!role.disabled) patch.role = role.value;
    if (role.value === "kiosk") patch.hub_id = kioskHub.value;
    await update(user, patch, formNode, {
      name: name.id,
      email: email.id,
      role: role.id,
      home_hub: home.id,
      hub_id: kioskHub.id,
    });
  });
  const summary = el("summary", { text: t("identity.edit") });
  summary.append(el("span", { text: t("identity.for_person", { name: user.name }), className: "visually-hidden" }));
  return el("details", { className: "row-edit" }, summary, formNode);
}

function row(user, index) {
  const buttons = el("div", { className: "inline-form" });
  if (!(self && user.id === self.id)) {
    const toggle = actionButton(t(user.disabled ? "identity.enable" : "identity.disable"), user.name, "button button--quiet");
    toggle.addEventListener("click", () => update(user, { disabled: !user.disabled }));
    buttons.append(toggle);
  }
  if (!user.disabled) {
    const invite = actionButton(t("identity.invite_again"), user.name, "button button--quiet");
    invite.addEventListener("click", () => reinvite(user));
    buttons.append(invite);
  }
  const org = orgs.find((o) => o.id === user.org_id);
  const home = hubs.find((h) => h.id === user.home_hub);
  return el(
    "tr",
    {},
    cell(t("identity.field_name"), el("span", { text: user.name }), el("span", { text: ` (${accountRoleText(user.role)})`, className: "hint" })),
    cell(t("identity.field_email"), document.createTextNode(user.email)),
    cell(t("identity.field_org"), document.createTextNode(org ? org.name : "—")),
    cell(t("identity.field_home_hub"), document.createTextNode(home ? home.name : "—")),
    cell(t("identity.status"), el("span", { text: t(user.disabled ? "identity.disabled" : "identity.active"), className: user.disabled ? "badge badge--muted" : "badge badge--public" })),
    cell(t("identity.actions"), editForm(user, index), buttons),
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
  hubOptions(document.getElementById("user-hub"), document.getElementById("user-hub").value || hubs[0]?.id, null);
  hubOptions(document.getElementById("user-home-hub"), document.getElementById("user-home-hub").value, "identity.no_hub");
}

async function load() {
  [users, orgs, hubs] = await Promise.all([api("GET", "/api/users"), api("GET", "/api/orgs"), api("GET", "/api/hubs")]);
  render();
}

async function update(user, patch, formNode = null, fields = {}) {
  clearError();
  if (formNode) clearFieldErrors(formNode);
  try {
    const changed = await api("PATCH", `/api/users/${encodeURIComponent(user.id)}`, patch, { quiet: formNode !== null });
    announce(t("identity.user_updated", { name: changed.name }));
    await load();
    document.getElementById("user-list-title").focus();
  } catch (error) {
    if (formNode && !showFieldErrors(error, fields)) {
      showError(describeError(error));
    }
  }
}

async function reinvite(user) {
  clearError();
  try {
    await api("POST", `/api/users/${encodeURIComponent(user.id)}/invite`);
    announce(t("identity.invited", { name: user.name, email: user.email }));
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
  clearFieldErrors(form);
  const value = (id) => document.getElementById(id).value;
  const body = { email: value("user-email").trim(), name: value("user-name"), role: value("user-role"), locale: value("user-locale") };
  if (value("user-org")) body.org_id = value("user-org");
  if (body.role === "kiosk") body.hub_id = value("user-hub");
  if (value("user-home-hub")) body.home_hub = value("user-home-hub");
  if (value("user-password")) body.password = value("user-password");
  try {
    const created = await api("POST", "/api/users", body, { headers: { "Idempotency-Key": newKey() }, quiet: true });
    form.reset();
    document.getElementById("hub-field").hidden = true;
    announce(t(body.password ? "identity.user_created" : "identity.user_invited", { name: created.name, email: created.email }));
    await load();
  } catch (error) {
    const shown = showFieldErrors(error, {
      email: "user-email",
      name: "user-name",
      password: "user-password",
      org_id: "user-org",
      hub_id: "user-hub",
    });
    if (!shown) {
      showError(describeError(error));
    }
    (form.querySelector("[aria-invalid=true]") || document.getElementById("user-email")).focus();
  }
});

onLocaleChange(render);
self = await me();
if (self && self.role === "admin") {
  document.getElementById("admin-area").hidden = false;
  await load();
} else {
  document.getElementById("admin-only").hidden = false;
}

// Organisations: everyone signed in may see the list; admins register new ones.
import { announce, api, clearError, me, onLocaleChange, t } from "../app.js";
import { el, fill, newKey } from "../dom.js";

const list = document.getElementById("org-list");
const form = document.getElementById("org-form");
const name = document.getElementById("org-name");
let orgs = [];

function render() {
  fill(
    list,
    ...orgs.map((org) =>
      el("li", { className: "item" }, el("p", { className: "item__title", text: org.name }), el("p", { className: "item__meta", text: t(`identity.kind_${org.kind}`) })),
    ),
  );
  list.setAttribute("aria-busy", "false");
  document.getElementById("orgs-empty").hidden = orgs.length > 0;
}

async function load() {
  orgs = await api("GET", "/api/orgs");
  render();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  if (!name.value.trim()) {
    name.setAttribute("aria-invalid", "true");
    name.focus();
    return;
  }
  name.removeAttribute("aria-invalid");
  try {
    const org = await api("POST", "/api/orgs", { name: name.value, kind: document.getElementById("org-kind").value }, { headers: { "Idempotency-Key": newKey() } });
    form.reset();
    announce(t("identity.org_created", { name: org.name }));
    await load();
  } catch {
    name.focus();
  }
});

onLocaleChange(render);
const user = await me();
const isAdmin = user && user.role === "admin";
document.getElementById("org-create").hidden = !isAdmin;
document.getElementById("admin-only").hidden = isAdmin;
await load();

// Hubs (admins): name, capacity and opening hours — PATCH /api/hubs/{id}. Kiosks and the wall see
// the change live (hub.updated on the hub's channel).
import { announce, api, clearError, clearFieldErrors, describeError, me, onLocaleChange, showError, showFieldErrors, t } from "../app.js";
import { el, fill } from "../dom.js";

const box = document.getElementById("hub-forms");
let hubs = [];

function field(id, labelKey, input, hubName) {
  input.id = id;
  const label = el("label", { text: t(labelKey), attrs: { for: id } });
  label.append(el("span", { text: t("hubs.admin_for_hub", { name: hubName }), className: "visually-hidden" }));
  return el("div", { className: "field" }, label, input);
}

function form(hub) {
  const name = el("input", { attrs: { type: "text", maxlength: "100", required: "", autocomplete: "off" } });
  name.value = hub.name;
  const capacity = el("input", { attrs: { type: "number", min: "1", max: "10000", step: "1", required: "", inputmode: "numeric" } });
  capacity.value = String(hub.capacity);
  const open = el("input", { attrs: { type: "time", required: "" } });
  open.value = hub.open;
  const close = el("input", { attrs: { type: "time", required: "" } });
  close.value = hub.close;
  const headingId = `hub-${hub.id}-title`;
  const node = el(
    "form",
    { className: "item form", attrs: { novalidate: "", "aria-labelledby": headingId } },
    el("h2", { text: hub.name, className: "item__title", attrs: { id: headingId } }),
    el("p", { className: "item__meta", text: t("hubs.admin_now", { n: hub.occupancy, capacity: hub.capacity }) }),
    field(`hub-${hub.id}-name`, "hubs.admin_name", name, hub.name),
    field(`hub-${hub.id}-capacity`, "hubs.admin_capacity", capacity, hub.name),
    field(`hub-${hub.id}-open`, "hubs.admin_open", open, hub.name),
    field(`hub-${hub.id}-close`, "hubs.admin_close", close, hub.name),
    el("p", {}, el("button", { text: t("hubs.admin_save"), className: "button", attrs: { type: "submit" } })),
  );
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    clearFieldErrors(node);
    const body = { name: name.value.trim(), open: open.value, close: close.value };
    const number = Number(capacity.value);
    body.capacity = Number.isInteger(number) ? number : capacity.value;
    try {
      const saved = await api("PATCH", `/api/hubs/${encodeURIComponent(hub.id)}`, body, { quiet: true });
      announce(t("hubs.admin_saved", { name: saved.name }));
      await load();
    } catch (error) {
      const shown = showFieldErrors(error, { name: name.id, capacity: capacity.id, open: open.id, close: close.id });
      if (!shown) showError(describeError(error));
      (node.querySelector("[aria-invalid=true]") || name).focus();
    }
  });
  return node;
}

function render() {
  fill(box, ...hubs.map(form));
  box.setAttribute("aria-busy", "false");
}

async function load() {
  hubs = await api("GET", "/api/hubs");
  render();
}

onLocaleChange(render);
const user = await me();
if (user && user.role === "admin") await load();
else {
  document.getElementById("hubs-admin-only").hidden = false;
  box.setAttribute("aria-busy", "false");
}

// The hub's kiosk (/kiosk/{hub}): a visitor checks in in three steps (name → purpose → consent) or
// checks out by tapping their name. Built for someone who has never used a tablet: one question per
// screen, big targets, plain words, and the screen goes back to the start by itself.
import { ApiError, announce, api, clearError, describeError, locale, me, onLocaleChange, setLocale, showError, t } from "../app.js";
import { connect } from "../channel.js";
import { setupKioskReading } from "../residents/kiosk_reading.js";

const HUB = decodeURIComponent(window.location.pathname.split("/")[2] || "");
// A finished visitor's screen stays this long; an abandoned one (name typed, then walked away) is
// cleared after IDLE_MS so the next person never sees someone else's name.
const DONE_MS = 10_000;
const IDLE_MS = 90_000;
const COUNT_REFRESH_MS = 60_000;

const $ = (id) => document.getElementById(id);
const steps = Array.from(document.querySelectorAll(".kiosk__step"));
const nameInput = $("visitor-name");
const orgInput = $("visitor-org");
const contactInput = $("visitor-contact");
const codeInput = $("code-input");
// Registration codes (hub/limits.py EVENT_CODE_ALPHABET): no 0/O or 1/I to confuse.
const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 6;

let hub = null;
let others = new Map(); // the other hubs, live: id → hub
let wrongDevice = null; // this device's own hub when it is a kiosk of another one
let retentionDays = null;
let purpose = null;
let leaving = null; // the check-in tapped in the list
let current = "step-start";
let timer = null;
let idempotencyKey = null;

function randomKey() {
  // crypto.randomUUID needs a secure context; getRandomValues works on a plain-HTTP kiosk too.
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function show(id, { focus = true } = {}) {
  current = id;
  // What was said on the last screen ("… さん、ようこそ。") must not stay in view on the next one.
  const status = document.getElementById("status");
  if (status) status.textContent = "";
  for (const step of steps) step.hidden = step.id !== id;
  const heading = $(id).querySelector("h1");
  if (focus && heading) heading.focus();
  armTimer();
}

function armTimer() {
  window.clearTimeout(timer);
  if (current === "step-start") return;
  const finished = current === "step-done" || current === "step-bye" || current === "step-code-done";
  timer = window.setTimeout(goHome, finished ? DONE_MS : IDLE_MS);
}

function goHome() {
  nameInput.value = "";
  orgInput.value = "";
  contactInput.value = "";
  for (const input of [nameInput, orgInput, contactInput]) input.removeAttribute("aria-invalid");
  $("done-text").textContent = "";
  $("bye-text").textContent = "";
  codeInput.value = "";
  codeInput.removeAttribute("aria-invalid");
  $("code-done-text").textContent = "";
  purpose = null;
  leaving = null;
  idempotencyKey = null;
  clearError();
  // Every visitor starts in Japanese, whatever the one before chose.
  if (locale() !== "ja") setLocale("ja", { quiet: true }).catch(() => {});
  show("step-start");
  refresh();
}

function isFull(h) {
  return h.occupancy >= h.capacity;
}

function renderStart() {
  const full = Boolean(hub && isFull(hub));
  $("kiosk-full").hidden = !full || wrongDevice !== null;
  $("kiosk-elsewhere").hidden = wrongDevice === null;
  $("kiosk-choose").hidden = full || wrongDevice !== null;
  // Nobody starts a check-in that cannot end well; leaving stays possible (not on a wrong device).
  $("start-in").disabled = full || wrongDevice !== null;
  $("start-out").disabled = wrongDevice !== null;
  $("start-code").disabled = full || wrongDevice !== null;
  if (wrongDevice) $("kiosk-own").href = `/kiosk/${encodeURIComponent(wrongDevice)}`;
  const list = $("kiosk-others");
  list.replaceChildren(
    ...[...others.values()].map((other) => {
      const item = document.createElement("li");
      const key = isFull(other) ? "hubs.kiosk_other_full" : "hubs.kiosk_other_state";
      item.textContent = t(key, { name: other.name, n: other.occupancy, capacity: other.capacity });
      return item;
    }),
  );
  $("kiosk-others-box").hidden = others.size === 0;
}

function renderHub() {
  $("kiosk-hub").textContent = hub ? hub.name : "";
  const other = locale() === "ja" ? "en" : "ja";
  const button = $("kiosk-lang");
  button.textContent = other === "en" ? "English" : "日本語";
  button.lang = other;
  const countKey = hub && hub.occupancy === 1 ? "hubs.kiosk_count_one" : "hubs.kiosk_count";
  $("kiosk-count").textContent = hub ? t(countKey, { n: hub.occupancy, capacity: hub.capacity }) : "";
  $("consent-retention").textContent = retentionDays ? t("hubs.kiosk_consent_retention", { days: retentionDays }) : "";
  if (leaving) $("out-confirm-title").textContent = t("hubs.kiosk_out_confirm", { name: leaving.name });
  renderStart();
}

async function refresh() {
  try {
    const snapshot = await api("GET", `/api/hubs/${encodeURIComponent(HUB)}/snapshot`, undefined, { quiet: true });
    hub = snapshot.hub;
    retentionDays = snapshot.visitor_retention_days;
    renderHub();
    return snapshot;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) showError(t("hubs.kiosk_no_hub"));
    else showError(describeError(error));
    return null;
  }
}

function fieldError(paths) {
  const byPath = { name: nameInput, organization: orgInput, contact: contactInput };
  const inputs = paths.map((p) => byPath[p]).filter(Boolean);
  for (const input of Object.values(byPath)) {
    if (inputs.includes(input)) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  return inputs;
}

async function checkIn() {
  clearError();
  const button = $("consent-yes");
  button.disabled = true;
  idempotencyKey = idempotencyKey || randomKey();
  const body = { name: nameInput.value.trim(), purpose, consent: true };
  if (orgInput.value.trim()) body.organization = orgInput.value.trim();
  if (contactInput.value.trim()) body.contact = contactInput.value.trim();
  try {
    const checkin = await api("POST", `/api/hubs/${encodeURIComponent(HUB)}/checkins`, body, {
      quiet: true,
      headers: { "Idempotency-Key": idempotencyKey },
    });
    $("done-text").textContent = t("hubs.kiosk_done_text", { name: checkin.name });
    show("step-done");
    announce(t("hubs.kiosk_done_text", { name: checkin.name }));
  } catch (error) {
    if (error.code === "hub_full") {
      showError(t("hubs.kiosk_full"));
      goHome(); // the start screen says it, with the other hubs' state
    } else if (error.status === 422) {
      const paths = ((error.details && error.details.fields) || []).map((f) => f.path);
      const inputs = fieldError(paths);
      if (inputs.length > 0) {
        show("step-name", { focus: false });
        inputs[0].focus();
      }
      showError(t("hubs.kiosk_check_input"));
    } else if (error.status === 403) {
      showError(t("hubs.kiosk_wrong_device"));
    } else {
      showError(describeError(error));
    }
  } finally {
    button.disabled = false;
  }
}

async function showLeaving() {
  clearError();
  $("out-list").replaceChildren();
  show("step-out");
  await renderLeaving();
}

async function renderLeaving() {
  const list = $("out-list");
  const snapshot = await refresh();
  const checkins = (snapshot && snapshot.checkins) || [];
  list.replaceChildren();
  $("out-empty").hidden = checkins.length > 0;
  for (const checkin of checkins) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "kiosk__name";
    button.textContent = checkin.name || t("hubs.kiosk_unnamed");
    button.addEventListener("click", () => {
      leaving = checkin;
      renderHub();
      show("step-out-confirm");
    });
    item.append(button);
    list.append(item);
  }
}

async function checkOut() {
  clearError();
  const button = $("out-yes");
  button.disabled = true;
  try {
    await api("POST", `/api/checkins/${encodeURIComponent(leaving.id)}/checkout`, undefined, { quiet: true });
    $("bye-text").textContent = t("hubs.kiosk_bye_text", { name: leaving.name || "" });
    show("step-bye");
    announce(t("hubs.kiosk_bye_text", { name: leaving.name || "" }));
  } catch (error) {
    showError(error.status === 403 ? t("hubs.kiosk_wrong_device") : describeError(error));
  } finally {
    button.disabled = false;
  }
}

// --- arriving for an event: the code on a large keypad (touch) or typed (keyboard) ---------------

function buildKeypad() {
  const pad = $("keypad");
  for (const char of CODE_ALPHABET) {
    const key = document.createElement("button");
    key.type = "button";
    key.textContent = char;
    key.addEventListener("click", () => {
      if (codeInput.value.length < CODE_LENGTH) codeInput.value += char;
      codeInput.removeAttribute("aria-invalid");
    });
    pad.append(key);
  }
  const erase = document.createElement("button");
  erase.type = "button";
  erase.className = "keypad__wide";
  erase.id = "keypad-delete";
  erase.addEventListener("click", () => {
    codeInput.value = codeInput.value.slice(0, -1);
  });
  pad.append(erase);
  renderKeypad();
}

function renderKeypad() {
  const erase = $("keypad-delete");
  if (!erase) return;
  erase.textContent = t("events.kiosk_delete");
}

function cleanCode() {
  // Typed in lower case, or with letters that are not in codes: kept to what a code can hold.
  const clean = codeInput.value
    .toUpperCase()
    .split("")
    .filter((c) => CODE_ALPHABET.includes(c))
    .join("")
    .slice(0, CODE_LENGTH);
  if (clean !== codeInput.value) codeInput.value = clean;
}

async function arriveWithCode(submitEvent) {
  submitEvent.preventDefault();
  clearError();
  cleanCode();
  if (codeInput.value.length !== CODE_LENGTH) {
    codeInput.setAttribute("aria-invalid", "true");
    showError(t("events.kiosk_code_short"));
    codeInput.focus();
    return;
  }
  const button = $("code-submit");
  button.disabled = true;
  try {
    const checkin = await api("POST", `/api/hubs/${encodeURIComponent(HUB)}/checkins`, { registration_code: codeInput.value }, { quiet: true });
    const text = t("events.kiosk_done_text", { name: checkin.name || "" });
    $("code-done-text").textContent = text;
    show("step-code-done");
    announce(text);
  } catch (error) {
    codeInput.setAttribute("aria-invalid", "true");
    if (error.code === "hub_full") showError(t("events.kiosk_full"));
    else if (error.status === 409 && error.details && error.details[locale()]) showError(error.details[locale()]);
    else if (error.status === 404 || error.status === 422) showError(t("events.kiosk_code_unknown"));
    else if (error.status === 403) showError(t("hubs.kiosk_wrong_device"));
    else showError(describeError(error));
  } finally {
    button.disabled = false;
  }
}

buildKeypad();
codeInput.addEventListener("input", cleanCode);
$("code-form").addEventListener("submit", arriveWithCode);
$("start-code").addEventListener("click", () => show("step-code"));
$("start-in").addEventListener("click", () => show("step-name"));
$("start-out").addEventListener("click", showLeaving);
$("name-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearError();
  if (!nameInput.value.trim()) {
    fieldError(["name"]);
    showError(t("hubs.kiosk_name_missing"));
    nameInput.focus();
    return;
  }
  fieldError([]);
  show("step-purpose");
});
for (const button of document.querySelectorAll("[data-purpose]")) {
  button.addEventListener("click", () => {
    purpose = button.getAttribute("data-purpose");
    show("step-consent");
  });
}
$("consent-yes").addEventListener("click", checkIn);
$("out-yes").addEventListener("click", checkOut);
for (const button of document.querySelectorAll("[data-home]")) button.addEventListener("click", goHome);
for (const button of document.querySelectorAll("[data-go]")) {
  button.addEventListener("click", () => {
    clearError();
    show(button.getAttribute("data-go"));
  });
}
$("kiosk-lang").addEventListener("click", () => {
  setLocale(locale() === "ja" ? "en" : "ja").catch(() => showError(t("shell.offline")));
});
onLocaleChange(() => {
  renderHub();
  renderKeypad();
});
// Any touch or key means someone is still here: the idle timer starts again.
for (const kind of ["pointerdown", "keydown", "input"]) {
  document.addEventListener(kind, () => armTimer(), { passive: true });
}

// Live: the count on the start screen and the list of names follow check-ins made elsewhere (the
// staff's screens, the other kiosk, closing time); a periodic refresh covers a long network cut.
async function follow() {
  const snapshot = await refresh();
  if (!snapshot) return;
  const socket = connect();
  socket.channel(`hub:${HUB}`, {
    since: snapshot.seq,
    presence: false,
    onEvent(event) {
      if (event.event === "hub.occupancy" && hub) {
        hub = { ...hub, occupancy: event.data.occupancy, capacity: event.data.capacity };
        renderHub();
      } else if (event.event === "hub.updated" && hub) {
        hub = { ...hub, ...event.data };
        renderHub();
      } else if (event.event.startsWith("checkin.") && current === "step-out") {
        renderLeaving();
      }
    },
    async onReset() {
      const fresh = await refresh();
      return fresh ? fresh.seq : null;
    },
  });
  await followOthers(socket);
}

// The other hubs' state on the start screen: where to go when this one is full.
async function followOthers(socket) {
  let list = [];
  try {
    list = await api("GET", "/api/hubs", undefined, { quiet: true });
  } catch {
    return;
  }
  for (const other of list.filter((h) => h.id !== HUB)) {
    others.set(other.id, other);
    const load = async () => {
      const fresh = await api("GET", `/api/hubs/${encodeURIComponent(other.id)}/snapshot`, undefined, { quiet: true });
      others.set(other.id, fresh.hub);
      renderStart();
      return fresh.seq;
    };
    try {
      const seq = await load();
      socket.channel(`hub:${other.id}`, {
        since: seq,
        presence: false,
        onEvent(event) {
          const known = others.get(other.id);
          if (event.event === "hub.occupancy") others.set(other.id, { ...known, ...event.data });
          else if (event.event === "hub.updated") others.set(other.id, { ...known, ...event.data });
          else return;
          renderStart();
        },
        onReset: load,
      });
    } catch {
      // Not readable now: the start screen shows what it has.
    }
  }
  renderStart();
}

// A kiosk account belongs to one hub: on another hub's page it says so at once, not after 3 steps.
async function checkDevice() {
  const user = await me().catch(() => null);
  if (user && user.role === "kiosk" && user.hub_id !== HUB) {
    wrongDevice = user.hub_id;
    renderStart();
    showError(t("hubs.kiosk_wrong_device"));
  }
}

if (locale() !== "ja") setLocale("ja", { quiet: true }).catch(() => {});
renderHub();
checkDevice();
follow();
setupKioskReading();
window.setInterval(() => {
  if (current === "step-start") refresh();
}, COUNT_REFRESH_MS);

// One event (/events/{id}), no sign-in needed: details, then what is kept and for how long (APPI)
// before the button, the form, and after registering the code in large type with its QR code
// (drawn by the server). A signed-in user registers in one click. The cancel link of the e-mail
// (?registration=…&code=…) opens the cancel box.
import { ApiError, announce, api, clearError, clearFieldErrors, describeError, me, onLocaleChange, setFieldError, showError, showFieldErrors, t } from "../app.js";
import { el, fill, formatTime } from "../dom.js";

const EVENT_ID = decodeURIComponent(window.location.pathname.split("/")[2] || "");
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);

let event = null;
let user = null;
let done = null; // the registration just made
let email = "";

function closedReason() {
  if (!event) return null;
  if (event.status === "cancelled") return "events.closed_event_cancelled";
  if (new Date(event.ends_at) <= new Date()) return "events.closed_event_ended";
  return null;
}

function render() {
  if (!event) return;
  $("event-title").textContent = event.title;
  document.title = `${event.title} — Dejima`;
  const left = Math.max(0, event.capacity - event.registered);
  const seats = left > 0 ? t("events.seats_left", { left, capacity: event.capacity }) : t("events.full");
  const facts = [
    el("dt", { text: t("events.when") }),
    el("dd", { text: `${formatTime(event.starts_at)} – ${formatTime(event.ends_at)}` }),
    el("dt", { text: t("events.where") }),
    el("dd", { text: event.hub_name }),
  ];
  if (event.online_url) {
    facts.push(el("dt", { text: t("events.online") }), el("dd", {}, el("a", { text: event.online_url, attrs: { href: event.online_url, rel: "noopener noreferrer" } })));
  }
  facts.push(el("dt", { text: t("events.seats") }), el("dd", { text: seats }));
  fill($("event-facts"), ...facts);
  $("event-description").textContent = event.description || "";
  const closed = closedReason();
  $("event-closed").hidden = !closed;
  $("event-closed").textContent = closed ? t(closed) : "";
  $("register-box").hidden = Boolean(closed) || done !== null || params.has("registration");
  $("consent-retention").textContent = t("events.consent_how_long", { days: event.retention_days });
  if (user) {
    $("member-box").hidden = false;
    $("member-lead").textContent = t("events.member_lead", { name: user.name });
    $("name-field").hidden = true;
    $("email-field").hidden = true;
    // The account is known already: nothing new is collected, so there is nothing to consent to.
    $("consent-text").hidden = true;
    $("consent-field").hidden = true;
    $("reg-submit").textContent = t("events.member_register");
    if (user.role === "admin" || user.role === "member") {
      $("event-host").hidden = false;
      $("event-host-link").href = `/events/${encodeURIComponent(event.id)}/registrations`;
    }
  }
  renderDone();
  renderCancel();
}

function renderDone() {
  if (!done) return;
  $("done-box").hidden = false;
  const waiting = done.status === "waitlisted";
  $("done-title").textContent = t(waiting ? "events.done_waitlisted" : "events.done_registered");
  $("done-lead").textContent = waiting ? t("events.done_waitlisted_lead") : "";
  $("done-code").textContent = done.code;
  const qr = $("done-qr");
  qr.src = `/api/public/codes/${encodeURIComponent(done.code)}.svg`;
  qr.alt = t("events.qr_alt", { code: done.code.split("").join(" ") });
  $("done-mail").textContent = email ? t("events.code_mail", { email }) : "";
}

function renderCancel() {
  if (!params.has("registration")) return;
  $("cancel-box").hidden = false;
  $("cancel-lead").textContent = t("events.cancel_lead", { code: params.get("code") || "" });
}

async function register(submitEvent) {
  submitEvent.preventDefault();
  clearError();
  clearFieldErrors($("register-form"));
  const name = $("reg-name").value.trim();
  const consent = $("reg-consent").checked;
  if (!user && !name) {
    setFieldError($("reg-name"), t("events.name_needed"));
    $("reg-name").focus();
    return;
  }
  if (!user && !consent) {
    setFieldError($("reg-consent"), t("events.consent_needed"));
    $("reg-consent").focus();
    return;
  }
  const party = Number($("reg-party").value);
  const button = $("reg-submit");
  button.disabled = true;
  try {
    if (user) {
      done = await api("POST", `/api/events/${encodeURIComponent(EVENT_ID)}/registrations`, { party_size: party }, { quiet: true });
      email = "";
    } else {
      email = $("reg-email").value.trim();
      const body = { name, party_size: party, consent: true, locale: document.documentElement.lang === "en" ? "en" : "ja" };
      if (email) body.email = email;
      done = await api("POST", `/api/public/events/${encodeURIComponent(EVENT_ID)}/registrations`, body, { quiet: true });
    }
    event = await api("GET", `/api/public/events/${encodeURIComponent(EVENT_ID)}`, undefined, { quiet: true }).catch(() => event);
    render();
    $("done-title").focus();
    announce($("done-title").textContent);
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      if (!showFieldErrors(error, { name: "reg-name", email: "reg-email", party_size: "reg-party", consent: "reg-consent" })) showError(describeError(error));
    } else if (error instanceof ApiError && error.status === 409) {
      const reason = error.details && error.details.reason === "event_cancelled" ? "events.closed_event_cancelled" : "events.closed_event_ended";
      showError(t(reason));
    } else if (error instanceof ApiError && error.status === 429) {
      showError(t("events.too_many"));
    } else {
      showError(describeError(error));
    }
  } finally {
    button.disabled = false;
  }
}

async function cancel() {
  clearError();
  const button = $("cancel-button");
  button.disabled = true;
  try {
    await api("POST", `/api/public/registrations/${encodeURIComponent(params.get("registration") || "")}/cancel`, { code: params.get("code") || "" }, { quiet: true });
    $("cancel-result").textContent = t("events.cancel_done");
    button.hidden = true;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 422)) showError(t("events.cancel_not_found"));
    else showError(describeError(error));
  } finally {
    button.disabled = false;
  }
}

async function start() {
  user = await me().catch(() => null);
  try {
    event = await api("GET", `/api/public/events/${encodeURIComponent(EVENT_ID)}`, undefined, { quiet: true });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && user) {
      // An internal event: readable by signed-in admins and members only.
      event = await api("GET", `/api/events/${encodeURIComponent(EVENT_ID)}`, undefined, { quiet: true }).catch(() => null);
      if (event) event = { ...event, hub_name: event.hub_id, retention_days: "" };
    }
    if (!event) {
      showError(describeError(error));
      return;
    }
  }
  render();
}

$("register-form").addEventListener("submit", register);
$("cancel-button").addEventListener("click", cancel);
onLocaleChange(render);
start();

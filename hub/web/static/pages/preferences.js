// Notification settings: channels, quiet hours, language, and linking a LINE account by code.
import {
  announce,
  api,
  clearError,
  clearFieldErrors,
  describeError,
  onLocaleChange,
  setLocale,
  showError,
  showFieldErrors,
  t,
} from "../app.js";
import { formatTime } from "../dom.js";

const DEFAULT_ZONE = "Asia/Tokyo";
// Every zone this browser knows, Japan first; a few common ones where Intl cannot list them.
const ZONES = (() => {
  let all = [];
  try {
    all = Intl.supportedValuesOf("timeZone");
  } catch {
    all = ["UTC", "Asia/Seoul", "Asia/Shanghai", "Asia/Taipei", "Asia/Singapore", "Europe/London", "America/New_York"];
  }
  return [DEFAULT_ZONE, ...all.filter((zone) => zone !== DEFAULT_ZONE)];
})();

const form = document.getElementById("preferences-form");
const email = document.getElementById("pref-email");
const line = document.getElementById("pref-line");
const quiet = document.getElementById("pref-quiet");
const quietTimes = document.getElementById("quiet-times");
const start = document.getElementById("pref-quiet-start");
const end = document.getElementById("pref-quiet-end");
const zone = document.getElementById("pref-zone");
const localeSelect = document.getElementById("pref-locale");
const digest = document.getElementById("pref-digest");
const lineState = document.getElementById("line-state");
const codeBox = document.getElementById("line-code-box");
let current = null;
let issued = null;

function showQuiet() {
  quietTimes.hidden = !quiet.checked;
}

function render() {
  email.checked = current.email;
  line.checked = current.line;
  quiet.checked = current.quiet_hours !== null;
  if (current.quiet_hours) {
    start.value = current.quiet_hours.start;
    end.value = current.quiet_hours.end;
  }
  const chosen = current.time_zone || DEFAULT_ZONE;
  if (!ZONES.includes(chosen)) ZONES.push(chosen);
  if (zone.options.length !== ZONES.length) {
    zone.replaceChildren(...ZONES.map((name) => new Option(name, name)));
  }
  zone.value = chosen;
  // LINE can be chosen only once an account is linked; until then it shows as off.
  line.disabled = !current.line_linked;
  line.checked = current.line && current.line_linked;
  localeSelect.value = current.locale;
  digest.value = current.digest || "off";
  showQuiet();
  renderLine();
}

function renderLine() {
  lineState.textContent = current.line_linked ? t("notifications.line_linked") : t("notifications.line_not_linked");
  document.getElementById("line-unlink").hidden = !current.line_linked;
  codeBox.hidden = !issued;
  const friend = issued && issued.friend_url;
  document.getElementById("line-friend-box").hidden = !friend;
  if (friend) {
    const qr = document.getElementById("line-friend-qr");
    qr.src = issued.friend_qr;
    qr.alt = t("notifications.line_friend_qr", { url: issued.friend_url });
    document.getElementById("line-friend-link").href = issued.friend_url;
  }
  if (issued) {
    document.getElementById("line-code").textContent = issued.code;
    const until = t("notifications.line_code_until", { time: formatTime(issued.expires_at) });
    document.getElementById("line-code-hint").textContent = issued.bot_id
      ? `${until} ${t("notifications.line_bot", { bot: issued.bot_id })}`
      : until;
  }
}

quiet.addEventListener("change", showQuiet);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  clearFieldErrors(form);
  const body = {
    email: email.checked,
    // Not linked: the choice is kept as it was (the box shows off and cannot be changed).
    line: current.line_linked ? line.checked : current.line,
    quiet_hours: quiet.checked ? { start: start.value, end: end.value } : null,
    locale: localeSelect.value,
    time_zone: zone.value || DEFAULT_ZONE,
    digest: digest.value,
  };
  try {
    current = await api("PUT", "/api/me/preferences", body, { quiet: true });
  } catch (error) {
    const shown = showFieldErrors(error, {
      "quiet_hours.start": "pref-quiet-start",
      "quiet_hours.end": "pref-quiet-end",
      quiet_hours: "pref-quiet-start",
      time_zone: "pref-zone",
      locale: "pref-locale",
      email: "pref-email",
      line: "pref-line",
      digest: "pref-digest",
    });
    if (!shown) showError(describeError(error));
    (form.querySelector("[aria-invalid=true]") || form.querySelector("button[type=submit]")).focus();
    return;
  }
  const changedLanguage = current.locale !== document.documentElement.lang;
  if (changedLanguage) await setLocale(current.locale, { quiet: true });
  render();
  announce(t("notifications.saved"));
});

document.getElementById("line-link").addEventListener("click", async () => {
  issued = await api("POST", "/api/me/line/link-code");
  renderLine();
  announce(t("notifications.line_code_ready", { code: issued.code.split("").join(" ") }));
});

document.getElementById("line-unlink").addEventListener("click", async () => {
  await api("DELETE", "/api/me/line");
  current = await api("GET", "/api/me/preferences");
  issued = null;
  render();
  document.getElementById("line-link").focus();
  announce(t("notifications.line_unlinked"));
});

// Linking happens in LINE; the confirmation arrives as a notification on the person's channel.
document.addEventListener("dejima:user-event", async (event) => {
  if (event.detail.event === "notification.created" && event.detail.data.kind === "line.linked") {
    current = await api("GET", "/api/me/preferences");
    issued = null;
    render();
  }
});
// The calendar feed: a secret address, shown once issued; issuing again retires the old one.
const calendarGet = document.getElementById("calendar-get");
const calendarBox = document.getElementById("calendar-box");
const calendarUrl = document.getElementById("calendar-url");
function renderCalendar() {
  calendarGet.textContent = t(calendarBox.hidden ? "notifications.calendar_get" : "notifications.calendar_renew");
}
calendarGet.addEventListener("click", async () => {
  const renewed = !calendarBox.hidden;
  const { url } = await api("POST", "/api/me/calendar");
  calendarUrl.value = url;
  calendarBox.hidden = false;
  renderCalendar();
  calendarUrl.focus();
  calendarUrl.select();
  announce(t(renewed ? "notifications.calendar_renewed" : "notifications.calendar_ready"));
});

onLocaleChange(() => {
  if (current) renderLine();
  renderCalendar();
});

current = await api("GET", "/api/me/preferences");
render();
// Until the stored choices are shown, Save would store the form's defaults over them.
form.setAttribute("aria-busy", "false");
form.querySelector("button[type=submit]").disabled = false;

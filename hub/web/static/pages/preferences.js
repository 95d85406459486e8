// Notification settings: channels, quiet hours, language, and linking a LINE account by code.
import { announce, api, onLocaleChange, setLocale, t } from "/static/app.js";
import { formatTime, markInvalid } from "/static/notifications/common.js";

const form = document.getElementById("preferences-form");
const email = document.getElementById("pref-email");
const line = document.getElementById("pref-line");
const quiet = document.getElementById("pref-quiet");
const quietTimes = document.getElementById("quiet-times");
const start = document.getElementById("pref-quiet-start");
const end = document.getElementById("pref-quiet-end");
const zone = document.getElementById("pref-zone");
const localeSelect = document.getElementById("pref-locale");
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
  zone.value = current.time_zone || "";
  localeSelect.value = current.locale;
  showQuiet();
  renderLine();
}

function renderLine() {
  lineState.textContent = current.line_linked ? t("notifications.line_linked") : t("notifications.line_not_linked");
  document.getElementById("line-unlink").hidden = !current.line_linked;
  codeBox.hidden = !issued;
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
  const body = {
    email: email.checked,
    line: line.checked,
    quiet_hours: quiet.checked ? { start: start.value, end: end.value } : null,
    locale: localeSelect.value,
    time_zone: zone.value.trim() || null,
  };
  try {
    current = await api("PUT", "/api/me/preferences", body);
  } catch (error) {
    markInvalid(form, error, {
      "quiet_hours.start": "pref-quiet-start",
      "quiet_hours.end": "pref-quiet-end",
      quiet_hours: "pref-quiet-start",
      time_zone: "pref-zone",
      locale: "pref-locale",
    });
    return;
  }
  markInvalid(form, null, {});
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
onLocaleChange(() => current && renderLine());

current = await api("GET", "/api/me/preferences");
render();

// The sign-in form: POST /api/auth/login, then go to ?next= (a path on this site only).
import { api, announce, clearError, describeError, safeNext, showError, t } from "../app.js";

const form = document.getElementById("login-form");
const email = document.getElementById("login-email");
const password = document.getElementById("login-password");
const submit = form.querySelector("button[type=submit]");

function markInvalid(fields) {
  for (const field of [email, password]) {
    if (fields.includes(field)) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const missing = [email, password].filter((field) => !field.value.trim());
  if (missing.length > 0) {
    markInvalid(missing);
    showError(t("login.missing"));
    missing[0].focus();
    return;
  }
  submit.disabled = true;
  announce(t("login.signing_in"));
  try {
    const { user } = await api("POST", "/api/auth/login", { email: email.value.trim(), password: password.value }, { quiet: true });
    markInvalid([]);
    announce(t("login.success"));
    // A kiosk is a device with one job: it goes straight to its hub's check-in screen.
    const next = user.role === "kiosk" && user.hub_id
      ? `/kiosk/${encodeURIComponent(user.hub_id)}`
      : safeNext(new URLSearchParams(window.location.search).get("next"));
    window.location.assign(next);
  } catch (error) {
    if (error.status === 401) {
      markInvalid([email, password]);
      showError(t("login.wrong"));
    } else if (error.status === 429) {
      showError(t("login.throttled"));
    } else {
      showError(describeError(error));
    }
    password.select();
    password.focus();
    submit.disabled = false;
  }
});

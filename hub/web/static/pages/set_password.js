// Choosing a password from an invitation or reset link: POST /api/auth/set-password {token, password}.
import { api, announce, clearError, clearFieldErrors, setFieldError, showError, describeError, t } from "../app.js";

const MIN_CHARS = 10;
const form = document.getElementById("set-password-form");
const password = document.getElementById("new-password");
const again = document.getElementById("new-password-again");
const submit = form.querySelector("button[type=submit]");
const token = new URLSearchParams(window.location.search).get("token") || "";
// Keep the token out of the address bar (and of anything that copies it) once it is read.
if (token) {
  window.history.replaceState(null, "", "/set-password");
  // The header's links came back to this address with the token in `next`: not any more.
  for (const link of document.querySelectorAll('a[href*="token"]')) {
    link.href = link.href.replace(/next=[^&#]*/, "next=%2Fset-password");
  }
}

function showInvalid() {
  form.hidden = true;
  const box = document.getElementById("set-password-invalid");
  box.hidden = false;
  showError(t("login.link_invalid"));
}

if (!token) showInvalid();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  clearFieldErrors(form);
  if ([...password.value].length < MIN_CHARS) {
    setFieldError(password, t("login.password_too_short"));
    password.focus();
    return;
  }
  if (password.value !== again.value) {
    setFieldError(again, t("login.password_mismatch"));
    again.focus();
    return;
  }
  submit.disabled = true;
  try {
    await api("POST", "/api/auth/set-password", { token, password: password.value }, { quiet: true });
    form.hidden = true;
    document.getElementById("set-password-done").hidden = false;
    announce(t("login.set_done"));
  } catch (error) {
    submit.disabled = false;
    if (error.status === 400) showInvalid();
    else if (error.status === 422) {
      setFieldError(password, t("login.password_too_short"));
      password.focus();
    } else showError(describeError(error));
  }
});

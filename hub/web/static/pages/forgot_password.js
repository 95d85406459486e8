// "Forgot password": POST /api/auth/password-reset {email}; the answer is the same for any address.
import { api, announce, clearError, clearFieldErrors, describeError, setFieldError, showError, t } from "../app.js";

const form = document.getElementById("forgot-form");
const email = document.getElementById("forgot-email");
const submit = form.querySelector("button[type=submit]");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  clearFieldErrors(form);
  if (!email.value.trim()) {
    setFieldError(email, t("errors.field_missing"));
    email.focus();
    return;
  }
  submit.disabled = true;
  try {
    await api("POST", "/api/auth/password-reset", { email: email.value.trim() }, { quiet: true });
    form.hidden = true;
    document.getElementById("forgot-sent").hidden = false;
    announce(t("login.forgot_sent"));
  } catch (error) {
    submit.disabled = false;
    showError(error.status === 429 ? t("login.reset_throttled") : describeError(error));
  }
});

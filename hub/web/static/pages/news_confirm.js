// The page a subscription's confirmation e-mail links to: it POSTs the token from the fragment.
import { api, t } from "../app.js";

const result = document.getElementById("confirm-result");
const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (!token) {
  result.textContent = t("news.confirm_failed");
} else {
  try {
    await api("POST", "/api/public/subscriptions/confirm", { token }, { quiet: true });
    result.textContent = t("news.confirmed");
  } catch {
    result.textContent = t("news.confirm_failed");
  }
}

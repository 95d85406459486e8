// Small helpers shared by the notification and announcement pages. Text only, never HTML.
import { locale } from "../app.js";

/** The title and body of an announcement for this reader: English when asked for and given. */
export function localized(announcement) {
  if (locale() === "en" && announcement.title_en && announcement.body_en) {
    return { title: announcement.title_en, body: announcement.body_en, lang: "en" };
  }
  return { title: announcement.title, body: announcement.body, lang: "ja" };
}

/** The value of a datetime-local input as an RFC 3339 time in UTC, or null when empty. */
export function localInputToIso(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Mark the inputs named by a 422's `details.fields` paths invalid; return the messages. */
export function markInvalid(form, error, fieldsByPath) {
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const fields = (error && error.details && error.details.fields) || [];
  let first = null;
  for (const field of fields) {
    const path = String(field.path || "");
    const id = Object.entries(fieldsByPath).find(([prefix]) => path === prefix || path.startsWith(`${prefix}.`));
    const input = id ? form.querySelector(`#${id[1]}`) : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
  }
  if (first) first.focus();
}

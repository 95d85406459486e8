// The shell every page script builds on: translation, the API wrapper, the live regions.
// Page scripts import it by a relative path, e.g. `import { api, t } from "../app.js";` from pages/ (why:
// hub/web/assets.py). Build DOM with textContent only.

export const LOCALES = ["ja", "en"];
const LOCALE_COOKIE = "dejima_locale";
const LOCALE_STORAGE = "dejima_locale";
const YEAR_S = 365 * 24 * 3600;

let catalog = readInjectedCatalog();

function readInjectedCatalog() {
  const node = document.getElementById("dejima-i18n");
  if (!node) return {};
  try {
    return JSON.parse(node.textContent || "{}");
  } catch {
    return {};
  }
}

/** The page's language: "ja" or "en". */
export function locale() {
  return document.documentElement.lang === "en" ? "en" : "ja";
}

/** The text of `key` in the current language; `{name}` placeholders are filled from `vars`. */
export function t(key, vars = {}) {
  const text = Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/** Translate `data-i18n` (text) and `data-i18n-attr` ("attr:key;attr:key") under `root`. */
export function applyI18n(root = document) {
  const select = (selector) => {
    const found = Array.from(root.querySelectorAll(selector));
    if (root instanceof Element && root.matches(selector)) found.unshift(root);
    return found;
  };
  for (const element of select("[data-i18n]")) {
    const key = element.getAttribute("data-i18n");
    if (key && Object.prototype.hasOwnProperty.call(catalog, key)) element.textContent = catalog[key];
  }
  for (const element of select("[data-i18n-attr]")) {
    for (const part of (element.getAttribute("data-i18n-attr") || "").split(";")) {
      const [name, key] = part.split(":").map((s) => (s || "").trim());
      if (name && key && Object.prototype.hasOwnProperty.call(catalog, key)) {
        element.setAttribute(name, catalog[key]);
      }
    }
  }
}

/** Say `text` politely to screen readers (and show it in the status line). */
export function announce(text) {
  const region = document.getElementById("status");
  if (!region) return;
  // Emptying first makes a repeated message be announced again.
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** Show an error in the alert region (read out at once). */
export function showError(text) {
  const region = document.getElementById("alert");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

export function clearError() {
  const region = document.getElementById("alert");
  if (region) region.textContent = "";
}

/** An error answer of the API: `status`, and the contract's `code`, `message`, `details`. */
export class ApiError extends Error {
  constructor(status, code, message, details = null, body = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.body = body;
  }
}

/** A sentence for the reader: the translated kind of error, then the server's own words. */
export function describeError(error) {
  const key = `errors.${error.code}`;
  const general = Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : t("errors.internal");
  // The server speaks English: its words are added only on an English page, never mixed into Japanese.
  if (locale() === "en" && error.message && error.status !== 0) return `${general} (${error.message})`;
  return general;
}

/**
 * Show the field errors of an ApiError (422 `details.fields`) next to their inputs, in the page's
 * language: `fields` maps API paths ("email") to input ids. Each message sits in the input's
 * `.field`, tied to it by aria-describedby. Returns true when at least one was shown.
 */
export function showFieldErrors(error, fields) {
  let shown = false;
  for (const item of error?.details?.fields || []) {
    const id = fields[item.path];
    const input = id && document.getElementById(id);
    if (!input) continue;
    const key = `errors.field_${item.type}`;
    setFieldError(input, Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : t("errors.field_invalid"));
    shown = true;
  }
  return shown;
}

/** Mark one input invalid with `text` shown under it (the page's own checks use this too). */
export function setFieldError(input, text) {
  const id = `${input.id}-error`;
  let note = document.getElementById(id);
  if (!note) {
    note = document.createElement("p");
    note.id = id;
    note.className = "field-error";
    (input.closest(".field") || input.parentElement).append(note);
  }
  note.textContent = text;
  input.setAttribute("aria-invalid", "true");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(id)) input.setAttribute("aria-describedby", [...described, id].join(" "));
}

/** Remove every field error under `root` (after a good save, or before a new try). */
export function clearFieldErrors(root = document) {
  for (const note of root.querySelectorAll(".field-error")) {
    const input = root.querySelector(`[aria-describedby~="${note.id}"]`);
    if (input) {
      const rest = input.getAttribute("aria-describedby").split(" ").filter((part) => part && part !== note.id);
      if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
      else input.removeAttribute("aria-describedby");
      input.removeAttribute("aria-invalid");
    }
    note.remove();
  }
}

/**
 * Call the API with the session cookie. Resolves to the parsed JSON (null for an empty answer);
 * rejects with ApiError, whose text is shown in the alert region unless `options.quiet`.
 * `options.headers` adds headers (e.g. {"Idempotency-Key": crypto.randomUUID()}).
 */
export async function api(method, path, body = undefined, options = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", ...(options.headers || {}) },
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    const error = new ApiError(0, "unavailable", t("shell.offline"));
    if (!options.quiet) showError(error.message);
    throw error;
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const info = data && data.error ? data.error : { code: "internal", message: response.statusText };
    const error = new ApiError(response.status, info.code, info.message, info.details || null, data);
    if (!options.quiet) showError(describeError(error));
    throw error;
  }
  return data;
}

/**
 * The answer to one of the page's first API reads that the server wrote into the page (its
 * `reads`, hub/web/shell.py), taken once; null when it is not there (not signed in, no right, a
 * read that failed): the caller then asks the API itself, as it would without it.
 */
export function takeRead(name) {
  const element = document.querySelector(`script[type="application/json"][data-read="${CSS.escape(name)}"]`);
  if (!element) return null;
  element.remove(); // taken once: a later read (a reload after reconnecting) asks the API
  try {
    return JSON.parse(element.textContent);
  } catch {
    return null; // cut short while it was written: the server logged why
  }
}

let mePromise = null;

/** The signed-in user ({id, email, name, role, ...}) or null. Asked once per page. */
export function me() {
  if (!mePromise) {
    const written = takeRead("me");
    if (written) return (mePromise = Promise.resolve(written));
    mePromise = api("GET", "/api/me", undefined, { quiet: true }).catch((error) => {
      if (error instanceof ApiError && error.status === 401) return null;
      mePromise = null;
      throw error;
    });
  }
  return mePromise;
}

/** A path on this site to go to after sign-in; anything else becomes "/". */
export function safeNext(value) {
  if (!value || !value.startsWith("/") || value.startsWith("//")) return "/";
  if (value.includes("\\") || /[\u0000-\u001f\u007f]/.test(value)) return "/";
  return value;
}

function rememberLocale(value) {
  document.cookie = `${LOCALE_COOKIE}=${value}; path=/; max-age=${YEAR_S}; samesite=lax`;
  try {
    window.localStorage.setItem(LOCALE_STORAGE, value);
  } catch {
    // Storage may be disabled; the cookie alone is enough.
  }
}

function cookieLocale() {
  const match = document.cookie.match(/(?:^|;\s*)dejima_locale=([^;]*)/);
  return match && LOCALES.includes(match[1]) ? match[1] : null;
}

function markLocale() {
  for (const link of document.querySelectorAll("[data-locale]")) {
    if (link.getAttribute("data-locale") === locale()) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
}

/** Switch the page to `value` without a reload, remember it, and tell page scripts ("dejima:locale"). */
export async function setLocale(value, { quiet = false } = {}) {
  if (!LOCALES.includes(value)) return;
  rememberLocale(value);
  const response = await fetch(`/i18n/${value}.json`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`no catalog for ${value}`);
  catalog = await response.json();
  document.documentElement.lang = value;
  applyI18n(document);
  const titleKey = document.documentElement.getAttribute("data-title-key");
  if (titleKey) document.title = `${t(titleKey)} — Dejima`;
  markLocale();
  document.dispatchEvent(new CustomEvent("dejima:locale", { detail: { locale: value } }));
  if (!quiet) announce(t("shell.language_changed"));
}

/** Run `callback(locale)` whenever the reader switches language (re-render text built with t()). */
export function onLocaleChange(callback) {
  document.addEventListener("dejima:locale", (event) => callback(event.detail.locale));
}

function wireLanguageSwitch() {
  for (const link of document.querySelectorAll("[data-locale]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      setLocale(link.getAttribute("data-locale")).catch(() => {
        window.location.assign(link.href); // the server-side switch still works
      });
    });
  }
  markLocale();
  // A choice remembered in this browser wins over a lost cookie.
  let stored = null;
  try {
    stored = window.localStorage.getItem(LOCALE_STORAGE);
  } catch {
    stored = null;
  }
  if (!cookieLocale() && LOCALES.includes(stored) && stored !== locale()) {
    setLocale(stored, { quiet: true }).catch(() => {});
  } else if (!cookieLocale() && LOCALES.includes(stored)) {
    rememberLocale(stored);
  }
}

async function showSignedInUser() {
  const slots = document.querySelectorAll("[data-user-name]");
  if (slots.length === 0) return;
  try {
    const user = await me();
    if (user) for (const slot of slots) slot.textContent = user.name;
  } catch {
    // The header stays as it is; the page itself reports what failed.
  }
}

function wireSignOut() {
  for (const button of document.querySelectorAll("[data-sign-out]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api("POST", "/api/auth/logout");
        window.location.assign("/");
      } catch {
        button.disabled = false;
      }
    });
  }
}

/** On phones the menu folds behind one button (without JavaScript it simply stays open). */
function wireMenu() {
  const toggle = document.querySelector(".menu-toggle");
  const nav = document.getElementById("site-nav");
  if (!toggle || !nav || !nav.querySelector("li")) return;
  toggle.hidden = false;
  document.documentElement.classList.add("has-menu-toggle");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("is-open", open);
  });
}

wireLanguageSwitch();
wireMenu();
wireSignOut();
showSignedInUser();

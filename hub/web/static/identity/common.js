// Shared by the identity pages: small DOM builders and the words for visibilities and roles.
import { t } from "/static/app.js";

/** An element with text (never HTML) and attributes; children appended in order. */
export function el(tag, { text, className, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

/** A visibility badge: the word is the information, the colour only helps. */
export function visibilityBadge(visibility) {
  return el("span", { text: t(`identity.visibility_${visibility}`), className: `badge badge--${visibility}` });
}

export function roleText(role) {
  return t(`identity.role_${role}`);
}

export function accountRoleText(role) {
  return t(`identity.account_${role}`);
}

/** A button whose accessible name says whose item it acts on: visible word + hidden person. */
export function actionButton(label, person, className = "button") {
  const button = el("button", { text: label, className, attrs: { type: "button" } });
  if (person) button.append(el("span", { text: t("identity.for_person", { name: person }), className: "visually-hidden" }));
  return button;
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "ja-JP", {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

/** Replace the children of `node` with `children`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.filter(Boolean));
}

/** A fresh Idempotency-Key (crypto.randomUUID needs HTTPS; getRandomValues works everywhere). */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// DOM builders every page shares. Text only, never HTML: `el` sets textContent, so whatever people
// typed is shown as typed.
import { locale } from "./app.js";

/** An element with text (never HTML) and attributes; children appended in order. */
export function el(tag, { text, className, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

const built = new Map(); // kind → the node `copyOf` built first

/**
 * A copy of the node `build()` makes, built once per `kind`: one native deep copy costs less than
 * the same elements, attributes and icons made one by one (the 500 card tiles of a board).
 */
export function copyOf(kind, build) {
  let node = built.get(kind);
  if (!node) {
    node = build();
    built.set(kind, node);
  }
  return node.cloneNode(true);
}

/** Replace the children of `node` with `children` (falsy ones skipped). */
export function fill(node, ...children) {
  node.replaceChildren(...children.filter(Boolean));
}

/** `iso` as a date and time in the reader's language; "" for none, the input when unreadable. */
export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale() === "en" ? "en-GB" : "ja-JP", { dateStyle: "medium", timeStyle: "short" });
}

/** A <time> element showing `iso` in the reader's language. */
export function timeEl(iso) {
  return el("time", { text: formatTime(iso), attrs: { datetime: iso || "" } });
}

/** A fresh Idempotency-Key (crypto.randomUUID needs HTTPS; getRandomValues works everywhere). */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

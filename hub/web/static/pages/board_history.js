// A card's history as sentences in the page's language: titles, column names and people's names,
// never ids or raw values ("null → false"). Fields the page does not know yet are said in general terms.
import { t } from "../app.js";

// Bookkeeping of the server, not something a person changed.
const SILENT = new Set(["version", "position", "archived", "column_id", "board_id", "updated_at", "created_at"]);

/**
 * The sentences of one history entry. `names` resolves people and columns:
 * {person(id) → name, column(id) → title, title: the card's current title}.
 */
export function historySentences(entry, names) {
  const who = entry.actor ? entry.actor.name : t("boards.someone");
  const changes = entry.changes || {};
  const title = changes.title && entry.event === "card.created" ? changes.title.to : names.title;
  const column = (id) => (id ? names.column(id) : t("boards.unknown_column"));
  switch (entry.event) {
    case "card.created":
      return [t("boards.h.created", { name: who, title, column: column(changes.column_id && changes.column_id.to) })];
    case "card.moved": {
      const moved = changes.column_id;
      if (moved && moved.from !== moved.to) {
        return [t("boards.h.moved", { name: who, title, from: column(moved.from), to: column(moved.to) })];
      }
      return [t("boards.h.reordered", { name: who, title })];
    }
    case "card.archived":
      return [t("boards.h.archived", { name: who, title })];
    case "card.restored":
      return [t("boards.h.restored", { name: who, title })];
    case "comment.created":
      return [t("boards.ev.comment.created", { name: who })];
    case "card.updated":
      return updated(who, title, changes, names);
    default:
      return [t("boards.h.changed", { name: who, title })];
  }
}

function updated(who, title, changes, names) {
  const out = [];
  for (const [field, change] of Object.entries(changes)) {
    if (SILENT.has(field)) continue;
    const from = change.from;
    const to = change.to;
    if (field === "title") {
      out.push(t("boards.h.title", { name: who, from: from || "", to: to || "" }));
    } else if (field === "description") {
      out.push(t(to ? "boards.h.description" : "boards.h.description_cleared", { name: who, title }));
    } else if (field === "due") {
      out.push(to ? t("boards.h.due", { name: who, title, due: to }) : t("boards.h.due_cleared", { name: who, title }));
    } else if (field === "labels" || field === "assignees") {
      const before = new Set(from || []);
      const after = new Set(to || []);
      const added = [...after].filter((x) => !before.has(x));
      const removed = [...before].filter((x) => !after.has(x));
      const say = (list) => list.map((x) => (field === "assignees" ? names.person(x) : x)).join(t("boards.list_sep"));
      if (added.length) out.push(t(`boards.h.${field}_added`, { name: who, title, list: say(added) }));
      if (removed.length) out.push(t(`boards.h.${field}_removed`, { name: who, title, list: say(removed) }));
    } else if (field === "due_done") {
      out.push(t(to ? "boards.h.due_done" : "boards.h.due_reopened", { name: who, title }));
    } else if (field === "checklist") {
      out.push(...checklistSentences(who, title, from || [], to || []));
    } else if (field === "attachments") {
      const before = new Set((from || []).map((a) => a.id));
      const after = new Set((to || []).map((a) => a.id));
      for (const file of to || []) if (!before.has(file.id)) out.push(t("boards.h.attached", { name: who, title, file: file.name }));
      for (const file of from || []) if (!after.has(file.id)) out.push(t("boards.h.detached", { name: who, title, file: file.name }));
    } else if (!out.includes(t("boards.h.changed", { name: who, title }))) {
      out.push(t("boards.h.changed", { name: who, title }));
    }
  }
  return out.length ? out : [t("boards.h.changed", { name: who, title })];
}

/** What happened to a checklist, item by item: added, removed, ticked, unticked, renamed, moved. */
function checklistSentences(who, title, from, to) {
  const out = [];
  const before = new Map(from.map((item) => [item.id, item]));
  const after = new Map(to.map((item) => [item.id, item]));
  for (const item of to) {
    const old = before.get(item.id);
    if (!old) {
      out.push(t("boards.h.item_added", { name: who, title, text: item.text }));
      continue;
    }
    if (old.done !== item.done) out.push(t(item.done ? "boards.h.item_ticked" : "boards.h.item_unticked", { name: who, text: item.text }));
    if (old.text !== item.text) out.push(t("boards.h.item_renamed", { name: who, from: old.text, to: item.text }));
    if (old.position !== item.position) out.push(t("boards.h.item_moved", { name: who, text: item.text }));
  }
  for (const item of from) if (!after.has(item.id)) out.push(t("boards.h.item_removed", { name: who, title, text: item.text }));
  return out;
}

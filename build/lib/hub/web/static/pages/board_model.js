// The board as the page holds it: a snapshot (GET /api/boards/{id}) folded with the events after its
// seq. The same rules as tests/boards/replay.py: `data` of an event is the whole resource after it.

const byPosition = (a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id < b.id ? -1 : 1);

export function sortBoard(board) {
  board.columns.sort(byPosition);
  for (const column of board.columns) column.cards.sort(byPosition);
}

/** Fold one event into the board; returns the id of the card or column it touched (or null). */
export function applyEvent(board, name, data) {
  const columns = board.columns;
  if (name === "column.created" || name === "column.updated" || name === "column.moved") {
    const existing = columns.find((c) => c.id === data.id);
    if (existing) Object.assign(existing, data, { cards: existing.cards });
    else columns.push({ ...data, cards: [] });
  } else if (name === "column.deleted") {
    board.columns = columns.filter((c) => c.id !== data.id);
  } else if (name === "column.rebalanced") {
    const column = columns.find((c) => c.id === data.id);
    if (column) column.cards = data.cards.map((card) => ({ ...card }));
  } else if (name.startsWith("card.")) {
    putCard(board, data);
  } else if (name === "cards.imported") {
    // A batch of an import (hub/boards/importer.py): each whole card, as card.created carries it.
    for (const card of data.cards) putCard(board, card);
    return null;
  } else {
    return null;
  }
  sortBoard(board);
  return data.id;
}

/** Place a card as the server sent it (a newer version replaces an older one, never the reverse). */
export function putCard(board, card) {
  const current = findCard(board, card.id);
  if (current && current.card.version > card.version) return false;
  for (const column of board.columns) column.cards = column.cards.filter((c) => c.id !== card.id);
  if (!card.archived) {
    const column = board.columns.find((c) => c.id === card.column_id);
    if (column) column.cards.push(card);
  }
  sortBoard(board);
  return true;
}

export function findCard(board, cardId) {
  for (const column of board.columns) {
    const index = column.cards.findIndex((c) => c.id === cardId);
    if (index >= 0) return { column, index, card: column.cards[index] };
  }
  return null;
}

/** The fields two edits may both change when they touch different ones. */
export const EDITABLE = ["title", "description", "labels", "due", "assignees"];

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A stale edit (409): keep our changes on top of the current card when nobody else changed those
 * same fields since we read it. Returns the body to send again, or null when it is a real conflict.
 */
export function mergeEdit(base, mine, current) {
  const body = { version: current.version };
  for (const field of Object.keys(mine)) {
    if (!same(base[field], current[field]) && !same(mine[field], current[field])) return null;
    if (!same(mine[field], current[field])) body[field] = mine[field];
  }
  return body;
}

// The live board page (API.md, Live boards). Everything is built with textContent; moves work by
// dragging, by the "Move…" dialog and by keyboard (Alt+arrows), as WCAG 2.2 criterion 2.5.7 asks.
import { ApiError, announce, api, me, onLocaleChange, t } from "/static/app.js";
import { applyEvent, findCard, mergeEdit, putCard, sortBoard } from "./board_model.js";
import { connect } from "/static/channel.js";

const boardId = decodeURIComponent(window.location.pathname.split("/")[2] || "");
const $ = (selector, root = document) => root.querySelector(selector);
const columnsRoot = $("[data-columns]");
const cardDialog = $("#card-dialog");
const moveDialog = $("#move-dialog");

let board = null;
let user = null;
let canChange = false;
let members = {};
let dragging = null; // {kind: "card"|"column", id}
let openCardId = null;
let baseCard = null; // the card as it was when the dialog was filled (for merging a stale edit)
let movingCardId = null;

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  if (text != null) node.textContent = text;
  return node;
}

// --- loading and live updates -------------------------------------------------------------------

async function loadBoard() {
  board = await api("GET", `/api/boards/${encodeURIComponent(boardId)}`);
  sortBoard(board);
  render();
}

let socket = null;
let channel = null;

function onEvent(frame) {
  board.seq = frame.seq;
  const touched = applyEvent(board, frame.event, frame.data);
  render();
  const byOther = !frame.actor || !user || frame.actor.id !== user.id;
  if (touched && byOther) {
    flash(touched);
    const title = frame.data.title || "";
    announce(t(`boards.ev.${frame.event}`, { name: frame.actor ? frame.actor.name : "", title }));
  }
  if (frame.event.startsWith("comment.") && frame.data.card_id === openCardId) loadNotes(openCardId);
  if (frame.data.id === openCardId && frame.event.startsWith("card.")) refreshDialog(frame.data);
}

function showStatus(state) {
  document.body.dataset.boardLive = state;
  const key = state === "live" ? "boards.live" : state === "connecting" ? "boards.connecting" : "boards.offline";
  $("[data-live-state]").textContent = t(key);
}

/** Follow board:{id} from the snapshot's seq (channel.js reconnects with `since` after any drop). */
function follow() {
  socket = connect();
  socket.onStatus(showStatus);
  channel = socket.channel(`board:${boardId}`, {
    since: board.seq,
    onEvent,
    onPresence: (state) => {
      members = state;
      renderPresence();
      renderBadges();
      renderEditors();
    },
    // Events after our seq are no longer kept: reload the snapshot quietly and go on from its seq.
    onReset: async () => {
      await loadBoard();
      return board.seq;
    },
    onError: (error) => showStatus(error.code === "not_found" ? "offline" : "live"),
  });
  if (openCardId) channel.update({ editing: openCardId });
}

function flash(id) {
  const node = columnsRoot.querySelector(`[data-card-id="${CSS.escape(id)}"], [data-column-id="${CSS.escape(id)}"]`);
  if (!node) return;
  node.classList.remove("board-card--flash");
  void node.offsetWidth; // restart the animation
  node.classList.add("board-card--flash");
}

// --- rendering ----------------------------------------------------------------------------------

function editorsOf(cardId) {
  const names = [];
  for (const [userId, entry] of Object.entries(members)) {
    if (user && userId === user.id) continue;
    if (entry.metas.some((meta) => meta.state && meta.state.editing === cardId)) names.push(entry.name);
  }
  return names;
}

function renderPresence() {
  const list = $("[data-presence]");
  list.replaceChildren();
  for (const entry of Object.values(members)) {
    const item = el("li");
    const avatar = el("span", { class: "avatar", title: entry.name, "aria-hidden": "true" }, (entry.name || "?").trim().slice(0, 1));
    item.append(avatar, el("span", { class: "visually-hidden" }, entry.name));
    list.append(item);
  }
}

/** Who edits which card, without rebuilding the board (a drag in progress is left alone). */
function renderBadges() {
  for (const badge of columnsRoot.querySelectorAll("[data-editing]")) {
    const names = editorsOf(badge.getAttribute("data-editing"));
    badge.textContent = names.length ? t("boards.editing_by", { names: names.join(", ") }) : "";
  }
}

function render() {
  if (!board) return;
  const focused = document.activeElement && document.activeElement.getAttribute("data-focus");
  $("[data-board-title]").textContent = board.title;
  document.title = `${board.title} — Dejima`;
  const columns = board.columns.map((column, index) => renderColumn(column, index));
  columnsRoot.replaceChildren(...columns);
  renderBadges();
  if (focused) {
    const again = columnsRoot.querySelector(`[data-focus="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

function renderColumn(column, index) {
  const headingId = `column-${column.id}`;
  const section = el("section", { class: "board-column", "data-column-id": column.id, "aria-labelledby": headingId });
  const head = el("div", { class: "board-column__head", draggable: canChange ? "true" : false });
  const heading = el("h2", { id: headingId }, column.title);
  heading.append(el("span", { class: "visually-hidden" }, ` ${t("boards.card_count", { count: column.cards.length })}`));
  head.append(heading);
  if (canChange) {
    const buttons = [
      ["←", "boards.column_left", index > 0 ? () => moveColumn(column.id, index - 2) : null],
      ["→", "boards.column_right", index < board.columns.length - 1 ? () => moveColumn(column.id, index) : null],
      ["✎", "boards.column_rename", () => renameColumn(column)],
      ["🗑", "boards.column_delete", () => deleteColumn(column)],
    ];
    for (const [symbol, key, action] of buttons) {
      const button = el("button", {
        type: "button", class: "button--quiet", "aria-label": t(key, { title: column.title }),
        title: t(key, { title: column.title }), "data-focus": `${key}:${column.id}`, disabled: !action,
      }, symbol);
      if (action) button.addEventListener("click", action);
      head.append(button);
    }
    head.addEventListener("dragstart", (event) => {
      dragging = { kind: "column", id: column.id };
      event.dataTransfer.setData("text/plain", column.title);
      event.dataTransfer.effectAllowed = "move";
    });
  }
  const list = el("ul", { class: "board-cards", "aria-labelledby": headingId });
  column.cards.forEach((card, position) => list.append(renderCard(card, column, position)));
  wireCardDrop(section, list, column);
  section.append(head, list);
  if (canChange) section.append(renderAddCard(column));
  return section;
}

function renderCard(card, column, position) {
  const item = el("li", { class: "board-card", "data-card-id": card.id, draggable: canChange ? "true" : false });
  const open = el("button", {
    type: "button", class: "board-card__title", "data-focus": `card:${card.id}`,
    "aria-describedby": `card-meta-${card.id}`,
  }, card.title);
  open.addEventListener("click", () => openCard(card.id));
  const meta = el("div", { class: "board-card__meta", id: `card-meta-${card.id}` });
  meta.append(el("span", { class: "visually-hidden" }, t("boards.position_of", { n: position + 1, count: column.cards.length })));
  for (const label of card.labels) meta.append(el("span", { class: "board-label" }, label));
  if (card.due) meta.append(el("span", {}, t("boards.due_on", { date: card.due })));
  if (card.assignees.length) meta.append(el("span", {}, t("boards.assigned_count", { count: card.assignees.length })));
  item.append(open, meta);
  item.append(el("p", { class: "board-card__editing", "data-editing": card.id }));
  if (canChange) {
    const actions = el("div", { class: "board-card__actions" });
    const move = el("button", {
      type: "button", class: "button--quiet", "data-focus": `move:${card.id}`, "aria-label": t("boards.move_card", { title: card.title }),
    }, t("boards.move"));
    move.addEventListener("click", () => openMove(card.id));
    actions.append(move);
    item.append(actions);
    item.addEventListener("keydown", (event) => keyMove(event, card.id));
    item.addEventListener("dragstart", (event) => {
      dragging = { kind: "card", id: card.id };
      event.dataTransfer.setData("text/plain", card.title);
      event.dataTransfer.effectAllowed = "move";
      item.classList.add("board-card--dragging");
    });
    item.addEventListener("dragend", () => item.classList.remove("board-card--dragging"));
  }
  return item;
}

function renderAddCard(column) {
  const form = el("form", { class: "board-add-card" });
  const inputId = `new-card-${column.id}`;
  const label = el("label", { for: inputId, class: "visually-hidden" }, t("boards.new_card_in", { title: column.title }));
  const input = el("input", { id: inputId, maxlength: "200", autocomplete: "off", "data-focus": `new:${column.id}`, placeholder: t("boards.new_card") });
  const button = el("button", { type: "submit", class: "button" }, t("boards.add_card"));
  form.append(label, input, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const title = input.value.trim();
    if (!title) return;
    const last = column.cards[column.cards.length - 1];
    const card = await api("POST", `/api/boards/${encodeURIComponent(boardId)}/cards`,
      { column_id: column.id, title, after: last ? last.id : null }, { headers: { "Idempotency-Key": newKey() } });
    input.value = "";
    putCard(board, card);
    render();
    announce(t("boards.card_added", { title: card.title }));
  });
  return form;
}

function newKey() {
  return window.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

// --- moving cards and columns -------------------------------------------------------------------

async function moveCard(cardId, columnId, after) {
  try {
    const card = await api("POST", `/api/cards/${encodeURIComponent(cardId)}/move`, { column_id: columnId, after });
    putCard(board, card);
    render();
    const found = findCard(board, cardId);
    if (found) {
      announce(t("boards.moved_to", { title: card.title, column: found.column.title, n: found.index + 1, count: found.column.cards.length }));
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) await loadBoard();
  }
}

function keyMove(event, cardId) {
  if (!event.altKey || !["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(event.key)) return;
  event.preventDefault();
  const found = findCard(board, cardId);
  if (!found) return;
  const { column, index } = found;
  const others = column.cards.filter((c) => c.id !== cardId);
  if (event.key === "ArrowUp" && index > 0) {
    moveCard(cardId, column.id, index >= 2 ? others[index - 2].id : null);
  } else if (event.key === "ArrowDown" && index < column.cards.length - 1) {
    moveCard(cardId, column.id, others[index].id);
  } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
    const columnIndex = board.columns.indexOf(column) + (event.key === "ArrowLeft" ? -1 : 1);
    const target = board.columns[columnIndex];
    if (!target) return;
    const at = Math.min(index, target.cards.length);
    moveCard(cardId, target.id, at > 0 ? target.cards[at - 1].id : null);
  }
}

function dropIndex(list, clientY) {
  // Dropping on the lower half of a card (or its centre) places the card after it.
  const cards = Array.from(list.querySelectorAll("[data-card-id]")).filter((n) => !dragging || n.dataset.cardId !== dragging.id);
  let after = null;
  for (const node of cards) {
    const box = node.getBoundingClientRect();
    if (clientY >= box.top + box.height / 2) after = node.dataset.cardId;
  }
  return after;
}

function wireCardDrop(section, list, column) {
  section.addEventListener("dragover", (event) => {
    if (!dragging) return;
    event.preventDefault();
    if (dragging.kind === "card") section.classList.add("board-column--drop");
  });
  section.addEventListener("dragleave", () => section.classList.remove("board-column--drop"));
  section.addEventListener("drop", (event) => {
    event.preventDefault();
    section.classList.remove("board-column--drop");
    const drag = dragging;
    dragging = null;
    if (!drag) return;
    if (drag.kind === "card") {
      moveCard(drag.id, column.id, dropIndex(list, event.clientY));
    } else if (drag.id !== column.id) {
      const box = section.getBoundingClientRect();
      const others = board.columns.filter((c) => c.id !== drag.id);
      const index = others.findIndex((c) => c.id === column.id);
      const afterIndex = event.clientX >= box.left + box.width / 2 ? index : index - 1;
      moveColumnAfter(drag.id, afterIndex >= 0 ? others[afterIndex].id : null);
    }
  });
}

async function moveColumnAfter(columnId, after) {
  const column = await api("POST", `/api/columns/${encodeURIComponent(columnId)}/move`, { after });
  applyEvent(board, "column.moved", column);
  render();
  announce(t("boards.column_moved", { title: column.title }));
}

function moveColumn(columnId, afterIndex) {
  const others = board.columns.filter((c) => c.id !== columnId);
  return moveColumnAfter(columnId, afterIndex >= 0 && others[afterIndex] ? others[afterIndex].id : null);
}

async function renameColumn(column) {
  const title = window.prompt(t("boards.column_rename", { title: column.title }), column.title);
  if (!title || title === column.title) return;
  const updated = await api("PATCH", `/api/columns/${encodeURIComponent(column.id)}`, { version: column.version, title });
  applyEvent(board, "column.updated", updated);
  render();
}

async function deleteColumn(column) {
  if (!window.confirm(t("boards.column_delete_confirm", { title: column.title }))) return;
  await api("DELETE", `/api/columns/${encodeURIComponent(column.id)}`);
  applyEvent(board, "column.deleted", column);
  render();
  announce(t("boards.column_deleted", { title: column.title }));
}

function openMove(cardId) {
  const found = findCard(board, cardId);
  if (!found) return;
  movingCardId = cardId;
  $("[data-move-heading]").textContent = t("boards.move_card", { title: found.card.title });
  const columnSelect = $("#move-column");
  columnSelect.replaceChildren(...board.columns.map((c) => el("option", { value: c.id, selected: c.id === found.column.id }, c.title)));
  fillPositions(found.column.id, found.index > 0 ? found.column.cards[found.index - 1].id : null);
  moveDialog.showModal();
}

function fillPositions(columnId, selectedAfter) {
  const column = board.columns.find((c) => c.id === columnId);
  const options = [el("option", { value: "", selected: selectedAfter === null }, t("boards.position_top"))];
  for (const card of column ? column.cards : []) {
    if (card.id === movingCardId) continue;
    options.push(el("option", { value: card.id, selected: card.id === selectedAfter }, t("boards.position_after", { title: card.title })));
  }
  $("#move-after").replaceChildren(...options);
}

$("#move-column").addEventListener("change", (event) => fillPositions(event.target.value, null));
$("[data-move-cancel]").addEventListener("click", () => moveDialog.close());
$("[data-move-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const cardId = movingCardId;
  moveDialog.close();
  await moveCard(cardId, $("#move-column").value, $("#move-after").value || null);
  const again = columnsRoot.querySelector(`[data-focus="card:${CSS.escape(cardId)}"]`);
  if (again) again.focus();
});

// --- the card dialog ----------------------------------------------------------------------------

function fillCardForm(card) {
  baseCard = card;
  const form = $("[data-card-form]");
  $("[data-card-heading]").textContent = card.title;
  form.elements.title.value = card.title;
  form.elements.description.value = card.description;
  form.elements.labels.value = card.labels.join(", ");
  form.elements.due.value = card.due || "";
  for (const control of form.elements) control.disabled = !canChange;
}

function refreshDialog(card) {
  // Someone else changed the open card: show their values unless this person is typing over them.
  const form = $("[data-card-form]");
  // Otherwise the base stays as it was read, so that saving merges or reports the conflict.
  if (!form.contains(document.activeElement)) fillCardForm(card);
  renderEditors();
}

function renderEditors() {
  const names = openCardId ? editorsOf(openCardId) : [];
  $("[data-card-editors]").textContent = names.length ? t("boards.editing_by", { names: names.join(", ") }) : "";
}

async function openCard(cardId) {
  const found = findCard(board, cardId);
  if (!found) return;
  openCardId = cardId;
  fillCardForm(found.card);
  renderEditors();
  cardDialog.showModal();
  channel.update({ editing: cardId });
  await loadNotes(cardId);
}

cardDialog.addEventListener("close", () => {
  const cardId = openCardId;
  openCardId = null;
  channel.update({});
  const again = cardId && columnsRoot.querySelector(`[data-focus="card:${CSS.escape(cardId)}"]`);
  if (again) again.focus();
});

function formChanges() {
  const form = $("[data-card-form]");
  const labels = [...new Set(form.elements.labels.value.split(/[,、]/).map((s) => s.trim()).filter(Boolean))];
  const values = {
    title: form.elements.title.value,
    description: form.elements.description.value,
    labels,
    due: form.elements.due.value || null,
  };
  const changes = {};
  for (const [name, value] of Object.entries(values)) {
    if (JSON.stringify(value) !== JSON.stringify(baseCard[name])) changes[name] = value;
  }
  return changes;
}

$("[data-card-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const changes = formChanges();
  if (Object.keys(changes).length === 0) return;
  const path = `/api/cards/${encodeURIComponent(openCardId)}`;
  let card;
  try {
    card = await api("PATCH", path, { version: baseCard.version, ...changes }, { quiet: true });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409 || !error.body || !error.body.current) {
      await api("PATCH", path, { version: baseCard.version, ...changes });
      return;
    }
    const current = error.body.current;
    const merged = mergeEdit(baseCard, changes, current);
    if (!merged) {
      fillCardForm(current);
      announce(t("boards.conflict_reloaded"));
      return;
    }
    // Different fields changed meanwhile: keep both, as the person would by re-reading and re-applying.
    card = await api("PATCH", path, merged);
    announce(t("boards.merged"));
  }
  putCard(board, card);
  fillCardForm(card);
  render();
  announce(t("boards.saved", { title: card.title }));
});

$("[data-archive]").addEventListener("click", async () => {
  const card = await api("POST", `/api/cards/${encodeURIComponent(openCardId)}/archive`, {});
  putCard(board, card);
  cardDialog.close();
  render();
  announce(t("boards.archived", { title: card.title }));
});

async function loadNotes(cardId) {
  const [comments, history] = await Promise.all([
    api("GET", `/api/cards/${encodeURIComponent(cardId)}/comments`),
    api("GET", `/api/cards/${encodeURIComponent(cardId)}/history`),
  ]);
  if (cardId !== openCardId) return;
  const when = (at) => new Date(at).toLocaleString(document.documentElement.lang);
  $("[data-comments]").replaceChildren(...comments.map((c) => el("li", {}, `${c.author.name} (${when(c.created_at)}): ${c.body}`)));
  $("[data-history]").replaceChildren(...history.slice().reverse().map((entry) => {
    const fields = Object.entries(entry.changes)
      .filter(([name]) => name !== "version" && name !== "position")
      .map(([name, change]) => `${name}: ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`);
    const who = entry.actor ? entry.actor.name : "";
    return el("li", {}, `${when(entry.at)} — ${t(`boards.ev.${entry.event}`, { name: who, title: "" })}${fields.length ? `\n${fields.join("\n")}` : ""}`);
  }));
}

$("[data-comment-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const field = event.target.elements.body;
  if (!field.value.trim()) return;
  await api("POST", `/api/cards/${encodeURIComponent(openCardId)}/comments`, { body: field.value }, { headers: { "Idempotency-Key": newKey() } });
  field.value = "";
  await loadNotes(openCardId);
});

$("[data-add-column]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = event.target.elements.title;
  const title = input.value.trim();
  if (!title) return;
  const column = await api("POST", `/api/boards/${encodeURIComponent(boardId)}/columns`, { title }, { headers: { "Idempotency-Key": newKey() } });
  input.value = "";
  applyEvent(board, "column.created", column);
  render();
});

// --- start --------------------------------------------------------------------------------------

async function start() {
  user = await me();
  await loadBoard();
  try {
    const project = await api("GET", `/api/projects/${encodeURIComponent(board.project_id)}`, undefined, { quiet: true });
    canChange = user.role === "admin" || (user.role !== "kiosk" && ["owner", "editor"].includes(project.my_role));
  } catch {
    canChange = false;
  }
  $("[data-add-column]").hidden = !canChange;
  render();
  follow();
  // For tests and the curious: drop the socket as a network failure would, or pause and resume.
  window.dejimaBoard = {
    board: () => board,
    drop: () => socket.ws && socket.ws.close(4000),
    pause: () => {
      socket.close();
      showStatus("offline");
    },
    resume: () => follow(),
  };
}

onLocaleChange(() => {
  render();
  renderPresence();
});
start();

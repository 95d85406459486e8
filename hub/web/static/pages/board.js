// The live board page (API.md, Live boards and "Pages people use"). Everything is built with
// textContent. Remote changes patch the column(s) and card they touch (board_view.js), so nothing a
// person types, no dialog and no focus is lost; moves work by dragging, by the card menu's "Move…"
// dialog and by keyboard (Alt+arrows), as WCAG 2.2 criterion 2.5.7 asks.
import {
  ApiError, announce, api, clearFieldErrors, describeError, me, onLocaleChange, setFieldError, showFieldErrors, t,
  takeRead,
} from "../app.js";
import { applyEvent, findCard, putCard, sortBoard } from "./board_model.js";
import { BoardView, el, initials } from "./board_view.js";
import { CardDialog } from "./board_card.js";
import { connect } from "../channel.js";

const boardId = decodeURIComponent(window.location.pathname.split("/")[2] || "");
const $ = (selector, root = document) => root.querySelector(selector);
const TYPICAL_COLUMNS = ["boards.typical_todo", "boards.typical_doing", "boards.typical_done"];
const UNDO_VISIBLE_MS = 20_000;

/** What the page knows; board_card.js reads it too. */
const state = {
  board: null,
  user: null,
  project: null,
  canChange: false,
  presence: {}, // user id → {name, metas}
  people: new Map(), // user id → full name (project members, people present, the user)
  hubs: new Map(), // hub id → name
  onlyMine: new URLSearchParams(window.location.search).get("mine") === "1",
  liveState: "connecting",
};

let socket = null;
let channel = null;
let dragging = null; // {kind: "card"|"column", id}
let movingCardId = null;
let renamingColumnId = null;
// Timings of remote changes for bench/board_page.py: arrival → patched → next frame painted.
const timings = [];

const person = (id) => state.people.get(id) || t("boards.unknown_person");

function editorsOf(cardId) {
  const names = [];
  for (const [userId, entry] of Object.entries(state.presence)) {
    if (state.user && userId === state.user.id) continue;
    if (entry.metas.some((meta) => meta.state && meta.state.editing === cardId)) names.push(entry.name);
  }
  return names;
}

const view = new BoardView(
  $("[data-columns]"),
  () => ({ board: state.board, canChange: state.canChange, userId: state.user && state.user.id, person, editorsOf, matches, names: state.people.size }),
  {
    openCard: (id) => dialog.open(id),
    openMove,
    archiveCard: (id) => archiveCard(id),
    keyMove,
    addCard,
    moveColumn,
    renameColumn,
    deleteColumn,
    dragStart,
    wireDrop,
  },
);

const dialog = new CardDialog(state, {
  person,
  editorsOf,
  presence: (value) => channel && channel.update(value),
  cardSaved: (card) => placeCard(card),
  archiveCard: (id) => archiveCard(id),
  focusCard: (id) => view.focusCard(id),
  rightsLost: () => refreshRights(),
});

// --- loading and live updates -------------------------------------------------------------------

/** Read the board's snapshot (or take the one `fetching` already asked for) and draw it whole. */
async function loadBoard(fetching = fetchBoard()) {
  state.board = await fetching;
  sortBoard(state.board);
  renderAll();
}

function fetchBoard() {
  return api("GET", `/api/boards/${encodeURIComponent(boardId)}`);
}

/** A full render: the first paint, a snapshot reloaded, a language or rights change. */
function renderAll() {
  if (!state.board) return;
  const heading = $("[data-board-title]");
  heading.removeAttribute("data-i18n"); // the board's own title from now on, not "Loading…"
  heading.textContent = state.board.title;
  document.title = `${state.board.title} — Dejima`;
  view.renderAll();
  renderEmpty();
  applyFilter();
}

function renderEmpty() {
  const empty = state.board.columns.length === 0;
  $("[data-empty]").hidden = !empty;
  $("[data-empty-how]").textContent = t(state.canChange ? "boards.empty_how" : "boards.empty_how_readonly");
  $("[data-typical-columns]").hidden = !(empty && state.canChange);
}

/** The column(s) an event touches, so that only they are patched. */
function onEvent(frame) {
  const arrival = performance.now();
  const board = state.board;
  board.seq = frame.seq;
  const touched = new Set();
  if (frame.event.startsWith("card.")) {
    const before = findCard(board, frame.data.id);
    if (before) touched.add(before.column.id);
    touched.add(frame.data.column_id);
  } else if (frame.event.startsWith("column.")) {
    touched.add(frame.data.id);
  } else if (frame.event === "cards.imported") {
    for (const card of frame.data.cards) touched.add(card.column_id);
  }
  const id = applyEvent(board, frame.event, frame.data);
  if (id || frame.event === "cards.imported") {
    view.patch(touched);
    if (frame.event.startsWith("column.")) renderEmpty();
    if (filterActive()) renderFilterState();
  }
  const patched = performance.now();
  if (timings.length < 10_000) {
    // `frame`: the animation frame that carries the change starts; `tick`: that frame's begin time as
    // the frame clock gave it (requestAnimationFrame's argument); `painted`: a message posted from it
    // runs, i.e. after that frame's style, layout and paint (bench/board_page.py splits the time so).
    const entry = { event: frame.event, seq: frame.seq, arrival, patched, frame: null, tick: null, painted: null };
    timings.push(entry);
    requestAnimationFrame((tick) => {
      entry.frame = performance.now();
      entry.tick = tick;
      const after = new MessageChannel();
      after.port1.onmessage = () => {
        entry.painted = performance.now();
      };
      after.port2.postMessage(null);
    });
  }
  const byOther = !frame.actor || !state.user || frame.actor.id !== state.user.id;
  if (id && byOther) {
    view.flash(id);
    const title = frame.data.title || "";
    announce(t(`boards.ev.${frame.event}`, { name: frame.actor ? frame.actor.name : t("boards.someone"), title }));
  }
  if (frame.event.startsWith("comment.")) dialog.commentAdded(frame.data.card_id);
  if (frame.event.startsWith("card.")) {
    dialog.cardChanged(frame.data);
    if (frame.event === "card.archived" || frame.event === "card.restored") refreshArchived();
  }
}

function showStatus(value) {
  state.liveState = value;
  document.body.dataset.boardLive = value;
  const key = value === "live" ? "boards.live" : value === "connecting" ? "boards.connecting" : "boards.offline";
  $("[data-live-state]").textContent = t(key);
}

/** Follow board:{id} from the snapshot's seq (channel.js reconnects with `since` after any drop). */
function follow() {
  socket = connect();
  socket.onStatus(showStatus);
  channel = socket.channel(`board:${boardId}`, {
    since: state.board.seq,
    onEvent,
    onPresence: (members) => {
      state.presence = members;
      for (const [id, entry] of Object.entries(members)) if (entry.name && !state.people.has(id)) state.people.set(id, entry.name);
      renderPresence();
      view.fillAllEditing();
      dialog.renderEditors();
    },
    // Events after our seq are no longer kept: reload the snapshot quietly and go on from its seq.
    onReset: async () => {
      await loadBoard();
      return state.board.seq;
    },
    onError: (error) => {
      if (error.code === "not_found" || error.code === "forbidden") {
        showStatus("offline");
        refreshRights();
      }
    },
    // A role changed (a viewer made an editor, an approval): the open page follows without a reload.
    onRights: () => refreshRights(),
  });
  if (dialog.cardId) channel.update({ editing: dialog.cardId });
}

function renderPresence() {
  const list = $("[data-presence]");
  const items = [];
  for (const entry of Object.values(state.presence)) {
    const hubs = [...new Set(entry.metas.map((meta) => meta.hub).filter(Boolean))].map((id) => state.hubs.get(id) || id);
    const item = el("li", { class: "presence__person" });
    item.append(el("span", { class: "avatar avatar--small", "aria-hidden": "true" }, initials(entry.name)));
    const text = el("span", { class: "presence__name" }, entry.name);
    if (hubs.length) text.append(el("span", { class: "presence__hub" }, t("boards.at_hub", { hub: hubs.join(t("boards.list_sep")) })));
    item.append(text);
    items.push(item);
  }
  list.replaceChildren(...items);
}

// --- rights -------------------------------------------------------------------------------------

async function refreshRights() {
  const user = state.user;
  let project = null;
  try {
    project = await api("GET", `/api/projects/${encodeURIComponent(state.board.project_id)}`, undefined, { quiet: true });
  } catch {
    project = null;
  }
  state.project = project;
  if (project) for (const member of project.members) state.people.set(member.user_id, member.name);
  const canChange = user.role === "admin" || (user.role !== "kiosk" && !!project && ["owner", "editor"].includes(project.my_role));
  const changed = canChange !== state.canChange;
  state.canChange = canChange;
  renderRights();
  if (changed) {
    renderAll();
    dialog.rightsChanged();
  }
}

function renderRights() {
  const project = state.project;
  const user = state.user;
  $("[data-add-column]").hidden = !state.canChange;
  $("[data-readonly]").hidden = state.canChange;
  const mayAsk = !!project && ["partner", "member"].includes(user.role) && !project.my_role;
  const pending = mayAsk && project.my_join_request && project.my_join_request.status === "pending";
  const why = $("[data-readonly-why]");
  why.textContent = state.canChange ? "" : t(pending ? "boards.join_pending" : mayAsk ? "boards.view_only_join" : "boards.view_only_why");
  $("[data-join]").hidden = !mayAsk || pending;
  document.body.toggleAttribute("data-board-readonly", !state.canChange);
}

$("[data-join]").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    await api("POST", `/api/projects/${encodeURIComponent(state.board.project_id)}/join-requests`, { message: "" }, { headers: { "Idempotency-Key": newKey() } });
    announce(t("boards.join_sent"));
  } finally {
    button.disabled = false;
  }
  await refreshRights();
});

// --- the filter: text, label, assignee, due, "my cards"; kept in the URL ---------------------------------

const filterForm = $("[data-filter]");
const FILTER_PARAMS = ["q", "label", "assignee", "due"];
let announceTimer = null;

function readFilter() {
  const params = new URLSearchParams(window.location.search);
  const filter = {};
  for (const name of FILTER_PARAMS) filter[name] = (params.get(name) || "").trim();
  return filter;
}
state.filter = readFilter();

const fold = (text) => String(text || "").normalize("NFKC").toLowerCase();

/** A date alone means the end of that day (API.md, "Finding and reminding"); here in local time. */
function dueMoment(due) {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(due);
  return day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]), 23, 59, 59, 999) : new Date(due);
}

function weekBounds(now) {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  start.setDate(start.getDate() - ((start.getDay() + 6) % 7)); // Monday
  const end = new Date(start);
  end.setDate(end.getDate() + 7);
  return [start, end];
}

const filterActive = () => state.onlyMine || FILTER_PARAMS.some((name) => state.filter[name]);

/** Whether a card shows under the current filter (every part must match). */
function matches(card) {
  if (!filterActive()) return true;
  const { q, label, assignee, due } = state.filter;
  const userId = state.user && state.user.id;
  if (state.onlyMine && !card.assignees.includes(userId)) return false;
  if (label && !card.labels.includes(label)) return false;
  if (assignee === "none" ? card.assignees.length > 0 : assignee && !card.assignees.includes(assignee === "me" ? userId : assignee)) return false;
  if (due === "none" && card.due) return false;
  if (due === "overdue" && (!card.due || card.due_done || dueMoment(card.due) >= new Date())) return false;
  if (due === "week") {
    const [start, end] = weekBounds(new Date());
    const moment = card.due && dueMoment(card.due);
    if (!moment || moment < start || moment >= end) return false;
  }
  if (q) {
    const needle = fold(q);
    const hay = fold([card.title, card.description, ...card.labels].join("\n"));
    if (!hay.includes(needle)) return false;
  }
  return true;
}

function cardCounts() {
  let total = 0;
  let shown = 0;
  for (const column of state.board.columns) {
    for (const card of column.cards) {
      total += 1;
      if (matches(card)) shown += 1;
    }
  }
  return { total, shown };
}

/** The choices of the label and assignee lists, from the board's cards and the project's members. */
function fillFilterChoices(force = false) {
  const labels = new Set();
  for (const column of state.board.columns) for (const card of column.cards) for (const label of card.labels) labels.add(label);
  if (state.filter.label) labels.add(state.filter.label);
  const labelSelect = $("#filter-label");
  if (force || document.activeElement !== labelSelect) {
    labelSelect.replaceChildren(
      el("option", { value: "" }, t("boards.filter_any")),
      ...[...labels].sort().map((label) => el("option", { value: label }, label)),
    );
    labelSelect.value = state.filter.label;
  }
  const people = new Map();
  if (state.project) for (const member of state.project.members) people.set(member.user_id, member.name);
  for (const column of state.board.columns) for (const card of column.cards) for (const id of card.assignees) people.set(id, person(id));
  if (state.user) people.delete(state.user.id);
  const assigneeSelect = $("#filter-assignee");
  if (force || document.activeElement !== assigneeSelect) {
    const chosen = state.filter.assignee;
    if (chosen && !["me", "none"].includes(chosen) && !people.has(chosen)) people.set(chosen, person(chosen));
    assigneeSelect.replaceChildren(
      el("option", { value: "" }, t("boards.filter_anyone")),
      el("option", { value: "me" }, t("boards.filter_me")),
      el("option", { value: "none" }, t("boards.filter_nobody")),
      ...[...people].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => el("option", { value: id }, name)),
    );
    assigneeSelect.value = chosen;
  }
}

/** Show the count ("12 / 80 件のカードを表示"); `say` reads it out (after the person changed the filter). */
function renderFilterState(say = false) {
  $("[data-only-mine]").setAttribute("aria-pressed", String(state.onlyMine));
  const active = filterActive();
  $("[data-filter-clear]").hidden = !active;
  const count = $("[data-filter-count]");
  count.hidden = !active;
  if (!state.board) return;
  const text = active ? t("boards.filter_count", cardCounts()) : "";
  if (count.textContent !== text) count.textContent = text;
  if (say) {
    window.clearTimeout(announceTimer);
    // While someone types, only the count after they pause is read out.
    announceTimer = window.setTimeout(() => announce(active ? t("boards.filter_count", cardCounts()) : t("boards.filter_cleared", cardCounts())), 600);
  }
}

/** The filter as the URL has it, onto the form and the cards (a full render, a language change). */
function applyFilter() {
  const form = filterForm.elements;
  if (document.activeElement !== form.q && form.q.value !== state.filter.q) form.q.value = state.filter.q;
  form.due.value = state.filter.due;
  fillFilterChoices();
  view.refilter();
  renderFilterState();
}

function filterChanged() {
  const form = filterForm.elements;
  state.filter = { q: form.q.value.trim(), label: form.label.value, assignee: form.assignee.value, due: form.due.value };
  const url = new URL(window.location.href);
  for (const name of FILTER_PARAMS) {
    if (state.filter[name]) url.searchParams.set(name, state.filter[name]);
    else url.searchParams.delete(name);
  }
  if (state.onlyMine) url.searchParams.set("mine", "1");
  else url.searchParams.delete("mine");
  window.history.replaceState(null, "", url);
  view.refilter();
  renderFilterState(true);
}

filterForm.addEventListener("submit", (event) => event.preventDefault());
filterForm.addEventListener("input", filterChanged);
filterForm.addEventListener("change", filterChanged);
// The lists learn labels and people added since the page loaded when the person comes to them.
for (const select of [$("#filter-label"), $("#filter-assignee")]) select.addEventListener("focus", () => fillFilterChoices(true));
$("[data-filter-clear]").addEventListener("click", () => {
  const form = filterForm.elements;
  form.q.value = "";
  form.label.value = "";
  form.assignee.value = "";
  form.due.value = "";
  state.onlyMine = false;
  filterChanged();
  form.q.focus();
});

$("[data-only-mine]").addEventListener("click", () => {
  state.onlyMine = !state.onlyMine;
  filterChanged();
});

// --- changes made here --------------------------------------------------------------------------

/** Put a card the server answered with in place and patch its old and new column. */
function placeCard(card) {
  const before = findCard(state.board, card.id);
  const touched = new Set([card.column_id]);
  if (before) touched.add(before.column.id);
  if (putCard(state.board, card)) {
    view.patch(touched);
    if (filterActive()) renderFilterState();
  }
}

function newKey() {
  return window.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

async function addCard(columnId, input) {
  const title = input.value.trim();
  if (!title) return;
  const column = state.board.columns.find((c) => c.id === columnId);
  const last = column && column.cards[column.cards.length - 1];
  const card = await api("POST", `/api/boards/${encodeURIComponent(boardId)}/cards`,
    { column_id: columnId, title, after: last ? last.id : null }, { headers: { "Idempotency-Key": newKey() } });
  // Only what this submit sent is cleared: text typed since stays.
  if (input.value.trim() === title) input.value = "";
  placeCard(card);
  announce(t("boards.card_added", { title: card.title }));
}

async function addColumn(title) {
  const column = await api("POST", `/api/boards/${encodeURIComponent(boardId)}/columns`,
    { title, after: lastColumnId() }, { headers: { "Idempotency-Key": newKey() } });
  applyEvent(state.board, "column.created", column);
  view.patch(new Set([column.id]));
  renderEmpty();
  return column;
}

function lastColumnId() {
  const columns = state.board.columns;
  return columns.length ? columns[columns.length - 1].id : null;
}

$("[data-add-column]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = event.target.elements.title;
  const title = input.value.trim();
  if (!title) return;
  await addColumn(title);
  if (input.value.trim() === title) input.value = "";
});

$("[data-typical-columns]").addEventListener("click", async () => {
  for (const key of TYPICAL_COLUMNS) await addColumn(t(key));
  announce(t("boards.typical_added"));
  const first = document.querySelector("[data-focus^='new:']");
  if (first) first.focus();
});

// --- moving cards and columns -------------------------------------------------------------------

async function moveCard(cardId, columnId, after) {
  try {
    const card = await api("POST", `/api/cards/${encodeURIComponent(cardId)}/move`, { column_id: columnId, after });
    placeCard(card);
    const found = findCard(state.board, cardId);
    if (found) {
      announce(t("boards.moved_to", { title: card.title, column: found.column.title, n: found.index + 1, count: found.column.cards.length }));
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) await loadBoard();
    if (error instanceof ApiError && error.status === 403) await refreshRights();
  }
}

function keyMove(event, cardId) {
  if (!event.altKey || !["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(event.key)) return;
  event.preventDefault();
  const found = findCard(state.board, cardId);
  if (!found) return;
  const { column, index } = found;
  const others = column.cards.filter((c) => c.id !== cardId);
  if (event.key === "ArrowUp" && index > 0) {
    moveCard(cardId, column.id, index >= 2 ? others[index - 2].id : null);
  } else if (event.key === "ArrowDown" && index < column.cards.length - 1) {
    moveCard(cardId, column.id, others[index].id);
  } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
    const columnIndex = state.board.columns.indexOf(column) + (event.key === "ArrowLeft" ? -1 : 1);
    const target = state.board.columns[columnIndex];
    if (!target) return;
    const at = Math.min(index, target.cards.length);
    moveCard(cardId, target.id, at > 0 ? target.cards[at - 1].id : null);
  }
}

function dragStart(event, what) {
  dragging = what;
  const title = what.kind === "card" ? (findCard(state.board, what.id) || { card: { title: "" } }).card.title : "";
  event.dataTransfer.setData("text/plain", title);
  event.dataTransfer.effectAllowed = "move";
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

function wireDrop(section, list, columnId) {
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
      moveCard(drag.id, columnId, dropIndex(list, event.clientY));
    } else if (drag.id !== columnId) {
      const box = section.getBoundingClientRect();
      const others = state.board.columns.filter((c) => c.id !== drag.id);
      const index = others.findIndex((c) => c.id === columnId);
      const afterIndex = event.clientX >= box.left + box.width / 2 ? index : index - 1;
      moveColumnAfter(drag.id, afterIndex >= 0 ? others[afterIndex].id : null);
    }
  });
}

async function moveColumnAfter(columnId, after) {
  const column = await api("POST", `/api/columns/${encodeURIComponent(columnId)}/move`, { after });
  applyEvent(state.board, "column.moved", column);
  view.patch(new Set([column.id]));
  announce(t("boards.column_moved", { title: column.title }));
}

function moveColumn(columnId, afterIndex) {
  const others = state.board.columns.filter((c) => c.id !== columnId);
  return moveColumnAfter(columnId, afterIndex >= 0 && others[afterIndex] ? others[afterIndex].id : null);
}

// --- the page's dialogs keep the focus: Tab past the last control comes back to the first (a modal
// <dialog> alone lets it leave for the browser's own controls), Shift+Tab the other way -------------

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

for (const node of document.querySelectorAll("dialog.board-dialog")) {
  node.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const items = Array.from(node.querySelectorAll(FOCUSABLE)).filter((item) => item.checkVisibility());
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    } else if (event.shiftKey && (document.activeElement === first || document.activeElement === node)) {
      event.preventDefault();
      last.focus();
    }
  });
}

// --- renaming and deleting a column: the page's own modal dialogs (focus stays inside, Escape closes,
// the focus goes back to the column's menu button, errors sit next to what they concern) ------------

const columnDialog = $("#column-dialog");
const columnTitle = $("#column-title");
const deleteDialog = $("#column-delete-dialog");
let deletingColumnId = null;

function backToColumn(columnId) {
  const button = columnId && document.querySelector(`[data-focus="column-menu:${CSS.escape(columnId)}"]`);
  if (button) button.focus();
}

function renameColumn(columnId) {
  const column = state.board.columns.find((c) => c.id === columnId);
  if (!column) return;
  renamingColumnId = columnId;
  clearFieldErrors(columnDialog);
  $("[data-column-heading]").textContent = t("boards.column_rename", { title: column.title });
  columnTitle.value = column.title;
  columnDialog.showModal();
  columnTitle.select();
}

columnDialog.addEventListener("close", () => {
  const columnId = renamingColumnId;
  renamingColumnId = null;
  backToColumn(columnId);
});
$("[data-column-cancel]").addEventListener("click", () => columnDialog.close());
$("[data-column-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(columnDialog);
  const column = state.board.columns.find((c) => c.id === renamingColumnId);
  if (!column) {
    columnDialog.close();
    return;
  }
  const title = columnTitle.value.trim();
  if (!title) {
    setFieldError(columnTitle, t("boards.column_title_needed"));
    columnTitle.focus();
    return;
  }
  if (title === column.title) {
    columnDialog.close();
    return;
  }
  try {
    const updated = await api("PATCH", `/api/columns/${encodeURIComponent(column.id)}`, { version: column.version, title }, { quiet: true });
    applyEvent(state.board, "column.updated", updated);
    view.patch(new Set([column.id]));
    columnDialog.close();
    announce(t("boards.column_renamed", { title: updated.title }));
  } catch (error) {
    // Shown under the name, in the page's language; the dialog stays open with what was typed.
    const current = state.board.columns.find((c) => c.id === column.id);
    const text = error instanceof ApiError && error.status === 409
      ? t("boards.column_changed_meanwhile", { title: current ? current.title : column.title })
      : error instanceof ApiError ? describeError(error) : t("errors.internal");
    if (!(error instanceof ApiError && showFieldErrors(error, { title: "column-title" }))) setFieldError(columnTitle, text);
    columnTitle.focus();
    if (error instanceof ApiError && error.status === 403) refreshRights();
  }
});

function deleteColumn(columnId) {
  const column = state.board.columns.find((c) => c.id === columnId);
  if (!column) return;
  deletingColumnId = columnId;
  $("[data-column-delete-heading]").textContent = t("boards.column_delete_confirm", { title: column.title });
  $("[data-column-delete-error]").textContent = "";
  deleteDialog.showModal();
  // The safe choice has the focus: Enter right away keeps the column.
  $("[data-column-delete-cancel]").focus();
}

deleteDialog.addEventListener("close", () => {
  const columnId = deletingColumnId;
  deletingColumnId = null;
  if (columnId && state.board.columns.some((c) => c.id === columnId)) backToColumn(columnId);
  else $("[data-columns] [data-focus]")?.focus();
});
$("[data-column-delete-cancel]").addEventListener("click", () => deleteDialog.close());
$("[data-column-delete-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const column = state.board.columns.find((c) => c.id === deletingColumnId);
  if (!column) {
    deleteDialog.close();
    return;
  }
  try {
    await api("DELETE", `/api/columns/${encodeURIComponent(column.id)}`, undefined, { quiet: true });
  } catch (error) {
    const text = error instanceof ApiError && error.status === 409
      ? t("boards.column_not_empty")
      : error instanceof ApiError ? describeError(error) : t("errors.internal");
    $("[data-column-delete-error]").textContent = text;
    if (error instanceof ApiError && error.status === 403) refreshRights();
    return;
  }
  applyEvent(state.board, "column.deleted", column);
  view.patch(new Set());
  renderEmpty();
  deleteDialog.close();
  announce(t("boards.column_deleted", { title: column.title }));
});

const moveDialog = $("#move-dialog");

function openMove(cardId) {
  const found = findCard(state.board, cardId);
  if (!found) return;
  movingCardId = cardId;
  $("[data-move-heading]").textContent = t("boards.move_card", { title: found.card.title });
  const columnSelect = $("#move-column");
  columnSelect.replaceChildren(...state.board.columns.map((c) => el("option", { value: c.id, selected: c.id === found.column.id }, c.title)));
  fillPositions(found.column.id, found.index > 0 ? found.column.cards[found.index - 1].id : null);
  moveDialog.showModal();
}

function fillPositions(columnId, selectedAfter) {
  const column = state.board.columns.find((c) => c.id === columnId);
  const options = [el("option", { value: "", selected: selectedAfter === null }, t("boards.position_top"))];
  for (const card of column ? column.cards : []) {
    if (card.id === movingCardId) continue;
    options.push(el("option", { value: card.id, selected: card.id === selectedAfter }, t("boards.position_after", { title: card.title })));
  }
  $("#move-after").replaceChildren(...options);
}

$("#move-column").addEventListener("change", (event) => fillPositions(event.target.value, null));
$("[data-move-cancel]").addEventListener("click", () => moveDialog.close());
moveDialog.addEventListener("close", () => {
  if (movingCardId) view.focusCard(movingCardId);
});
$("[data-move-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const cardId = movingCardId;
  moveDialog.close();
  await moveCard(cardId, $("#move-column").value, $("#move-after").value || null);
  view.focusCard(cardId);
});

// --- archive, undo, the archived list ---------------------------------------------------------------

const toast = $("[data-toast]");
let toastCardId = null;
let toastTimer = null;

async function archiveCard(cardId) {
  const card = await api("POST", `/api/cards/${encodeURIComponent(cardId)}/archive`, {});
  placeCard(card);
  if (dialog.cardId === cardId) dialog.close();
  showUndo(card);
  refreshArchived();
}

function showUndo(card) {
  toastCardId = card.id;
  $("[data-toast-text]").textContent = t("boards.archived", { title: card.title });
  toast.hidden = false;
  window.clearTimeout(toastTimer);
  // Long enough to notice; it stays while the pointer or focus is on it (WCAG 2.2.1).
  toastTimer = window.setTimeout(hideUndoUnlessUsed, UNDO_VISIBLE_MS);
  $("[data-toast-undo]").focus();
}

function hideUndoUnlessUsed() {
  if (toast.contains(document.activeElement) || toast.matches(":hover")) {
    toastTimer = window.setTimeout(hideUndoUnlessUsed, 2000);
    return;
  }
  toast.hidden = true;
}

$("[data-toast-close]").addEventListener("click", () => {
  toast.hidden = true;
  if (toastCardId) view.focusCard(toastCardId);
});
$("[data-toast-undo]").addEventListener("click", async () => {
  toast.hidden = true;
  if (toastCardId) await restoreCard(toastCardId);
});

async function restoreCard(cardId) {
  const card = await api("POST", `/api/cards/${encodeURIComponent(cardId)}/restore`, {});
  placeCard(card);
  announce(t("boards.restored", { title: card.title }));
  refreshArchived();
  view.focusCard(card.id);
}

// The archived cards of this board: a panel under the board, searchable by title, live while open
// (refreshed on every card.archived / card.restored event, whoever caused it).
const archivedBox = $("[data-archived]");
const archivedSearch = $("[data-archived-search]");
let archivedCards = [];
archivedBox.addEventListener("toggle", () => refreshArchived());
archivedSearch.addEventListener("input", () => renderArchived());

async function refreshArchived() {
  if (!archivedBox.open) return;
  archivedCards = await api("GET", `/api/boards/${encodeURIComponent(boardId)}/archived`);
  renderArchived();
}

function renderArchived() {
  const needle = fold(archivedSearch.value.trim());
  const cards = needle ? archivedCards.filter((card) => fold(card.title).includes(needle)) : archivedCards;
  $("[data-archived-empty]").hidden = archivedCards.length > 0;
  const count = $("[data-archived-count]");
  count.hidden = archivedCards.length === 0;
  count.textContent = needle
    ? t("boards.archived_found", { shown: cards.length, total: archivedCards.length })
    : t("boards.archived_total", { total: archivedCards.length });
  const focused = document.activeElement && document.activeElement.closest("[data-archived-list] li");
  const focusedId = focused && focused.dataset.archivedId;
  $("[data-archived-list]").replaceChildren(...cards.map((card) => {
    const item = el("li", { class: "board-archived__item", "data-archived-id": card.id });
    const column = state.board.columns.find((c) => c.id === card.column_id);
    item.append(el("span", { class: "board-archived__title" }, card.title));
    if (column) item.append(el("span", { class: "board-archived__where" }, t("boards.archived_from", { column: column.title })));
    else item.append(el("span", { class: "board-archived__where" }, t("boards.archived_column_gone")));
    if (state.canChange && column) {
      const button = el("button", { type: "button", class: "button button--quiet" }, t("boards.restore"));
      button.setAttribute("aria-label", t("boards.restore_card", { title: card.title }));
      button.addEventListener("click", () => restoreCard(card.id));
      item.append(button);
    }
    return item;
  }));
  // A list redrawn under someone's focus (another person restored a card meanwhile) keeps it near.
  if (focusedId) {
    const again = $(`[data-archived-id="${CSS.escape(focusedId)}"] button`);
    (again || archivedSearch).focus();
  }
}

// --- start --------------------------------------------------------------------------------------

async function start() {
  showStatus("connecting");
  // The board as the page brought it (hub/web/shell.py's reads), else asked for at once with who is
  // signed in: the first paint waits for the slower, not both.
  const written = takeRead("board");
  const board = written ? Promise.resolve(written) : fetchBoard();
  board.catch(() => {}); // its failure is handled where it is awaited, after me()
  state.user = await me();
  state.people.set(state.user.id, state.user.name);
  await loadBoard(board);
  const hubs = api("GET", "/api/hubs", undefined, { quiet: true }).catch(() => []);
  await refreshRights(); // a full render again only if the rights differ from the first render's
  // The project's members named people the first render knew only by id: their cards are redrawn.
  view.patch(new Set(state.board.columns.map((column) => column.id)));
  renderEmpty();
  for (const hub of await hubs) state.hubs.set(hub.id, hub.name);
  follow();
  // A link to one card (a mention's notification, e-mail or LINE message): open it on arrival.
  const linked = new URLSearchParams(window.location.search).get("card");
  if (linked) dialog.open(linked);
  // For tests, the benchmark and the curious.
  window.dejimaBoard = {
    board: () => state.board,
    renders: () => ({ ...view.renders }),
    timings: () => timings.slice(),
    fullRender: () => renderAll(),
    drop: () => socket.ws && socket.ws.close(4000),
    pause: () => {
      socket.close();
      showStatus("offline");
    },
    resume: () => follow(),
  };
}

onLocaleChange(() => {
  renderAll();
  renderRights();
  renderPresence();
  showStatus(state.liveState);
  dialog.retranslate();
});
start();

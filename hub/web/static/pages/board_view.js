// The board's columns and card tiles, kept by id. A remote change patches the column(s) and card it
// touched: nodes already in place are never re-created or moved, so an input someone types in, a
// menu they opened and the focused element survive. `renders` counts full renders and patches (the
// tests and bench/board_page.py read it through window.dejimaBoard).
import { t } from "../app.js";
import { copyOf, formatTime } from "../dom.js";
import { icon } from "./board_icons.js";

export function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  if (text != null) node.textContent = text;
  return node;
}

/** "佐藤 淳一" → "佐", "Ken Tanaka" → "KT": what fits in a round badge. */
export function initials(name) {
  const parts = (name || "?").trim().split(/\s+/).filter(Boolean);
  if (parts.length >= 2 && /^[A-Za-z]/.test(parts[0]) && /^[A-Za-z]/.test(parts[1])) {
    return (parts[0][0] + parts[1][0]).toUpperCase();
  }
  return Array.from(parts[0] || "?")[0].toUpperCase();
}

/** The card (its id) whose `selector` element holds `target`, or null. */
function cardIdOf(target, selector) {
  const part = target instanceof Element ? target.closest(selector) : null;
  const item = part && part.parentElement;
  return item && item.hasAttribute("data-card-id") ? item.getAttribute("data-card-id") : null;
}

// A column's cards are kept in groups of about GROUP_CARDS (`<ul role="none">` inside the column's
// `role="list"`, so that screen readers still hear one list of all its cards). Chromium skips a group
// out of sight as a whole (content-visibility on the group, board.css): a frame that changes a card
// checks ~50 groups instead of 500 cards, and a card put at the top of a column shifts its group, not
// 100 cards. bench/board_frame_lab.py measured a remote move's frame at 10.7 ms of main thread with
// every card on its own, 4.3-4.8 ms with groups of 10 (docs/boards.md, "Cards in groups").
const GROUP_CARDS = 10;
// A group that grew past this (cards put into it one by one) is split when the page is idle: the
// change's own frame moves only the card that moved.
const GROUP_MOST = 2 * GROUP_CARDS;
const whenIdle = window.requestIdleCallback
  ? (work) => window.requestIdleCallback(work, { timeout: 2000 })
  : (work) => window.setTimeout(work, 200);

function newGroup() {
  return el("ul", { class: "board-cards__group", role: "none" });
}

/** A group whose cards are all filtered out is hidden too: it would still take a gap. */
function hideEmptyGroups(list) {
  for (const group of list.children) {
    const hidden = !group.querySelector(":scope > .board-card:not([hidden])");
    if (group.hidden !== hidden) group.hidden = hidden;
  }
}

/** "✓ 1/3": an icon and a short text, side by side. */
function fact(iconName, text) {
  const node = copyOf(`fact:${iconName}`, () => {
    const span = el("span", { class: "board-card__fact" });
    span.append(icon(iconName), el("span"));
    return span;
  });
  node.lastChild.textContent = text;
  return node;
}

/**
 * The nodes of `nodes` (in DOM order) that are already in the order `rank` gives them: the longest
 * increasing run of their ranks (patience sorting, O(n log n)); these need not move.
 */
function inOrder(nodes, rank) {
  const tails = []; // tails[k]: index in `nodes` of the smallest last rank of a run of length k + 1
  const before = new Array(nodes.length).fill(-1);
  nodes.forEach((node, index) => {
    const value = rank.get(node);
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (rank.get(nodes[tails[middle]]) < value) low = middle + 1;
      else high = middle;
    }
    if (low > 0) before[index] = tails[low - 1];
    tails[low] = index;
  });
  const kept = new Set();
  for (let index = tails.length ? tails[tails.length - 1] : -1; index >= 0; index = before[index]) kept.add(nodes[index]);
  return kept;
}

/** Keep `node` focused (and an input's caret) across a DOM move, which otherwise blurs it. */
function keepingFocus(move) {
  const active = document.activeElement;
  const caret = active && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
  move();
  if (active && active !== document.body && active.isConnected && document.activeElement !== active) {
    active.focus({ preventScroll: true });
    if (caret) active.setSelectionRange(caret[0], caret[1]);
  }
}

export class BoardView {
  /** `ctx()` → {board, canChange, userId, names, person(id), editorsOf(cardId), matches(card)}; `on` the actions. */
  constructor(root, ctx, on) {
    this.root = root;
    this.ctx = ctx;
    this.on = on;
    this.columns = new Map(); // column id → {section, heading, count, list, addLabel, addInput, menuButton, title}
    this.cards = new Map(); // card id → {item, key}
    // cards: card tiles whose inside was rebuilt; moved: card nodes put in a list (new ones included).
    // regrouped: card nodes moved from a group grown too big into a new one (when the page is idle).
    this.renders = { full: 0, patch: 0, cards: 0, moved: 0, regrouped: 0 };
    this.splitting = new Set(); // column lists with a group to split when the page is idle
    this.openMenu = null;
    document.addEventListener("click", (event) => {
      if (this.openMenu && !this.openMenu.wrap.contains(event.target)) this.closeMenu(false);
    });
    // One listener per kind for every card tile, not four per card: 500 cards are 2,000 listeners
    // (and closures) less to make before the first paint. The rights are read when it happens.
    root.addEventListener("click", (event) => {
      const id = cardIdOf(event.target, ".board-card__tile");
      if (id) this.on.openCard(id);
      const button = event.target instanceof Element ? event.target.closest(".board-card__menu > button") : null;
      const menuOf = button && cardIdOf(button, ".board-card__menu");
      if (menuOf) this.toggleMenu(button.parentElement, button, () => this.cardMenu(menuOf));
    });
    root.addEventListener("keydown", (event) => {
      const id = cardIdOf(event.target, ".board-card__tile");
      if (!id) return;
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.on.openCard(id);
      } else if (this.ctx().canChange) {
        this.on.keyMove(event, id);
      }
    });
    root.addEventListener("dragstart", (event) => {
      const item = event.target;
      if (!(item instanceof HTMLLIElement) || !item.classList.contains("board-card")) return;
      if (!this.ctx().canChange) return;
      this.on.dragStart(event, { kind: "card", id: item.getAttribute("data-card-id") });
      item.setAttribute("data-dragging", "");
    });
    root.addEventListener("dragend", (event) => {
      if (event.target instanceof HTMLLIElement) event.target.removeAttribute("data-dragging");
    });
  }

  // --- whole board --------------------------------------------------------------------------------

  /** Rebuild everything (first paint, language or rights change); typed text and focus carry over. */
  renderAll() {
    this.renders.full += 1;
    const typed = new Map();
    for (const [id, column] of this.columns) if (column.addInput && column.addInput.value) typed.set(id, column.addInput.value);
    const focused = document.activeElement && document.activeElement.getAttribute("data-focus");
    this.closeMenu(false);
    this.columns.clear();
    this.cards.clear();
    const { board } = this.ctx();
    this.root.replaceChildren(...board.columns.map((column) => this.buildColumn(column).section));
    for (const [id, value] of typed) {
      const column = this.columns.get(id);
      if (column && column.addInput) column.addInput.value = value;
    }
    if (focused) {
      const again = this.root.querySelector(`[data-focus="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  /**
   * Bring the DOM in line with the model for these columns (and the column order). Cards whose
   * version did not change keep their node untouched; nodes already in place are not moved.
   */
  patch(columnIds) {
    this.renders.patch += 1;
    // One focus guard around every move: a card leaving one column is out of the DOM for a moment.
    keepingFocus(() => this.patchNodes(columnIds));
  }

  patchNodes(columnIds) {
    const { board } = this.ctx();
    const present = new Set(board.columns.map((c) => c.id));
    for (const [id, column] of this.columns) {
      if (!present.has(id)) {
        column.section.remove();
        this.columns.delete(id);
      }
    }
    board.columns.forEach((column, index) => {
      let view = this.columns.get(column.id);
      if (!view) view = this.buildColumn(column);
      else if (columnIds.has(column.id)) this.fillColumnHead(view, column);
      if (this.root.children[index] !== view.section) this.root.insertBefore(view.section, this.root.children[index] || null);
    });
    for (const column of board.columns) if (columnIds.has(column.id)) this.syncCards(column);
    // Cards that left the board (archived, their column deleted) and are in no column any more.
    let count = 0;
    for (const column of board.columns) count += column.cards.length;
    if (count === this.cards.size) return;
    const shown = new Set();
    for (const column of board.columns) for (const card of column.cards) shown.add(card.id);
    for (const [id, card] of this.cards) {
      if (!shown.has(id)) {
        card.item.remove();
        this.cards.delete(id);
      }
    }
  }

  /**
   * The column's list in the model's order, moving as few card nodes as possible: the nodes already in
   * the model's order (the longest such run) stay, only the others move. Placing node by node from
   * the top instead moved every card below one that left (a remote move out of a column of 100 cards
   * re-attached ~50 of them: their style, layout and paint redone in the frame that shows the change).
   */
  syncCards(column) {
    const view = this.columns.get(column.id);
    const list = view.list;
    const items = column.cards.map((card) => this.cardNode(card));
    const wanted = new Map(items.map((item, index) => [item, index]));
    const shown = [];
    for (const group of Array.from(list.children)) {
      for (const child of Array.from(group.children)) {
        if (wanted.has(child)) shown.push(child);
        else child.remove(); // moved to another column, or off the board
      }
      if (!group.firstChild) group.remove();
    }
    if (!shown.length) {
      // A new column (or one all of whose cards are new): its groups filled at once.
      const groups = [];
      for (let start = 0; start < items.length; start += GROUP_CARDS) {
        const group = newGroup();
        group.append(...items.slice(start, start + GROUP_CARDS));
        groups.push(group);
      }
      list.replaceChildren(...groups);
      this.renders.moved += items.length;
    } else {
      const staying = inOrder(shown, wanted);
      let next = null;
      for (let index = items.length - 1; index >= 0; index -= 1) {
        const item = items[index];
        if (!staying.has(item)) {
          // Into the group of the card it goes before (the column's last group at the end).
          if (next) next.parentNode.insertBefore(item, next);
          else (list.lastElementChild || list.appendChild(newGroup())).append(item);
          this.renders.moved += 1;
          // A card whose menu is open keeps it hanging outside its new group too.
          if (item.hasAttribute("data-menu-open")) item.parentNode.setAttribute("data-menu-open", "");
          if (item.parentNode.childElementCount > GROUP_MOST) this.splitLater(list);
        }
        next = item;
      }
    }
    hideEmptyGroups(list);
    const count = ` ${t("boards.card_count", { count: column.cards.length })}`;
    if (view.count.textContent !== count) view.count.textContent = count; // a same text still relays out
  }

  // --- columns ------------------------------------------------------------------------------------

  buildColumn(column) {
    const { canChange } = this.ctx();
    const headingId = `column-${column.id}`;
    const section = el("section", { class: "board-column", "data-column-id": column.id, "aria-labelledby": headingId });
    const head = el("div", { class: "board-column__head", draggable: canChange ? "true" : false });
    const heading = el("h2", { id: headingId });
    const title = el("span", { class: "board-column__title" });
    const count = el("span", { class: "visually-hidden" });
    heading.append(title, count);
    head.append(heading);
    const view = { section, heading, title, count, list: null, addLabel: null, addInput: null, menuButton: null };
    if (canChange) {
      const wrap = el("div", { class: "board-menu" });
      view.menuButton = el("button", {
        type: "button", class: "board-icon-button", "aria-haspopup": "menu", "aria-expanded": "false",
        "data-focus": `column-menu:${column.id}`,
      });
      view.menuButton.append(icon("more"));
      view.menuButton.addEventListener("click", () => this.toggleMenu(wrap, view.menuButton, () => this.columnMenu(column.id)));
      wrap.append(view.menuButton);
      head.append(wrap);
      head.addEventListener("dragstart", (event) => this.on.dragStart(event, { kind: "column", id: column.id }));
    }
    view.list = el("div", { class: "board-cards", role: "list", "aria-labelledby": headingId });
    this.on.wireDrop(section, view.list, column.id);
    section.append(head, view.list);
    if (canChange) section.append(this.buildAddCard(column, view));
    this.columns.set(column.id, view);
    this.fillColumnHead(view, column);
    this.syncCards(column);
    return view;
  }

  fillColumnHead(view, column) {
    view.title.textContent = column.title;
    if (view.menuButton) {
      const name = t("boards.column_menu", { title: column.title });
      view.menuButton.setAttribute("aria-label", name);
      view.menuButton.setAttribute("title", name);
    }
    if (view.addLabel) view.addLabel.textContent = t("boards.new_card_in", { title: column.title });
  }

  buildAddCard(column, view) {
    const form = el("form", { class: "board-add-card" });
    const inputId = `new-card-${column.id}`;
    view.addLabel = el("label", { for: inputId, class: "visually-hidden" });
    view.addInput = el("input", {
      id: inputId, maxlength: "200", autocomplete: "off", "data-focus": `new:${column.id}`, placeholder: t("boards.new_card"),
    });
    const button = el("button", { type: "submit", class: "button board-add-card__button" });
    button.append(icon("plus"), el("span", {}, t("boards.add_card")));
    form.append(view.addLabel, view.addInput, button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.on.addCard(column.id, view.addInput);
    });
    return form;
  }

  columnMenu(columnId) {
    const { board } = this.ctx();
    const index = board.columns.findIndex((c) => c.id === columnId);
    const column = board.columns[index];
    return [
      ["left", t("boards.column_left"), index > 0 ? () => this.on.moveColumn(columnId, index - 2) : null],
      ["right", t("boards.column_right"), index < board.columns.length - 1 ? () => this.on.moveColumn(columnId, index) : null],
      ["edit", t("boards.column_rename_short"), () => this.on.renameColumn(columnId)],
      ["trash", t("boards.column_delete_short"), column && column.cards.length === 0 ? () => this.on.deleteColumn(columnId) : null],
    ];
  }

  // --- cards --------------------------------------------------------------------------------------

  /**
   * The card's node, rebuilt inside (same <li>) only when what it shows changed. The model replaces
   * a card's object when an event changes it, so an unchanged object (the other cards of a column a
   * change touched) costs one comparison; names of people learnt since can change what it shows too.
   */
  cardNode(card) {
    const { names, matches } = this.ctx();
    let entry = this.cards.get(card.id);
    if (!entry) {
      entry = { item: this.buildCard(card), key: null, card: null, names: -1 };
      this.cards.set(card.id, entry);
    }
    if (entry.card === card && entry.names === names) return entry.item;
    entry.card = card;
    entry.names = names;
    const key = this.cardKey(card);
    if (entry.key !== key) {
      entry.key = key;
      this.fillCard(entry.item, card);
    }
    const hidden = !matches(card);
    if (entry.item.hidden !== hidden) entry.item.hidden = hidden;
    return entry.item;
  }

  /** The filter changed: show and hide cards, touching only those whose state flips. */
  refilter() {
    const { matches } = this.ctx();
    for (const entry of this.cards.values()) {
      const hidden = !matches(entry.card);
      if (entry.item.hidden !== hidden) entry.item.hidden = hidden;
    }
    for (const view of this.columns.values()) hideEmptyGroups(view.list);
  }

  cardKey(card) {
    const { userId, person } = this.ctx();
    return JSON.stringify([card.version, card.title, card.labels, card.due, card.assignees.map(person), userId,
      (card.checklist || []).length, (card.attachments || []).length]);
  }

  buildCard(card) {
    const { canChange } = this.ctx();
    // The <li> is the tile people see and drag; inside, one focusable element opens the card and a
    // menu button sits beside it (two controls side by side, never one inside the other). Its
    // listeners are the board's (constructor). Named by its content, i.e. everything it shows (title,
    // labels, due, people, who edits it): a name that leaves out visible text fails people who speak
    // the words they see (WCAG 2.5.3).
    const item = copyOf("card", () => {
      // role="listitem" said again: inside a group's `<ul role="none">` an `<li>` would lose it.
      const li = el("li", { class: "board-card", role: "listitem" });
      li.append(el("div", { class: "board-card__tile", role: "button", tabindex: "0", "aria-haspopup": "dialog" }));
      return li;
    });
    item.setAttribute("data-card-id", card.id);
    if (canChange) item.setAttribute("draggable", "true");
    item.firstChild.setAttribute("data-focus", `card:${card.id}`);
    return item;
  }

  fillCard(item, card) {
    this.renders.cards += 1;
    const { canChange, userId, person } = this.ctx();
    const tile = item.firstChild;
    const title = copyOf("title", () => el("span", { class: "board-card__title" }));
    title.id = `card-title-${card.id}`;
    title.textContent = card.title;
    const parts = [title];
    const meta = copyOf("meta", () => el("div", { class: "board-card__meta" }));
    meta.id = `card-meta-${card.id}`;
    if (card.labels.length) {
      const labels = el("ul", { class: "board-card__labels" });
      for (const label of card.labels) labels.append(el("li", { class: "board-label" }, label));
      meta.append(el("span", { class: "visually-hidden" }, t("boards.labels_are")), labels);
    }
    const facts = copyOf("facts", () => el("span", { class: "board-card__facts" }));
    if (card.due) {
      // A due date ticked off is struck through, and says so to a screen reader too.
      const due = el("span", { class: card.due_done ? "board-card__fact board-card__fact--done" : "board-card__fact" });
      // A date as given; a date-time in the reader's time and language.
      const when = card.due.length > 10 ? formatTime(card.due) : card.due;
      due.append(icon("due"), el("span", {}, t(card.due_done ? "boards.due_done_on" : "boards.due_on", { date: when })));
      facts.append(due);
    }
    if (card.checklist && card.checklist.length) {
      const done = card.checklist.filter((i) => i.done).length;
      facts.append(fact("check", t("boards.checklist_count", { done, count: card.checklist.length })));
    }
    if (card.attachments && card.attachments.length) {
      facts.append(fact("clip", t("boards.attachment_count", { count: card.attachments.length })));
    }
    if (facts.childElementCount) meta.append(facts);
    if (card.assignees.length) {
      const people = el("span", { class: "board-card__people" });
      people.append(el("span", { class: "visually-hidden" }, t("boards.assigned_to")));
      for (const id of card.assignees) {
        const name = person(id);
        const chip = el("span", { class: "board-person" });
        chip.append(el("span", { class: "avatar avatar--small", "aria-hidden": "true" }, initials(name)), el("span", {}, name));
        people.append(chip);
      }
      meta.append(people);
    }
    parts.push(meta); // who edits it: fillEditing adds it when someone does
    tile.replaceChildren(...parts);
    this.fillEditing(card.id);
    if (card.assignees.includes(userId)) item.setAttribute("data-mine", "");
    else item.removeAttribute("data-mine");
    let wrap = item.querySelector(":scope > .board-menu");
    if (canChange) {
      if (!wrap) {
        wrap = copyOf("menu", () => {
          const div = el("div", { class: "board-menu board-card__menu" });
          const button = el("button", { type: "button", class: "board-icon-button", "aria-haspopup": "menu", "aria-expanded": "false" });
          button.append(icon("more"));
          div.append(button);
          return div;
        });
        wrap.firstChild.setAttribute("data-focus", `menu:${card.id}`);
        item.append(wrap);
      }
      const button = wrap.querySelector("button");
      button.setAttribute("aria-label", t("boards.card_menu", { title: card.title }));
      button.setAttribute("title", t("boards.card_menu", { title: card.title }));
    } else if (wrap) {
      wrap.remove();
    }
  }

  cardMenu(cardId) {
    return [
      ["open", t("boards.open"), () => this.on.openCard(cardId)],
      ["move", t("boards.move"), () => this.on.openMove(cardId), `move:${cardId}`],
      ["archive", t("boards.archive"), () => this.on.archiveCard(cardId)],
    ];
  }

  /** Who edits which card ("✎ Ken editing"), without touching anything else. */
  fillEditing(cardId) {
    const entry = this.cards.get(cardId);
    if (!entry) return;
    const tile = entry.item.firstChild;
    let badge = tile.lastChild && tile.lastChild.hasAttribute("data-editing") ? tile.lastChild : null;
    const names = this.ctx().editorsOf(cardId);
    const text = names.length ? t("boards.editing_by", { names: names.join(t("boards.list_sep")) }) : "";
    if (!badge && !text) return; // most cards, most of the time: no element for nobody
    if (!badge) badge = tile.appendChild(el("p", { class: "board-card__editing", "data-editing": cardId }));
    if (badge.textContent !== text) badge.textContent = text;
  }

  /** Split the groups of `list` grown past GROUP_MOST, when the page is idle. */
  splitLater(list) {
    if (this.splitting.has(list)) return;
    this.splitting.add(list);
    whenIdle(() => {
      this.splitting.delete(list);
      if (!list.isConnected) return;
      keepingFocus(() => {
        for (const group of Array.from(list.children)) {
          while (group.childElementCount > GROUP_MOST) {
            // Its last GROUP_CARDS cards into a new group just after it: their order does not change.
            const rest = newGroup();
            const cards = Array.from(group.children).slice(-GROUP_CARDS);
            rest.append(...cards);
            if (rest.querySelector(":scope > [data-menu-open]")) rest.setAttribute("data-menu-open", "");
            group.after(rest);
            this.renders.regrouped += cards.length;
          }
        }
      });
    });
  }

  fillAllEditing() {
    for (const id of this.cards.keys()) this.fillEditing(id);
  }

  flash(id) {
    const entry = this.cards.get(id);
    const node = entry ? entry.item : this.columns.get(id) && this.columns.get(id).section;
    if (!node) return;
    // Restart the animation on the next frame rather than by forcing a layout of the whole board now.
    node.classList.remove("board-card--flash");
    requestAnimationFrame(() => node.classList.add("board-card--flash"));
    // Then the overlay goes (with reduced motion too: a highlight that stays is not needed).
    window.clearTimeout(node.flashTimer);
    node.flashTimer = window.setTimeout(() => node.classList.remove("board-card--flash"), 1700);
  }

  focusCard(cardId) {
    const entry = this.cards.get(cardId);
    if (entry) entry.item.querySelector(".board-card__tile").focus();
  }

  // --- menus (a button with aria-haspopup="menu"; arrows, Enter, Escape) -----------------------------

  toggleMenu(wrap, button, items) {
    if (this.openMenu && this.openMenu.wrap === wrap) {
      this.closeMenu(true);
      return;
    }
    this.closeMenu(false);
    const menu = el("ul", { class: "board-menu__list", role: "menu" });
    const entries = items();
    for (const [iconName, label, action, focusKey] of entries) {
      const li = el("li", { role: "none" });
      const item = el("button", {
        type: "button", role: "menuitem", tabindex: "-1", disabled: !action, "data-focus": focusKey || false,
      });
      item.append(icon(iconName), el("span", {}, label));
      if (action) {
        item.addEventListener("click", (event) => {
          event.stopPropagation();
          this.closeMenu(false);
          action();
        });
      }
      li.append(item);
      menu.append(li);
    }
    menu.addEventListener("keydown", (event) => {
      const items = Array.from(menu.querySelectorAll("[role=menuitem]:not([disabled])"));
      const at = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        items[(at + step + items.length) % items.length].focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.closeMenu(true);
      } else if (event.key === "Tab") {
        this.closeMenu(false);
      }
    });
    wrap.append(menu);
    button.setAttribute("aria-expanded", "true");
    // A card and its group paint only inside themselves (content-visibility): lifted while its menu
    // hangs below it.
    const card = wrap.closest(".board-card");
    if (card) card.setAttribute("data-menu-open", "");
    if (card) card.parentElement.setAttribute("data-menu-open", "");
    this.openMenu = { wrap, button, menu, card };
    const first = menu.querySelector("[role=menuitem]:not([disabled])");
    if (first) first.focus();
  }

  closeMenu(refocus) {
    if (!this.openMenu) return;
    const { button, menu, card } = this.openMenu;
    this.openMenu = null;
    menu.remove();
    if (card) {
      card.removeAttribute("data-menu-open");
      // Its group, unless the card moved to another meanwhile (then no group kept the mark but that one).
      for (const group of this.root.querySelectorAll(".board-cards__group[data-menu-open]")) group.removeAttribute("data-menu-open");
    }
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }
}

// The card dialog: edit a card, pick its assignees among the project's members (a combobox: type,
// ↑/↓, Enter), settle an edit conflict field by field, read comments and history as sentences.
// A change by someone else updates only the fields this person has not touched and is not in.
import { ApiError, announce, api, t } from "../app.js";
import { findCard, mergeEdit } from "./board_model.js";
import { historySentences } from "./board_history.js";
import { icon } from "./board_icons.js";
import { CardParts } from "./board_parts.js";
import { el, initials } from "./board_view.js";

const FIELDS = ["title", "description", "labels", "due", "due_done", "assignees"];
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const $ = (selector) => document.querySelector(selector);
// The date input shows a date-time due (2026-12-01T17:00:00+09:00) by its day; unchanged, it is kept.
const dueDay = (due) => (due ? due.slice(0, 10) : "");

function newKey() {
  return window.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

export class CardDialog {
  constructor(state, hooks) {
    this.state = state;
    this.hooks = hooks;
    this.node = $("#card-dialog");
    this.form = $("[data-card-form]");
    this.cardId = null;
    this.base = null; // the card as this person last saw it, field by field
    this.assignees = [];
    this.followers = [];
    this.conflict = null; // {mine, current, fields} while the person chooses
    this.active = -1; // the highlighted option of the assignee list
    this.input = $("[data-assignee-input]");
    this.options = $("[data-assignee-options]");
    // The checklist and the attachments: each change is saved at once (no Save button).
    this.parts = new CardParts({
      cardId: () => this.cardId,
      canChange: () => this.state.canChange,
      say: (text) => this.say(text),
      rightsLost: () => this.hooks.rightsLost(),
      cardFetched: (card) => {
        this.hooks.cardSaved(card);
        this.cardChanged(card);
      },
    });
    this.wire();
  }

  wire() {
    this.node.addEventListener("close", () => {
      const cardId = this.cardId;
      this.cardId = null;
      this.conflict = null;
      this.hooks.presence({});
      if (cardId) this.hooks.focusCard(cardId);
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    $("[data-archive]").addEventListener("click", () => this.hooks.archiveCard(this.cardId));
    $("[data-follow]").addEventListener("click", () => this.toggleFollow());
    $("[data-comment-form]").addEventListener("submit", (event) => {
      event.preventDefault();
      this.comment(event.target.elements.body);
    });
    this.input.addEventListener("input", () => this.showOptions(0));
    this.input.addEventListener("focus", () => this.showOptions(-1));
    this.input.addEventListener("blur", () => window.setTimeout(() => this.hideOptions(), 150));
    this.input.addEventListener("keydown", (event) => this.pickerKey(event));
    this.wireFileDrops();
    this.form.elements.due_done.addEventListener("change", () => this.strikeDue());
  }

  /** A due date ticked off is struck through, as on the tile. */
  strikeDue() {
    const form = this.form.elements;
    form.due.classList.toggle("board-due--done", form.due_done.checked);
  }

  /** Files dropped on a card's tile open that card and attach to it (the progress shows there). */
  wireFileDrops() {
    const tileOf = (event) => {
      const files = event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files");
      if (!files || !this.state.canChange || this.node.open || !(event.target instanceof Element)) return null;
      return event.target.closest("[data-card-id]");
    };
    const unmark = () => document.querySelectorAll("[data-file-over]").forEach((n) => n.removeAttribute("data-file-over"));
    document.addEventListener("dragover", (event) => {
      const tile = tileOf(event);
      if (!tile) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      if (!tile.hasAttribute("data-file-over")) {
        unmark();
        tile.setAttribute("data-file-over", "");
      }
    });
    document.addEventListener("dragleave", (event) => {
      if (event.target instanceof Element && event.target.hasAttribute("data-file-over")) unmark();
    });
    document.addEventListener("drop", (event) => {
      const tile = tileOf(event);
      unmark();
      if (!tile) return;
      event.preventDefault();
      const files = Array.from(event.dataTransfer.files);
      this.open(tile.getAttribute("data-card-id"));
      if (this.cardId) this.parts.uploadAll(files);
    });
  }

  // --- opening, filling ---------------------------------------------------------------------------

  open(cardId) {
    const found = findCard(this.state.board, cardId);
    if (!found) return;
    this.cardId = cardId;
    this.conflict = null;
    this.parts.editing = null;
    this.fill(found.card);
    this.say("");
    this.renderEditors();
    this.node.showModal();
    this.hooks.presence({ editing: cardId });
    this.loadNotes();
  }

  close() {
    if (this.node.open) this.node.close();
  }

  fill(card) {
    this.base = { ...card };
    const form = this.form.elements;
    $("[data-card-heading]").textContent = card.title;
    form.title.value = card.title;
    form.description.value = card.description;
    form.labels.value = card.labels.join(", ");
    form.due.value = dueDay(card.due);
    form.due_done.checked = Boolean(card.due_done);
    this.strikeDue();
    this.assignees = [...card.assignees];
    this.renderFollow(card);
    this.parts.render(card);
    this.renderChosen();
    this.renderConflict();
    this.renderMode();
  }

  /** Viewers see the card as text, without a single editing control. */
  renderMode() {
    const editable = this.state.canChange;
    this.form.hidden = !editable;
    $("[data-comment-form]").hidden = !editable;
    const view = $("[data-card-view]");
    view.hidden = editable;
    if (editable || !this.base) return;
    const card = this.base;
    const rows = [
      ["boards.field_title", card.title],
      ["boards.field_description", card.description || t("boards.none")],
      ["boards.field_labels_plain", card.labels.length ? card.labels.join(t("boards.list_sep")) : t("boards.none")],
      ["boards.field_due", card.due ? (card.due_done ? t("boards.due_done_on", { date: card.due }) : card.due) : t("boards.none")],
      ["boards.field_assignees", card.assignees.length ? card.assignees.map(this.hooks.person).join(t("boards.list_sep")) : t("boards.none")],
    ];
    view.replaceChildren(...rows.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]));
  }

  /** The form's values, in the API's shape. */
  values() {
    const form = this.form.elements;
    const labels = [...new Set(form.labels.value.split(/[,、]/).map((s) => s.trim()).filter(Boolean))];
    return {
      title: form.title.value,
      description: form.description.value,
      labels,
      due: !form.due.value ? null : form.due.value === dueDay(this.base.due) ? this.base.due : form.due.value,
      due_done: form.due_done.checked,
      assignees: [...this.assignees],
    };
  }

  changes() {
    const values = this.values();
    const out = {};
    for (const field of FIELDS) if (!same(values[field], this.base[field])) out[field] = values[field];
    return out;
  }

  setField(field, value) {
    const form = this.form.elements;
    if (field === "labels") form.labels.value = value.join(", ");
    else if (field === "due") form.due.value = dueDay(value);
    else if (field === "due_done") {
      form.due_done.checked = Boolean(value);
      this.strikeDue();
    }
    else if (field === "assignees") {
      this.assignees = [...value];
      this.renderChosen();
    } else form[field].value = value;
  }

  /** Someone else changed the open card: take their values where this person is not editing. */
  cardChanged(card) {
    if (card.id !== this.cardId || !this.base) return;
    this.renderFollow(card); // following changes no version
    // The checklist and files are saved as they change: they always show the card as it is now.
    if (!this.parts.card || card.version > this.parts.card.version) this.parts.render(card);
    if (card.version <= this.base.version) return;
    const mine = this.changes();
    const focused = this.form.contains(document.activeElement) ? document.activeElement : null;
    const inUse = (field) => field in mine || (focused && (focused.name === field || (field === "assignees" && focused === this.input)));
    let untouched = true;
    for (const field of FIELDS) {
      if (inUse(field)) {
        untouched = false;
        continue;
      }
      this.setField(field, card[field]);
      this.base[field] = card[field];
    }
    // Nothing of theirs is at stake: this is simply the card now (its version included).
    if (untouched && !this.conflict) this.base = { ...card };
    if (!inUse("title")) $("[data-card-heading]").textContent = card.title;
    if (card.archived) this.say(t("boards.archived_meanwhile"));
    this.renderMode();
    this.loadNotes();
  }

  commentAdded(cardId) {
    if (cardId !== this.cardId) return;
    this.loadNotes();
    this.refreshFollowers(); // whoever comments follows the card (the comment's event is the comment)
  }

  rightsChanged() {
    if (!this.cardId) return;
    this.renderMode();
    if (this.parts.card) this.parts.render(this.parts.card);
    this.renderEditors();
  }

  retranslate() {
    if (!this.cardId) return;
    this.renderChosen();
    this.renderConflict();
    this.renderMode();
    this.renderEditors();
    this.renderFollow({ followers: this.followers });
    if (this.parts.card) this.parts.render(this.parts.card);
    this.loadNotes();
  }

  renderEditors() {
    const names = this.cardId ? this.hooks.editorsOf(this.cardId) : [];
    $("[data-card-editors]").textContent = names.length ? t("boards.editing_by", { names: names.join(t("boards.list_sep")) }) : "";
  }

  /** A message inside the dialog (the page's status line is behind the modal's backdrop). */
  say(text) {
    const region = $("[data-dialog-status]");
    region.textContent = "";
    if (text) window.setTimeout(() => (region.textContent = text), 50);
  }

  // --- following ----------------------------------------------------------------------------------

  renderFollow(card) {
    this.followers = [...(card.followers || [])];
    const names = this.followers.map(this.hooks.person);
    $("[data-followers]").textContent = names.length ? names.join(t("boards.list_sep")) : t("boards.no_followers");
    const button = $("[data-follow]");
    const following = this.followers.includes(this.state.user && this.state.user.id);
    button.textContent = t(following ? "boards.unfollow" : "boards.follow");
    button.setAttribute("aria-pressed", String(following));
  }

  async refreshFollowers() {
    const cardId = this.cardId;
    const card = await api("GET", `/api/cards/${encodeURIComponent(cardId)}`, undefined, { quiet: true });
    if (cardId === this.cardId) this.renderFollow(card);
  }

  async toggleFollow() {
    const me = this.state.user && this.state.user.id;
    const following = this.followers.includes(me);
    await api(following ? "DELETE" : "PUT", `/api/cards/${encodeURIComponent(this.cardId)}/follow`);
    const followers = following ? this.followers.filter((id) => id !== me) : [...this.followers, me];
    this.renderFollow({ followers });
    this.say(t(following ? "boards.unfollowed" : "boards.followed"));
  }

  // --- saving and conflicts -----------------------------------------------------------------------

  async save() {
    const changes = this.changes();
    if (Object.keys(changes).length === 0) return;
    const path = `/api/cards/${encodeURIComponent(this.cardId)}`;
    let card;
    try {
      card = await api("PATCH", path, { version: this.base.version, ...changes }, { quiet: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) {
        this.hooks.rightsLost();
        return;
      }
      if (!(error instanceof ApiError) || error.status !== 409 || !error.body || !error.body.current) {
        // In the page's language only (the server's own words are English).
        const key = error instanceof ApiError ? `errors.${error.code}` : "";
        this.say(key && t(key) !== key ? t(key) : t("boards.save_failed"));
        return;
      }
      const current = error.body.current;
      const merged = mergeEdit(this.base, changes, current);
      if (!merged) {
        this.startConflict(changes, current);
        return;
      }
      // Different fields changed meanwhile: keep both, as the person would by re-reading and re-applying.
      card = await api("PATCH", path, merged);
      this.say(t("boards.merged"));
    }
    this.conflict = null;
    this.hooks.cardSaved(card);
    this.fill(card);
    const text = t("boards.saved", { title: card.title });
    this.say(text);
    announce(text);
  }

  /** Both versions, field by field; the form holds this person's version until they choose. */
  startConflict(mine, current) {
    const fields = Object.keys(mine).filter((f) => !same(this.base[f], current[f]) && !same(mine[f], current[f]));
    for (const field of FIELDS) if (!(field in mine)) this.setField(field, current[field]);
    this.base = { ...current };
    this.conflict = { mine, current, fields, choice: Object.fromEntries(fields.map((f) => [f, "mine"])) };
    this.renderConflict();
    this.say(t("boards.conflict_say"));
    const first = $("[data-conflict-fields] input");
    if (first) first.focus();
  }

  renderConflict() {
    const section = $("[data-conflict]");
    const box = $("[data-conflict-fields]");
    if (!this.conflict) {
      section.hidden = true;
      box.replaceChildren();
      return;
    }
    section.hidden = false;
    const { mine, current, fields, choice } = this.conflict;
    box.replaceChildren(...fields.map((field) => {
      const set = el("fieldset", { class: "board-conflict__field" });
      set.append(el("legend", {}, t(`boards.field_${field}_plain`)));
      for (const [which, value] of [["mine", mine[field]], ["theirs", current[field]]]) {
        const id = `conflict-${field}-${which}`;
        const row = el("div", { class: "board-conflict__choice" });
        const radio = el("input", { type: "radio", id, name: `conflict-${field}`, value: which, checked: choice[field] === which });
        radio.addEventListener("change", () => {
          choice[field] = which;
          this.setField(field, value);
        });
        const label = el("label", { for: id });
        label.append(el("span", { class: "board-conflict__who" }, t(which === "mine" ? "boards.conflict_mine" : "boards.conflict_theirs")));
        label.append(el("span", { class: "board-conflict__value" }, this.shown(field, value)));
        row.append(radio, label);
        set.append(row);
      }
      return set;
    }));
  }

  shown(field, value) {
    if (field === "assignees") return value.length ? value.map(this.hooks.person).join(t("boards.list_sep")) : t("boards.none");
    if (field === "labels") return value.length ? value.join(t("boards.list_sep")) : t("boards.none");
    if (field === "due_done") return t(value ? "boards.due_done_yes" : "boards.due_done_no");
    return value ? String(value) : t("boards.none");
  }

  // --- assignees ------------------------------------------------------------------------------------

  renderChosen() {
    const list = $("[data-assignees]");
    list.replaceChildren(...this.assignees.map((id) => {
      const name = this.hooks.person(id);
      const item = el("li", { class: "board-person board-person--chosen" });
      item.append(el("span", { class: "avatar avatar--small", "aria-hidden": "true" }, initials(name)), el("span", {}, name));
      const remove = el("button", { type: "button", class: "board-icon-button", "aria-label": t("boards.unassign", { name }), title: t("boards.unassign", { name }) });
      remove.append(icon("close"));
      remove.addEventListener("click", () => {
        this.assignees = this.assignees.filter((x) => x !== id);
        this.renderChosen();
        this.input.focus();
        announce(t("boards.unassigned", { name }));
      });
      item.append(remove);
      return item;
    }));
  }

  candidates() {
    const typed = this.input.value.trim().toLowerCase();
    const members = this.state.project ? this.state.project.members : [];
    return members
      .filter((m) => !this.assignees.includes(m.user_id))
      .filter((m) => !typed || m.name.toLowerCase().includes(typed) || m.name.replace(/\s+/g, "").toLowerCase().includes(typed));
  }

  showOptions(active) {
    const found = this.candidates();
    this.active = found.length ? Math.min(active, found.length - 1) : -1;
    this.options.replaceChildren(...found.map((member, index) => {
      const option = el("li", {
        role: "option", id: `assignee-option-${member.user_id}`, class: "board-assign__option",
        "aria-selected": String(index === this.active), "data-user-id": member.user_id,
      });
      option.append(el("span", { class: "avatar avatar--small", "aria-hidden": "true" }, initials(member.name)), el("span", {}, member.name));
      option.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the input
      option.addEventListener("click", () => this.choose(member.user_id));
      return option;
    }));
    if (!found.length) this.options.append(el("li", { class: "board-assign__none", role: "option", "aria-disabled": "true", "aria-selected": "false" }, t("boards.assignee_none")));
    this.options.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.markActive();
  }

  hideOptions() {
    this.options.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  markActive() {
    const options = Array.from(this.options.querySelectorAll("[data-user-id]"));
    options.forEach((option, index) => option.setAttribute("aria-selected", String(index === this.active)));
    const current = options[this.active];
    if (current) {
      this.input.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  pickerKey(event) {
    const count = this.options.querySelectorAll("[data-user-id]").length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (this.options.hidden) {
        this.showOptions(0);
        return;
      }
      if (!count) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = this.active < 0 ? (step > 0 ? 0 : count - 1) : (this.active + step + count) % count;
      this.markActive();
    } else if (event.key === "Enter") {
      // Enter chooses the highlighted person; it never submits the card form from here.
      event.preventDefault();
      const option = this.options.querySelectorAll("[data-user-id]")[this.active];
      if (!this.options.hidden && option) this.choose(option.getAttribute("data-user-id"));
    } else if (event.key === "Escape" && !this.options.hidden) {
      event.preventDefault(); // closes the list, not the dialog
      this.hideOptions();
    } else if (event.key === "Backspace" && !this.input.value && this.assignees.length) {
      const last = this.assignees[this.assignees.length - 1];
      this.assignees = this.assignees.slice(0, -1);
      this.renderChosen();
      announce(t("boards.unassigned", { name: this.hooks.person(last) }));
    }
  }

  choose(userId) {
    if (!this.assignees.includes(userId)) this.assignees.push(userId);
    this.input.value = "";
    this.renderChosen();
    this.showOptions(-1);
    announce(t("boards.assigned", { name: this.hooks.person(userId) }));
  }

  // --- comments and history -------------------------------------------------------------------------

  async comment(field) {
    if (!field.value.trim()) return;
    const cardId = this.cardId;
    await api("POST", `/api/cards/${encodeURIComponent(cardId)}/comments`, { body: field.value }, { headers: { "Idempotency-Key": newKey() } });
    field.value = "";
    await this.loadNotes();
  }

  async loadNotes() {
    const cardId = this.cardId;
    if (!cardId) return;
    const [comments, history] = await Promise.all([
      api("GET", `/api/cards/${encodeURIComponent(cardId)}/comments`, undefined, { quiet: true }),
      api("GET", `/api/cards/${encodeURIComponent(cardId)}/history`, undefined, { quiet: true }),
    ]);
    if (cardId !== this.cardId) return;
    const when = (at) => new Date(at).toLocaleString(document.documentElement.lang);
    $("[data-comments]").replaceChildren(...comments.map((c) => el("li", {}, `${c.author.name} (${when(c.created_at)}): ${c.body}`)));
    const found = findCard(this.state.board, cardId);
    const names = {
      person: this.hooks.person,
      column: (id) => {
        const column = this.state.board.columns.find((c) => c.id === id);
        return column ? column.title : t("boards.unknown_column");
      },
      title: found ? found.card.title : this.base ? this.base.title : "",
    };
    $("[data-history]").replaceChildren(...history.slice().reverse().map((entry) => {
      const item = el("li", {});
      item.append(el("time", { datetime: entry.at, class: "board-history__when" }, when(entry.at)));
      for (const sentence of historySentences(entry, names)) item.append(el("span", { class: "board-history__what" }, sentence));
      return item;
    }));
  }
}

// What a card holds, in its dialog: the checklist (add, edit, tick, reorder, delete, all by keyboard)
// and attached files (a file button or drag and drop, a progress bar for large uploads, thumbnails
// of images, delete). Both follow the card: a change from another window re-renders them, keeping
// the focus where it was.
import { ApiError, announce, api, t } from "../app.js";
import { icon } from "./board_icons.js";
import { el } from "./board_view.js";

const $ = (selector) => document.querySelector(selector);
const IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

function sizeText(bytes) {
  if (bytes < 1024) return t("boards.size_b", { n: bytes });
  if (bytes < 1024 * 1024) return t("boards.size_kb", { n: (bytes / 1024).toFixed(0) });
  return t("boards.size_mb", { n: (bytes / 1024 / 1024).toFixed(1) });
}

export class CardParts {
  constructor(hooks) {
    this.hooks = hooks; // {cardId(), canChange(), say(text), rightsLost()}
    this.card = null;
    this.editing = null; // the checklist item being renamed
    this.list = $("[data-checklist]");
    this.files = $("[data-attachments]");
    this.progress = $("[data-upload-progress]");
    this.input = $("[data-attachment-input]");
    this.wire();
  }

  wire() {
    $("[data-checklist-form]").addEventListener("submit", (event) => {
      event.preventDefault();
      this.addItem(event.target.elements.text);
    });
    this.input.addEventListener("change", () => {
      const chosen = Array.from(this.input.files || []);
      this.input.value = "";
      this.uploadAll(chosen);
    });
    // Files dropped anywhere on the open card attach to it.
    const drop = $("#card-dialog");
    drop.addEventListener("dragover", (event) => {
      if (!this.hooks.canChange() || !event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) return;
      event.preventDefault();
      drop.setAttribute("data-over", "");
    });
    drop.addEventListener("dragleave", () => drop.removeAttribute("data-over"));
    drop.addEventListener("drop", (event) => {
      drop.removeAttribute("data-over");
      if (!this.hooks.canChange() || !event.dataTransfer) return;
      event.preventDefault();
      this.uploadAll(Array.from(event.dataTransfer.files));
    });
  }

  /** The card as it is now (opening the dialog, or a change from anyone). */
  render(card) {
    this.card = card;
    const focused = document.activeElement && document.activeElement.getAttribute("data-part-focus");
    this.renderChecklist();
    this.renderFiles();
    const editable = this.hooks.canChange();
    $("[data-checklist-form]").hidden = !editable;
    $("[data-drop]").hidden = !editable;
    if (focused) {
      const again = document.querySelector(`[data-part-focus="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  // --- checklist --------------------------------------------------------------------------------

  renderChecklist() {
    const items = this.card.checklist || [];
    // A rename in progress keeps what was typed when someone else changes the card meanwhile.
    const typing = this.list.querySelector(".board-checklist__edit");
    const typed = typing ? typing.value : null;
    const done = items.filter((item) => item.done).length;
    $("[data-checklist-progress]").textContent = items.length ? t("boards.checklist_progress", { done, count: items.length }) : "";
    const editable = this.hooks.canChange();
    this.list.replaceChildren(...items.map((item, index) => {
      const row = el("li", { class: "board-checklist__item", "data-item-id": item.id });
      const id = `checklist-${item.id}`;
      const box = el("input", { type: "checkbox", id, checked: item.done, disabled: !editable, "data-part-focus": `tick:${item.id}` });
      box.addEventListener("change", () => this.patchItem(item, { done: box.checked }, box.checked ? "boards.item_ticked" : "boards.item_unticked"));
      box.addEventListener("keydown", (event) => {
        if (!editable || !event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
        event.preventDefault();
        this.moveItem(index, event.key === "ArrowUp" ? -1 : 1);
      });
      row.append(box);
      if (this.editing === item.id && editable) {
        const field = el("input", {
          class: "board-checklist__edit", value: typed !== null ? typed : item.text, maxlength: "200", "aria-label": t("boards.item_rename", { text: item.text }),
          "data-part-focus": `edit:${item.id}`, autocomplete: "off",
        });
        field.addEventListener("keydown", (event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            this.editing = null;
            if (field.value.trim() && field.value !== item.text) this.patchItem(item, { text: field.value }, "boards.item_renamed", `tick:${item.id}`);
            else this.render(this.card);
          } else if (event.key === "Escape") {
            event.preventDefault(); // leaves the rename, not the dialog
            this.editing = null;
            this.render(this.card);
            this.focus(`tick:${item.id}`);
          }
        });
        row.append(field);
        window.setTimeout(() => field.focus(), 0);
      } else {
        row.append(el("label", { for: id, class: item.done ? "board-checklist__text board-checklist__text--done" : "board-checklist__text" }, item.text));
      }
      if (editable) {
        const tools = el("span", { class: "board-checklist__tools" });
        const button = (name, label, focusKey, action, disabled = false) => {
          const b = el("button", { type: "button", class: "board-icon-button", "aria-label": label, title: label, "data-part-focus": focusKey, disabled });
          b.append(icon(name));
          b.addEventListener("click", action);
          tools.append(b);
        };
        button("edit", t("boards.item_rename", { text: item.text }), `rename:${item.id}`, () => {
          this.editing = item.id;
          this.render(this.card);
        });
        button("up", t("boards.item_up", { text: item.text }), `up:${item.id}`, () => this.moveItem(index, -1), index === 0);
        button("down", t("boards.item_down", { text: item.text }), `down:${item.id}`, () => this.moveItem(index, 1), index === items.length - 1);
        button("trash", t("boards.item_delete", { text: item.text }), `delete:${item.id}`, () => this.deleteItem(item, index));
        row.append(tools);
      }
      return row;
    }));
  }

  focus(key) {
    window.setTimeout(() => {
      const node = document.querySelector(`[data-part-focus="${CSS.escape(key)}"]`);
      if (node) node.focus();
    }, 0);
  }

  async call(method, path, body) {
    try {
      return await api(method, path, body, { quiet: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) this.hooks.rightsLost();
      const key = error instanceof ApiError ? `errors.${error.code}` : "";
      this.hooks.say(key && t(key) !== key ? t(key) : t("boards.save_failed"));
      throw error;
    }
  }

  async refresh() {
    // The event reaches every window; this one need not wait for it to show its own change.
    const cardId = this.hooks.cardId();
    const card = await api("GET", `/api/cards/${encodeURIComponent(cardId)}`, undefined, { quiet: true });
    if (cardId === this.hooks.cardId()) this.hooks.cardFetched(card);
  }

  async addItem(field) {
    const text = field.value.trim();
    if (!text) return;
    await this.call("POST", `/api/cards/${encodeURIComponent(this.hooks.cardId())}/checklist`, { text });
    field.value = "";
    announce(t("boards.item_added", { text }));
    await this.refresh();
  }

  async patchItem(item, body, sayKey, focusKey) {
    await this.call("PATCH", `/api/checklist-items/${encodeURIComponent(item.id)}`, body);
    announce(t(sayKey, { text: body.text || item.text }));
    await this.refresh();
    if (focusKey) this.focus(focusKey);
  }

  async moveItem(index, step) {
    const items = this.card.checklist || [];
    const target = index + step;
    if (target < 0 || target >= items.length) return;
    const item = items[index];
    const rest = items.filter((other) => other.id !== item.id);
    const after = target === 0 ? null : rest[target - 1].id;
    await this.call("PATCH", `/api/checklist-items/${encodeURIComponent(item.id)}`, { after });
    announce(t("boards.item_moved", { text: item.text, position: target + 1, count: items.length }));
    await this.refresh();
    this.focus(`tick:${item.id}`);
  }

  async deleteItem(item, index) {
    await this.call("DELETE", `/api/checklist-items/${encodeURIComponent(item.id)}`);
    announce(t("boards.item_deleted", { text: item.text }));
    await this.refresh();
    const items = this.card.checklist || [];
    const next = items[Math.min(index, items.length - 1)];
    this.focus(next ? `tick:${next.id}` : "checklist-new");
  }

  // --- attachments ------------------------------------------------------------------------------

  renderFiles() {
    const attachments = this.card.attachments || [];
    const editable = this.hooks.canChange();
    this.files.replaceChildren(...attachments.map((file) => {
      const row = el("li", { class: "board-attachment", "data-attachment-id": file.id });
      const href = `/api/attachments/${encodeURIComponent(file.id)}`;
      if (IMAGES.has(file.content_type)) {
        row.append(el("img", { class: "board-attachment__thumb", src: href, alt: "", loading: "lazy", width: "64", height: "64" }));
      } else {
        const glyph = el("span", { class: "board-attachment__thumb board-attachment__thumb--file", "aria-hidden": "true" });
        glyph.append(icon("clip"));
        row.append(glyph);
      }
      // Images and PDFs open in a new tab; the server sends every other type as a download.
      const opens = IMAGES.has(file.content_type) || file.content_type === "application/pdf";
      const link = el("a", { href, class: "board-attachment__name", "data-part-focus": `file:${file.id}`, ...(opens ? { target: "_blank", rel: "noopener" } : { download: file.name }) }, file.name);
      const facts = el("span", { class: "board-attachment__size" }, `${sizeText(file.size)}${opens ? t("boards.opens_new_tab") : ""}`);
      row.append(el("span", { class: "board-attachment__text" }));
      row.lastChild.append(link, facts);
      if (editable) {
        const remove = el("button", { type: "button", class: "board-icon-button", "aria-label": t("boards.attachment_delete", { name: file.name }), title: t("boards.attachment_delete", { name: file.name }), "data-part-focus": `remove:${file.id}` });
        remove.append(icon("trash"));
        remove.addEventListener("click", () => this.deleteFile(file));
        row.append(remove);
      }
      return row;
    }));
    $("[data-attachments-empty]").hidden = attachments.length > 0;
  }

  async uploadAll(files) {
    for (const file of files) {
      try {
        await this.upload(file);
      } catch {
        return; // said already; the rest wait for another try
      }
    }
  }

  /** XMLHttpRequest rather than fetch: it reports the upload's progress. */
  upload(file) {
    const cardId = this.hooks.cardId();
    const body = new FormData();
    body.append("file", file, file.name);
    const bar = this.progress;
    const label = $("[data-upload-label]");
    label.textContent = t("boards.uploading", { name: file.name });
    bar.value = 0;
    $("[data-upload]").hidden = false;
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", `/api/cards/${encodeURIComponent(cardId)}/attachments`);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
      });
      request.addEventListener("load", () => {
        $("[data-upload]").hidden = true;
        let data = null;
        try {
          data = JSON.parse(request.responseText);
        } catch {
          data = null;
        }
        if (request.status === 201) {
          announce(t("boards.attached", { name: file.name }));
          this.refresh().then(() => this.focus(`file:${data.id}`));
          resolve(data);
          return;
        }
        if (request.status === 403) this.hooks.rightsLost();
        const code = data && data.error ? data.error.code : "";
        const key = request.status === 413 ? "boards.attachment_too_large" : `errors.${code}`;
        this.hooks.say(t(key) !== key ? t(key, { name: file.name }) : t("boards.save_failed"));
        reject(new Error(code));
      });
      request.addEventListener("error", () => {
        $("[data-upload]").hidden = true;
        this.hooks.say(t("shell.offline"));
        reject(new Error("offline"));
      });
      request.send(body);
    });
  }

  async deleteFile(file) {
    await this.call("DELETE", `/api/attachments/${encodeURIComponent(file.id)}`);
    announce(t("boards.attachment_deleted", { name: file.name }));
    await this.refresh();
    this.focus("attachment-file");
  }
}

// The header's search box on every page of a signed-in person (API.md, "Finding and reminding"):
// an ARIA 1.2 combobox whose listbox shows the cards found as one types. Arrow keys move through
// them, Enter opens the chosen card on its board (/boards/{id}?card={card_id}), Escape closes.
import { api, t } from "./app.js";

const box = document.querySelector("[data-site-search]");
const WAIT_MS = 200;
const LIMIT = 8;

function start() {
  if (!box) return;
  const input = box.querySelector("input");
  const list = box.querySelector('[role="listbox"]');
  const status = box.querySelector("[data-site-search-status]");
  let hits = [];
  let active = -1;
  let timer = 0;
  let asked = 0;

  const open = (yes) => {
    list.hidden = !yes;
    input.setAttribute("aria-expanded", String(yes));
    if (!yes) choose(-1);
  };

  const choose = (index) => {
    active = index;
    const options = list.querySelectorAll('[role="option"]');
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };

  const go = (index) => {
    const hit = hits[index];
    if (!hit) return;
    window.location.assign(`/boards/${encodeURIComponent(hit.board_id)}?card=${encodeURIComponent(hit.card.id)}`);
  };

  const render = (more) => {
    list.replaceChildren();
    hits.forEach((hit, index) => {
      const option = document.createElement("li");
      option.id = `site-search-option-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const title = document.createElement("span");
      title.className = "site-search__title";
      title.textContent = hit.card.title;
      const where = document.createElement("span");
      where.className = "site-search__where";
      where.textContent = t("shell.search_where", { project: hit.project_title });
      if (hit.card.archived) where.textContent += ` · ${t("shell.search_archived")}`;
      option.append(title, where);
      option.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus in the box
      option.addEventListener("click", () => go(index));
      list.append(option);
    });
    status.textContent = hits.length
      ? t(more ? "shell.search_found_more" : "shell.search_found", { count: hits.length })
      : t("shell.search_none");
    open(hits.length > 0);
  };

  const ask = async () => {
    const q = input.value.trim();
    const mine = ++asked;
    if (!q) {
      hits = [];
      status.textContent = "";
      open(false);
      return;
    }
    try {
      const page = await api("GET", `/api/search?q=${encodeURIComponent(q)}&limit=${LIMIT}`, undefined, { quiet: true });
      if (mine !== asked) return; // a newer question was asked meanwhile
      hits = page.items;
      render(Boolean(page.next_cursor));
    } catch {
      if (mine === asked) open(false);
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, WAIT_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden && hits.length) open(true);
      choose(hits.length ? (active + 1) % hits.length : -1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden && hits.length) open(true);
      choose(hits.length ? (active - 1 + hits.length) % hits.length : -1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (hits.length) go(active >= 0 ? active : 0);
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        event.preventDefault();
        open(false);
      }
    }
  });
  input.addEventListener("blur", () => setTimeout(() => open(false), 150));
  input.addEventListener("focus", () => {
    if (hits.length) open(true);
  });
}

start();

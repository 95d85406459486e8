// The board page's "Follow this board" toggle (GET/PUT/DELETE /api/boards/{id}/follow): following a
// board means being told of every card's comments, moves, due changes and archiving.
import { announce, api, t } from "../app.js";

const boardId = decodeURIComponent(window.location.pathname.split("/")[2] || "");
const path = `/api/boards/${encodeURIComponent(boardId)}/follow`;
const button = document.querySelector("[data-follow-board]");

async function start() {
  let state;
  try {
    state = await api("GET", path, undefined, { quiet: true });
  } catch {
    return; // no such board, or not readable: the board page says so itself
  }
  button.setAttribute("aria-pressed", String(state.following));
  button.hidden = false;
  button.addEventListener("click", async () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    button.disabled = true;
    try {
      await api(on ? "PUT" : "DELETE", path);
      button.setAttribute("aria-pressed", String(on));
      announce(t(on ? "boards.follow_board_on" : "boards.follow_board_off"));
    } catch {
      // shown in the alert region
    } finally {
      button.disabled = false;
      button.focus();
    }
  });
}

if (button && boardId) start();

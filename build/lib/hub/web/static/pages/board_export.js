// The board page's download links (GET /api/boards/{id}/export): the session cookie signs them in.
const boardId = decodeURIComponent(window.location.pathname.split("/")[2] || "");
for (const link of document.querySelectorAll("a[data-export]")) {
  link.href = `/api/boards/${encodeURIComponent(boardId)}/export?format=${link.dataset.export}`;
}

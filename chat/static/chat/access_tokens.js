// The chat page's access tokens: make one (its value shown once, in a ready-to-paste MCP client
// configuration), list them, revoke one. Through /api/auth/tokens with the session cookie.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("access-tokens");
  if (!box) return;
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const tokensUrl = box.dataset.tokensUrl;
  const list = document.getElementById("token-list");
  const form = document.getElementById("token-form");
  const shown = document.getElementById("new-token");
  const headers = { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken };

  function configuration(token) {
    const server = { type: "http", url: new URL(box.dataset.mcpPath, window.location.origin).href, headers: { Authorization: `Bearer ${token}` } };
    return JSON.stringify({ mcpServers: { todo: server } }, null, 2);
  }

  async function load() {
    const response = await fetch(`${tokensUrl}?page_size=100`, { headers, credentials: "same-origin" });
    if (!response.ok) return;
    list.replaceChildren(...(await response.json()).results.map(item));
  }

  function item(token) {
    const row = document.createElement("li");
    const used = token.last_used_at ? `used ${new Date(token.last_used_at).toLocaleString()}` : "never used";
    row.textContent = `${token.name} (${used}) `;
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "button small secondary";
    revoke.textContent = "Revoke";
    revoke.setAttribute("aria-label", `Revoke ${token.name}`);
    revoke.addEventListener("click", async () => {
      const response = await fetch(`${tokensUrl}/${token.id}`, { method: "DELETE", headers, credentials: "same-origin" });
      if (response.ok) row.remove();
    });
    row.append(revoke);
    return row;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    if (!name) return;
    const response = await fetch(tokensUrl, {
      method: "POST", headers, credentials: "same-origin", body: JSON.stringify({ name }),
    });
    if (!response.ok) return;
    const made = await response.json();
    document.getElementById("new-token-config").textContent = configuration(made.token);
    shown.hidden = false;
    form.reset();
    load();
  });

  box.addEventListener("toggle", () => { if (box.open) load(); });
});

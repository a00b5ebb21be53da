// The chat page: plain JavaScript over the API, with the session cookie and the CSRF token.
//
//   GET  /api/<user_id>/conversations         the list on the left
//   GET  /api/<user_id>/conversations/<id>    one conversation, tool calls included
//   POST /api/<user_id>/chat                  one turn, streamed
//   GET  /api/<user_id>/tasks                 the list on the right, refreshed after every turn
//   PATCH/DELETE /api/<user_id>/tasks/<id>     the task panel's checkbox, edit and delete
//   PATCH/DELETE /api/<user_id>/conversations/<id>   rename, delete
//   PATCH /api/auth/me                         the time zone, when the browser's differs
//
// A turn is shown through a "turn view" (showTurn): the user's message, then one card per tool
// call, then the reply. `readChatResponse` is the one place that reads a chat response and
// feeds that view: the turn streams (Server-Sent Events, the Vercel AI SDK's UI message stream),
// so each tool card appears when its tool has run and the reply as it is written; an error
// before the stream starts comes back as JSON.
//
// Everything the server sends is put on the page with textContent, never as HTML.
"use strict";

(() => {
  const app = document.getElementById("chat-app");
  if (!app) return;

  const config = {
    chatUrl: app.dataset.chatUrl,
    conversationsUrl: app.dataset.conversationsUrl,
    tasksUrl: app.dataset.tasksUrl,
    loginUrl: app.dataset.loginUrl,
    meUrl: app.dataset.meUrl,
  };
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

  const $ = (id) => document.getElementById(id);
  const el = {
    conversations: $("conversation-list"),
    conversationsEmpty: $("conversations-empty"),
    newConversation: $("new-conversation"),
    title: $("conversation-title"),
    messages: $("messages"),
    intro: $("chat-intro"),
    status: $("chat-status"),
    form: $("chat-form"),
    input: $("message"),
    send: $("send"),
    stop: $("stop"),
    tasks: $("task-list"),
    tasksEmpty: $("tasks-empty"),
    taskSummary: $("task-summary"),
    taskSort: $("task-sort"),
    tasksBadge: $("tasks-badge"),
    actions: $("conversation-actions"),
    renameForm: $("rename-form"),
    renameTitle: $("rename-title"),
    toast: $("toast"),
    toastText: $("toast-text"),
    toastUndo: $("toast-undo"),
  };

  const state = {
    conversationId: null,
    sending: false,
    busy: 0,
    filter: "all",
    taskSignature: null,
    older: null, // {page, carry, url}: the earlier messages of the open conversation, not yet shown
    loadingOlder: false,
  };

  // data-state on the app is "busy" while anything is loading or sending, else "idle".
  async function busy(work) {
    state.busy += 1;
    app.dataset.state = "busy";
    try {
      return await work();
    } finally {
      state.busy -= 1;
      if (state.busy === 0) app.dataset.state = "idle";
    }
  }

  // --- the API ---------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super(errorText(status, body));
      this.status = status;
      this.code = body.code || "";
      this.conversationId = body.conversation_id || null;
    }
  }

  function errorText(status, body) {
    if (typeof body.detail === "string") return body.detail;
    // Field errors: {"message": ["..."]}
    const fields = Object.entries(body).map(([name, errors]) => `${name}: ${[].concat(errors).join(" ")}`);
    return fields.length ? fields.join("; ") : `The server answered ${status}.`;
  }

  async function apiError(response) {
    let body = {};
    try {
      body = await response.json();
    } catch {
      // Not JSON (a proxy's error page): the status says enough.
    }
    return new ApiError(response.status, body && typeof body === "object" ? body : {});
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw await apiError(response);
    return response.json();
  }

  // A JSON write (PATCH, POST, DELETE); the parsed answer, or null for 204.
  async function sendJson(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await apiError(response);
    return response.status === 204 ? null : response.json();
  }

  function postChat(message, conversationId) {
    const body = { message };
    if (conversationId) body.conversation_id = conversationId;
    return fetch(config.chatUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body),
    });
  }

  // Reads one chat response into `view` and returns the conversation id: a stream event by
  // event (a tool card when its result arrives, the reply's text as it comes), or a JSON body
  // (an error before the stream started, or a server that answered JSON).
  async function readChatResponse(response, view) {
    if (!response.ok) throw await apiError(response);
    if (!(response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
      const turn = await response.json();
      for (const call of turn.tool_calls) view.toolCall(call);
      view.reply(turn.message);
      return turn.conversation_id;
    }
    let conversationId = null;
    let failure = null;
    let finished = false;
    const calls = new Map(); // toolCallId -> {tool_name, arguments}
    try {
      for await (const chunk of streamChunks(response)) {
        if (chunk.type === "finish") finished = true;
        const metadata = chunk.messageMetadata || {};
        if (metadata.conversation_id && !conversationId) offerStop(metadata.conversation_id);
        if (metadata.conversation_id) conversationId = metadata.conversation_id;
        if (metadata.error) failure = new ApiError(metadata.error.status, metadata.error);
        if (chunk.type === "tool-input-available") {
          calls.set(chunk.toolCallId, { tool_name: chunk.toolName, arguments: chunk.input });
        } else if (chunk.type === "tool-output-available") {
          view.toolCall({ ...calls.get(chunk.toolCallId), result: chunk.output });
        } else if (chunk.type === "text-delta") {
          view.replyText(chunk.delta);
        } else if (chunk.type === "error" && !failure) {
          failure = new ApiError(500, { detail: chunk.errorText });
        }
      }
    } catch {
      // The connection broke mid-stream (the browser throws rather than ending the body).
    }
    view.replyDone();
    if (!failure && !finished) {
      // Cut before the turn's end: the turn runs on and is stored; sending again would repeat it.
      failure = new ApiError(0, {
        detail: "The connection was lost before the reply was complete; reload to see the rest.",
        code: STREAM_LOST,
        conversation_id: conversationId,
      });
    }
    if (failure) throw failure;
    return conversationId;
  }

  const STREAM_LOST = "stream_lost";
  const failureLabel = (error) => (error.code === STREAM_LOST ? "Interrupted" : "Not sent");

  // The chunks of a UI message stream: one JSON object per `data:` line, until `[DONE]`.
  async function* streamChunks(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += value;
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data: ")) continue;
          const data = line.slice(6);
          if (data === "[DONE]") return;
          yield JSON.parse(data);
        }
      }
    }
  }

  // --- tool calls in words ---------------------------------------------------------------------

  const quoted = (text) => `\u201c${text}\u201d`;
  const taskName = (task) => `task ${task.id} ${quoted(task.title)}`;
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  const FAILED_VERBS = {
    add_task: "add",
    complete_task: "complete",
    reopen_task: "reopen",
    delete_task: "delete",
    update_task: "update",
    list_tasks: "list the tasks",
    undo_last_turn: "undo",
  };
  const UNDONE = { add: "adding", complete: "completing", reopen: "reopening", update: "changing", delete: "deleting" };

  // {tool_name, arguments, result} -> {ok, text, detail}: what was done to which task.
  function describeToolCall(call) {
    const args = call.arguments || {};
    const result = call.result || {};
    const task = result.task;
    if (result.success === false) {
      const verb = FAILED_VERBS[call.tool_name] || `run ${call.tool_name}`;
      const number = args.task_id ?? result.task_id;
      let target = "";
      if (number !== undefined && number !== null) target = ` task ${number}`;
      else if (call.tool_name === "add_task" && args.title) target = ` ${quoted(args.title)}`;
      return { ok: false, text: `Could not ${verb}${target}`, detail: result.error || result.code || "" };
    }
    switch (call.tool_name) {
      case "add_task":
        return { ok: true, text: `Added ${taskName(task)}`, detail: task.description ? `Note: ${task.description}` : "" };
      case "complete_task":
        return { ok: true, text: `Completed ${taskName(task)}`, detail: "" };
      case "reopen_task":
        return { ok: true, text: `Reopened ${taskName(task)}`, detail: "" };
      case "delete_task":
        return { ok: true, text: `Deleted ${taskName(task)}`, detail: "" };
      case "update_task": {
        const renamed = args.title !== null && args.title !== undefined;
        const noted = args.description !== null && args.description !== undefined;
        let text = `Updated ${taskName(task)}`;
        if (renamed && !noted) text = `Renamed task ${task.id} to ${quoted(task.title)}`;
        else if (noted && !renamed) {
          text = task.description ? `Changed the note of ${taskName(task)}` : `Removed the note from ${taskName(task)}`;
        }
        return { ok: true, text, detail: noted && task.description ? `Note: ${task.description}` : "" };
      }
      case "list_tasks": {
        const count = (result.tasks || []).length;
        const which = args.status && args.status !== "all" ? `${args.status} ` : "";
        const found = (result.tasks || []).map((found) => taskName(found));
        return { ok: true, read: true, text: `Looked up ${plural(count, `${which}task`)}`, detail: "", found };
      }
      case "undo_last_turn": {
        const undone = (result.undone || []).map(
          (change) => `${UNDONE[change.action] || change.action} ${taskName(change.task)}`,
        );
        return { ok: true, text: `Undid ${undone.join(", ") || "nothing"}`, detail: "" };
      }
      default:
        return { ok: true, text: `Ran ${call.tool_name}`, detail: "" };
    }
  }

  // --- rendering -------------------------------------------------------------------------------

  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function bubble(role, text) {
    const item = node("li", `message ${role}`);
    item.append(node("span", "visually-hidden", role === "user" ? "You: " : "Assistant: "));
    item.append(node("div", "text", text));
    return item;
  }

  // A read (looking tasks up) changes nothing: a quiet line, folded, that opens on the tasks it
  // found. Changes and failures stay prominent cards.
  function readCard(call, described) {
    const item = node("li", "message tool ok read");
    item.dataset.tool = call.tool_name;
    const fold = node("details");
    const summary = node("summary");
    summary.append(node("span", "tool-text", described.text));
    fold.append(summary);
    const found = node("ul", "tool-found");
    for (const name of described.found) found.append(node("li", "", name));
    fold.append(found);
    item.append(fold);
    return item;
  }

  function toolCard(call) {
    const described = describeToolCall(call);
    if (described.read && described.ok) return readCard(call, described);
    const item = node("li", `message tool ${described.ok ? "ok" : "failed"}`);
    item.dataset.tool = call.tool_name;
    item.append(node("span", "tool-mark", described.ok ? "\u2713" : "\u2715"));
    if (!described.ok) item.append(node("strong", "tool-failed", "Failed: "));
    item.append(node("span", "tool-text", described.text));
    if (described.detail) item.append(node("div", "tool-detail", described.detail));
    item.querySelector(".tool-mark").setAttribute("aria-hidden", "true");
    return item;
  }

  function append(item) {
    el.intro.hidden = true;
    el.messages.append(item);
    scrollToEnd();
    return item;
  }

  // The message list is the one that scrolls (not the page: that would hide the header on a phone).
  function scrollToEnd() {
    el.messages.scrollTop = el.messages.scrollHeight;
  }

  function announce(text) {
    el.status.textContent = text;
  }

  // The view of one turn on the page: the user's message is shown at once, then the tool
  // cards and the reply as they come (all at once for a JSON response).
  function showTurn(userText) {
    append(bubble("user", userText));
    el.messages.setAttribute("aria-busy", "true");
    const pending = append(node("li", "message pending", "Thinking\u2026"));
    pending.setAttribute("aria-hidden", "true");
    let replyNode = null;
    let replied = "";
    return {
      toolCall(call) {
        el.messages.insertBefore(toolCard(call), pending);
        scrollToEnd();
      },
      // The reply's text as it streams in; `replyDone` announces it whole, once.
      replyText(text) {
        if (!replyNode) {
          const item = bubble("assistant", "");
          el.messages.insertBefore(item, pending);
          replyNode = item.querySelector(".text");
        }
        replied += text;
        replyNode.textContent = replied;
        scrollToEnd();
      },
      // The list is a live region, busy while the turn streams: it is read out once, whole.
      replyDone() {
        el.messages.removeAttribute("aria-busy");
      },
      reply(text) {
        this.replyText(text);
        this.replyDone();
      },
      fail(error) {
        const item = node("li", "message error");
        item.setAttribute("role", "alert");
        item.append(node("strong", "", `${failureLabel(error)}: `), node("span", "", error.message));
        if (error.status === 401 || error.status === 403) {
          const link = node("a", "", "Log in again");
          link.href = `${config.loginUrl}?next=${encodeURIComponent(location.pathname + location.search)}`;
          item.append(" ", link);
        }
        el.messages.insertBefore(item, pending);
      },
      finish() {
        el.messages.removeAttribute("aria-busy");
        pending.remove();
        scrollToEnd();
      },
    };
  }

  function parseJson(text, fallback) {
    try {
      return JSON.parse(text);
    } catch {
      return fallback;
    }
  }

  // Stored messages as list items: each tool message is paired with the call that asked for it
  // (a call and its result are in the same turn, and the page shows whole turns).
  function messageItems(messages) {
    const items = document.createDocumentFragment();
    const calls = new Map();
    for (const message of messages) {
      if (message.role === "user") {
        items.append(bubble("user", message.content));
      } else if (message.role === "assistant") {
        if (message.content) items.append(bubble("assistant", message.content));
        for (const call of message.tool_calls || []) {
          calls.set(call.id, { tool_name: call.function.name, arguments: parseJson(call.function.arguments, {}) });
        }
      } else if (message.role === "tool") {
        const call = calls.get(message.tool_call_id) || { tool_name: message.name, arguments: {} };
        items.append(toolCard({ ...call, result: parseJson(message.content, {}) }));
      }
    }
    return items;
  }

  // Splits messages at the first turn's start (a user message): what comes before belongs to a
  // turn that began on an earlier page, and waits for it.
  function fromTurnStart(messages, isFirstPage) {
    if (isFirstPage) return { carry: [], shown: messages };
    const start = messages.findIndex((message) => message.role === "user");
    if (start < 0) return { carry: messages, shown: [] };
    return { carry: messages.slice(0, start), shown: messages.slice(start) };
  }

  const PAGE_SIZE = 100;

  // The pages before `page` (oldest first), until one holds a turn's start; prepended to the
  // list with the reader's place kept. Called when the list is scrolled to its top.
  async function loadOlder() {
    const older = state.older;
    if (!older || state.loadingOlder) return;
    state.loadingOlder = true;
    try {
      let { page, carry } = older;
      let shown = [];
      while (page >= 1 && !shown.length) {
        const messages = (await getJson(older.pageUrl(page))).results.concat(carry);
        ({ carry, shown } = fromTurnStart(messages, page === 1));
        page -= 1;
      }
      if (state.older !== older) return; // another conversation was opened meanwhile
      Object.assign(older, { page, carry });
      if (page < 1) state.older = null;
      const before = el.messages.scrollHeight;
      el.messages.prepend(messageItems(shown));
      el.messages.scrollTop += el.messages.scrollHeight - before;
      el.messages.dataset.olderLeft = state.older ? "yes" : "no";
    } finally {
      state.loadingOlder = false;
    }
  }

  function renderConversationList(page) {
    el.conversations.replaceChildren();
    el.conversationsEmpty.hidden = page.results.length > 0;
    for (const conversation of page.results) {
      const item = node("li");
      const link = node("a", "conversation-link");
      link.href = `?conversation=${encodeURIComponent(conversation.id)}`;
      link.dataset.conversationId = conversation.id;
      link.append(node("span", "conversation-name", conversation.title || "Untitled conversation"));
      const when = new Date(conversation.updated_at);
      const time = node("time", "conversation-time", when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
      time.dateTime = conversation.updated_at;
      link.append(time);
      if (conversation.id === state.conversationId) link.setAttribute("aria-current", "page");
      item.append(link);
      el.conversations.append(item);
    }
  }

  // --- due dates in words, in the account's zone ---------------------------------------------

  const DAY_MS = 86400000;

  // Today's date in `zone` as a UTC midnight, so that days can be counted by subtraction.
  function todayIn(zone) {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date());
    const part = (type) => Number(parts.find((p) => p.type === type).value);
    return Date.UTC(part("year"), part("month") - 1, part("day"));
  }

  // "today 17:00", "tomorrow", "Fri", "Dec 24", "Dec 24, 2027": near days by name, others by date.
  function dueWords(task) {
    const [year, month, day] = task.due_date.split("-").map(Number);
    const due = Date.UTC(year, month - 1, day);
    const today = todayIn(app.dataset.timeZone || "UTC");
    const days = Math.round((due - today) / DAY_MS);
    const date = new Date(due);
    let words;
    if (days === 0) words = "today";
    else if (days === 1) words = "tomorrow";
    else if (days === -1) words = "yesterday";
    else if (days > 1 && days < 7) words = date.toLocaleDateString("en-US", { weekday: "short", timeZone: "UTC" });
    else {
      const sameYear = new Date(today).getUTCFullYear() === year;
      words = date.toLocaleDateString("en-US", {
        month: "short", day: "numeric", year: sameYear ? undefined : "numeric", timeZone: "UTC",
      });
    }
    return task.due_time ? `${words} ${task.due_time}` : words;
  }

  const REPEATS = { DAILY: "daily", WEEKLY: "weekly", MONTHLY: "monthly", YEARLY: "yearly" };

  function repeatWords(rule) {
    const fields = Object.fromEntries(rule.split(";").map((field) => field.split("=")));
    const every = Number(fields.INTERVAL || 1);
    const unit = REPEATS[fields.FREQ] || "";
    if (every > 1 && unit) return `every ${every} ${unit.replace(/ly$/, "").replace("dai", "day")}s`;
    return unit || "repeats";
  }

  // --- the task panel ----------------------------------------------------------------------------

  const FILTERS = {
    all: { status: "all" },
    today: { due: "today" },
    upcoming: { status: "pending", due: "next_7_days" },
    overdue: { due: "overdue" },
    done: { status: "completed" },
  };
  const EMPTY = {
    all: "No tasks yet.",
    today: "Nothing due today.",
    upcoming: "Nothing due in the next 7 days.",
    overdue: "Nothing overdue.",
    done: "Nothing done yet.",
  };

  function taskUrl(task, suffix = "") {
    return `${config.tasksUrl}/${encodeURIComponent(task.id)}${suffix}`;
  }

  function taskMeta(task) {
    const meta = node("span", "task-meta");
    if (task.due_date) {
      const due = node("span", `task-due${task.overdue ? " overdue" : ""}`);
      if (task.overdue) due.append(node("strong", "", "Overdue: "));
      due.append(node("time", "", dueWords(task)));
      due.lastChild.dateTime = task.due_time ? `${task.due_date}T${task.due_time}` : task.due_date;
      meta.append(due);
    }
    if (task.priority && task.priority !== "none") {
      meta.append(node("span", `task-priority ${task.priority}`, `${task.priority[0].toUpperCase()}${task.priority.slice(1)} priority`));
    }
    if (task.recurrence) {
      const repeat = node("span", "task-repeat");
      repeat.append(node("span", "", "\u21bb "), repeatWords(task.recurrence));
      repeat.firstChild.setAttribute("aria-hidden", "true");
      meta.append(repeat);
    }
    return meta;
  }

  function taskRow(task) {
    const item = node("li", `task${task.completed ? " done" : ""}`);
    item.dataset.taskId = task.id;
    const box = node("input", "task-check");
    box.type = "checkbox";
    box.checked = task.completed;
    box.id = `task-check-${task.id}`;
    box.setAttribute("aria-label", `Done: ${task.title}`);
    box.addEventListener("change", () => toggleTask(task, box));
    item.append(box);
    const body = node("div", "task-body");
    const title = node("label", "task-title", task.title);
    title.htmlFor = box.id;
    body.append(title);
    if (task.description) body.append(node("span", "task-description", task.description));
    if (task.due_date || task.recurrence || (task.priority && task.priority !== "none")) body.append(taskMeta(task));
    item.append(body);
    const actions = node("div", "task-actions");
    const edit = node("button", "icon-button", "Edit");
    edit.type = "button";
    edit.setAttribute("aria-label", `Edit ${task.title}`);
    edit.addEventListener("click", () => editTask(task, item));
    const remove = node("button", "icon-button", "Delete");
    remove.type = "button";
    remove.setAttribute("aria-label", `Delete ${task.title}`);
    remove.addEventListener("click", () => deleteTask(task, item));
    actions.append(edit, remove);
    item.append(actions);
    return item;
  }

  function renderTasks(page) {
    const tasks = page.results.filter((task) => !pendingDelete || pendingDelete.task.id !== task.id);
    el.tasks.replaceChildren(...tasks.map(taskRow));
    el.tasksEmpty.hidden = tasks.length > 0;
    el.tasksEmpty.textContent = EMPTY[state.filter];
    let summary = "";
    if (state.filter === "all" && tasks.length) summary = `${tasks.filter((task) => !task.completed).length} pending`;
    else if (tasks.length) summary = plural(page.count, "task");
    el.taskSummary.textContent = summary;
  }

  async function toggleTask(task, box) {
    box.disabled = true;
    try {
      await sendJson("PATCH", taskUrl(task, "/complete"));
      showToast(`${task.completed ? "Reopened" : "Completed"} \u201c${task.title}\u201d.`);
    } catch (error) {
      showToast(`Could not change \u201c${task.title}\u201d: ${error.message}`);
    }
    await refreshTasks({ quiet: true });
  }

  // In place: the row becomes a small form for the title and the note.
  function editTask(task, item) {
    const form = node("form", "task-edit");
    const title = node("input");
    title.value = task.title;
    title.required = true;
    title.maxLength = 200;
    title.setAttribute("aria-label", "Title");
    const note = node("textarea");
    note.value = task.description || "";
    note.rows = 2;
    note.placeholder = "Note";
    note.setAttribute("aria-label", "Note");
    const save = node("button", "button small", "Save");
    save.type = "submit";
    const cancel = node("button", "button small secondary", "Cancel");
    cancel.type = "button";
    const row = node("div", "task-edit-row");
    row.append(save, cancel);
    form.append(title, note, row);
    item.replaceChildren(form);
    title.focus();
    cancel.addEventListener("click", () => refreshTasks({ quiet: true }));
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") refreshTasks({ quiet: true });
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await sendJson("PATCH", taskUrl(task), { title: title.value.trim(), description: note.value.trim() });
        await refreshTasks({ quiet: true });
      } catch (error) {
        showToast(`Not saved: ${error.message}`);
      }
    });
  }

  // A delete waits for the toast's five seconds: Undo within them cancels it; nothing is sent.
  let pendingDelete = null;
  const UNDO_SECONDS = 5;

  function deleteTask(task, item) {
    commitDelete();
    item.remove();
    pendingDelete = { task, timer: setTimeout(commitDelete, UNDO_SECONDS * 1000) };
    showToast(`Deleted \u201c${task.title}\u201d.`, { undo: true });
  }

  async function commitDelete() {
    const pending = pendingDelete;
    if (!pending) return;
    pendingDelete = null;
    clearTimeout(pending.timer);
    hideToast();
    try {
      await fetch(taskUrl(pending.task), {
        method: "DELETE", credentials: "same-origin", keepalive: true, headers: { "X-CSRFToken": csrfToken },
      });
    } finally {
      refreshTasks({ quiet: true });
    }
  }

  function undoDelete() {
    if (!pendingDelete) return;
    clearTimeout(pendingDelete.timer);
    const { task } = pendingDelete;
    pendingDelete = null;
    hideToast();
    announce(`Kept \u201c${task.title}\u201d.`);
    refreshTasks({ quiet: true });
  }

  let toastTimer = null;

  function showToast(text, { undo = false } = {}) {
    clearTimeout(toastTimer);
    el.toastText.textContent = text;
    el.toastUndo.hidden = !undo;
    el.toast.hidden = false;
    if (!undo) toastTimer = setTimeout(hideToast, 4000);
  }

  function hideToast() {
    el.toast.hidden = true;
  }

  function markCurrent() {
    for (const link of el.conversations.querySelectorAll("a")) {
      if (link.dataset.conversationId === state.conversationId) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  // --- actions ---------------------------------------------------------------------------------

  async function refreshConversations() {
    try {
      renderConversationList(await getJson(config.conversationsUrl));
    } catch (error) {
      el.conversationsEmpty.hidden = false;
      el.conversationsEmpty.textContent = `Could not load conversations: ${error.message}`;
    }
  }

  // The panel's tasks under its filter and order. After a turn (not `quiet`), tasks that changed
  // while the panel is out of sight (a phone shows one pane) are counted on the Tasks tab.
  async function refreshTasks({ quiet = false } = {}) {
    const query = new URLSearchParams({ ...FILTERS[state.filter], ordering: el.taskSort.value, page_size: "100" });
    try {
      const [page, everything] = await Promise.all([
        getJson(`${config.tasksUrl}?${query}`),
        getJson(`${config.tasksUrl}?page_size=100`),
      ]);
      renderTasks(page);
      noteChanges(everything.results, quiet);
    } catch (error) {
      el.tasksEmpty.hidden = false;
      el.tasksEmpty.textContent = `Could not load tasks: ${error.message}`;
    }
  }

  function noteChanges(tasks, quiet) {
    const signature = new Map(tasks.map((task) => [task.id, task.updated_at]));
    const before = state.taskSignature;
    state.taskSignature = signature;
    if (!before || quiet || app.dataset.pane === "tasks") return;
    let changed = [...signature].filter(([id, updated]) => before.get(id) !== updated).length;
    changed += [...before.keys()].filter((id) => !signature.has(id)).length;
    if (!changed) return;
    const total = Number(el.tasksBadge.dataset.count || 0) + changed;
    el.tasksBadge.dataset.count = total;
    el.tasksBadge.textContent = String(total);
    el.tasksBadge.hidden = false;
    $("tasks-tab").setAttribute("aria-label", `Tasks, ${plural(total, "change")}`);
  }

  // --- panes (a phone shows one at a time) -------------------------------------------------------

  function showPane(name) {
    app.dataset.pane = name;
    for (const tab of document.querySelectorAll(".pane-tab")) {
      if (tab.dataset.pane === name) tab.setAttribute("aria-current", "true");
      else tab.removeAttribute("aria-current");
    }
    if (name === "tasks") {
      el.tasksBadge.hidden = true;
      el.tasksBadge.dataset.count = "0";
      $("tasks-tab").removeAttribute("aria-label");
    }
  }

  function setAddress(conversationId, push) {
    if (!push) return;
    const url = conversationId ? `?conversation=${encodeURIComponent(conversationId)}` : location.pathname;
    history.pushState({ conversationId }, "", url);
  }

  function startNewConversation({ push = true } = {}) {
    state.conversationId = null;
    state.older = null;
    el.messages.replaceChildren();
    el.intro.hidden = false;
    showTitle("New conversation");
    markCurrent();
    setAddress(null, push);
  }

  function openConversation(conversationId, { push = true, focus = true } = {}) {
    return busy(async () => {
      try {
        const conversation = await getJson(`${config.conversationsUrl}/${encodeURIComponent(conversationId)}`);
        // Its messages come oldest first, a page at a time: the last page, from its first turn's
        // start; earlier ones when the list is scrolled up (`loadOlder`).
        const lastPage = Math.max(1, Math.ceil(conversation.message_count / PAGE_SIZE));
        const pageUrl = (page) => `${conversation.messages_url}?page_size=${PAGE_SIZE}&page=${page}`;
        const older = { page: lastPage, carry: [], pageUrl };
        state.older = older;
        state.conversationId = conversation.id;
        showTitle(conversation.title);
        el.messages.replaceChildren();
        el.intro.hidden = conversation.message_count > 0;
        await loadOlder();
        // A short last page fills little of the list: show a turn or more before it too.
        if (state.older === older && el.messages.scrollHeight <= el.messages.clientHeight) await loadOlder();
        scrollToEnd();
        markCurrent();
        setAddress(conversation.id, push);
        if (focus) el.title.focus();
      } catch (error) {
        startNewConversation({ push: false });
        append(node("li", "message error", `Could not open that conversation: ${error.message}`));
      }
    });
  }

  function showTitle(title) {
    el.title.textContent = title || "Untitled conversation";
    el.actions.hidden = !state.conversationId;
    el.renameForm.hidden = true;
  }

  function send(text) {
    return busy(() => sendTurn(text));
  }

  // The Stop button, while a turn of `conversationId` streams: the server ends the turn after
  // its current step, and the stream finishes with its "Stopped." reply.
  function offerStop(conversationId) {
    el.stop.dataset.conversationId = conversationId;
    el.stop.disabled = false;
    el.stop.hidden = false;
  }

  function withdrawStop() {
    const hadFocus = document.activeElement === el.stop;
    el.stop.hidden = true;
    delete el.stop.dataset.conversationId;
    if (hadFocus) el.input.focus();
  }

  async function stopTurn() {
    const id = el.stop.dataset.conversationId;
    if (!id) return;
    el.stop.disabled = true;
    announce("Stopping\u2026");
    try {
      await sendJson("POST", `${config.conversationsUrl}/${encodeURIComponent(id)}/stop`);
    } catch (error) {
      // 409: the turn finished meanwhile; its reply is on its way.
      if (!(error instanceof ApiError && error.status === 409)) announce(`Not stopped: ${error.message}`);
    }
  }

  async function sendTurn(text) {
    state.sending = true;
    el.form.setAttribute("aria-busy", "true");
    el.send.disabled = true;
    announce("Sending\u2026");
    const view = showTurn(text);
    const wasNew = !state.conversationId;
    try {
      const conversationId = await readChatResponse(await postChat(text, state.conversationId), view);
      state.conversationId = conversationId;
      if (wasNew) setAddress(conversationId, true);
      announce("");
    } catch (error) {
      const failure = error instanceof ApiError ? error : new Error(`The server could not be reached (${error.message}).`);
      view.fail(failure);
      announce(`${failureLabel(failure)}: ${failure.message}`);
      if (failure.conversationId) state.conversationId = failure.conversationId;
      // Nothing is lost: the message is offered again, unless its turn started and runs on.
      if (!el.input.value && failure.code !== STREAM_LOST) el.input.value = text;
    } finally {
      view.finish();
      await Promise.all([refreshTasks(), refreshConversations()]);
      if (state.conversationId) {
        const current = el.conversations.querySelector(`a[data-conversation-id="${CSS.escape(state.conversationId)}"]`);
        if (current) showTitle(current.querySelector(".conversation-name").textContent);
      }
      withdrawStop();
      state.sending = false;
      el.send.disabled = false;
      el.form.removeAttribute("aria-busy");
    }
  }

  // --- events ----------------------------------------------------------------------------------

  el.stop.addEventListener("click", stopTurn);

  el.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = el.input.value.trim();
    if (!text || state.sending) {
      el.input.focus();
      return;
    }
    el.input.value = "";
    send(text);
  });

  el.input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter is a new line; Enter while an input method composes is its own.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      el.form.requestSubmit();
    }
  });

  el.newConversation.addEventListener("click", () => {
    startNewConversation();
    showPane("chat");
    el.input.focus();
  });

  for (const tab of document.querySelectorAll(".pane-tab")) {
    tab.addEventListener("click", () => showPane(tab.dataset.pane));
  }

  for (const button of document.querySelectorAll(".filter")) {
    button.addEventListener("click", () => {
      state.filter = button.dataset.filter;
      for (const other of document.querySelectorAll(".filter")) other.setAttribute("aria-pressed", String(other === button));
      busy(() => refreshTasks({ quiet: true }));
    });
  }
  el.taskSort.addEventListener("change", () => busy(() => refreshTasks({ quiet: true })));

  el.toastUndo.addEventListener("click", undoDelete);
  window.addEventListener("pagehide", commitDelete);

  el.messages.addEventListener("scroll", () => {
    if (el.messages.scrollTop < 80 && state.older) busy(loadOlder);
  });

  // Rename in place; delete after a confirmation (a conversation cannot be brought back).
  $("rename-conversation").addEventListener("click", () => {
    el.renameTitle.value = el.title.textContent;
    el.renameForm.hidden = false;
    el.actions.hidden = true;
    el.renameTitle.focus();
    el.renameTitle.select();
  });
  $("rename-cancel").addEventListener("click", () => showTitle(el.title.textContent));
  el.renameForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const title = el.renameTitle.value.trim();
    if (!title || !state.conversationId) return;
    busy(async () => {
      try {
        const renamed = await sendJson("PATCH", `${config.conversationsUrl}/${encodeURIComponent(state.conversationId)}`, { title });
        showTitle(renamed.title);
        await refreshConversations();
        el.title.focus();
      } catch (error) {
        showToast(`Not renamed: ${error.message}`);
      }
    });
  });
  $("delete-conversation").addEventListener("click", () => {
    const id = state.conversationId;
    if (!id || !window.confirm(`Delete the conversation \u201c${el.title.textContent}\u201d? Its tasks stay.`)) return;
    busy(async () => {
      try {
        await sendJson("DELETE", `${config.conversationsUrl}/${encodeURIComponent(id)}`);
        startNewConversation();
        showToast("Conversation deleted.");
        await refreshConversations();
      } catch (error) {
        showToast(`Not deleted: ${error.message}`);
      }
    });
  });

  // The account's zone decides "today" and due times; offer the browser's when they differ.
  function offerTimeZone() {
    let browserZone = "";
    try {
      browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch {
      return;
    }
    const accountZone = app.dataset.timeZone;
    const key = `time-zone-kept:${accountZone}:${browserZone}`;
    if (!browserZone || browserZone === accountZone || localStorage.getItem(key)) return;
    const offer = $("time-zone-offer");
    $("tz-account").textContent = accountZone;
    $("tz-browser").textContent = browserZone;
    offer.hidden = false;
    $("tz-keep").addEventListener("click", () => {
      localStorage.setItem(key, "1");
      offer.hidden = true;
    });
    $("tz-use").addEventListener("click", () => busy(async () => {
      try {
        const me = await sendJson("PATCH", config.meUrl, { time_zone: browserZone });
        app.dataset.timeZone = me.time_zone;
        offer.hidden = true;
        showToast(`Time zone set to ${me.time_zone}.`);
        await refreshTasks({ quiet: true });
      } catch (error) {
        showToast(`Time zone not changed: ${error.message}`);
      }
    }));
  }

  el.conversations.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-conversation-id]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    showPane("chat");
    openConversation(link.dataset.conversationId);
  });

  window.addEventListener("popstate", () => {
    const conversationId = new URLSearchParams(location.search).get("conversation");
    if (conversationId) openConversation(conversationId, { push: false });
    else startNewConversation({ push: false });
  });

  offerTimeZone();
  busy(async () => {
    const conversationId = new URLSearchParams(location.search).get("conversation");
    await Promise.all([
      refreshConversations(),
      refreshTasks(),
      conversationId ? openConversation(conversationId, { push: false, focus: false }) : null,
    ]);
    markCurrent();
  });
})();

// The chat page: plain JavaScript over the API, with the session cookie and the CSRF token.
//
//   GET  /api/<user_id>/conversations         the list on the left
//   GET  /api/<user_id>/conversations/<id>    one conversation, tool calls included
//   POST /api/<user_id>/chat                  one turn, streamed
//   GET  /api/<user_id>/tasks                 the list on the right, refreshed after every turn
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
    tasks: $("task-list"),
    tasksEmpty: $("tasks-empty"),
    taskSummary: $("task-summary"),
  };

  const state = { conversationId: null, sending: false, busy: 0 };

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
        return { ok: true, text: `Looked up ${plural(count, `${which}task`)}`, detail: "" };
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

  function toolCard(call) {
    const described = describeToolCall(call);
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
      replyDone() {
        if (replied) announce(`Assistant: ${replied}`);
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

  // A stored conversation: each tool message is paired with the call that asked for it.
  function renderConversation(conversation) {
    el.messages.replaceChildren();
    el.intro.hidden = conversation.messages.length > 0;
    const calls = new Map();
    for (const message of conversation.messages) {
      if (message.role === "user") {
        el.messages.append(bubble("user", message.content));
      } else if (message.role === "assistant") {
        if (message.content) el.messages.append(bubble("assistant", message.content));
        for (const call of message.tool_calls || []) {
          calls.set(call.id, { tool_name: call.function.name, arguments: parseJson(call.function.arguments, {}) });
        }
      } else if (message.role === "tool") {
        const call = calls.get(message.tool_call_id) || { tool_name: message.name, arguments: {} };
        el.messages.append(toolCard({ ...call, result: parseJson(message.content, {}) }));
      }
    }
    scrollToEnd();
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

  function renderTasks(tasks) {
    el.tasks.replaceChildren();
    el.tasksEmpty.hidden = tasks.length > 0;
    const done = tasks.filter((task) => task.completed).length;
    el.taskSummary.textContent = tasks.length ? `${tasks.length - done} pending, ${done} done` : "";
    for (const task of tasks) {
      const item = node("li", `task${task.completed ? " done" : ""}`);
      item.dataset.taskId = task.id;
      item.append(node("span", "task-number", `${task.id}.`));
      const body = node("div", "task-body");
      body.append(node("span", "task-title", task.title));
      if (task.description) body.append(node("span", "task-description", task.description));
      item.append(body);
      if (task.completed) item.append(node("span", "task-state", "done"));
      el.tasks.append(item);
    }
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

  async function refreshTasks() {
    try {
      renderTasks((await getJson(`${config.tasksUrl}?page_size=100`)).results);  // the first 100
    } catch (error) {
      el.tasksEmpty.hidden = false;
      el.tasksEmpty.textContent = `Could not load tasks: ${error.message}`;
    }
  }

  function setAddress(conversationId, push) {
    if (!push) return;
    const url = conversationId ? `?conversation=${encodeURIComponent(conversationId)}` : location.pathname;
    history.pushState({ conversationId }, "", url);
  }

  function startNewConversation({ push = true } = {}) {
    state.conversationId = null;
    el.messages.replaceChildren();
    el.intro.hidden = false;
    el.title.textContent = "New conversation";
    markCurrent();
    setAddress(null, push);
  }

  function openConversation(conversationId, { push = true, focus = true } = {}) {
    return busy(async () => {
      try {
        const conversation = await getJson(`${config.conversationsUrl}/${encodeURIComponent(conversationId)}`);
        // Its messages come oldest first, a page at a time: the last page, and the one before
        // it when the last is short, hold the latest 50 to 200.
        const pageSize = 100;
        const lastPage = Math.max(1, Math.ceil(conversation.message_count / pageSize));
        const pageUrl = (page) => `${conversation.messages_url}?page_size=${pageSize}&page=${page}`;
        let messages = (await getJson(pageUrl(lastPage))).results;
        if (lastPage > 1 && messages.length < pageSize / 2) {
          messages = (await getJson(pageUrl(lastPage - 1))).results.concat(messages);
        }
        state.conversationId = conversation.id;
        el.title.textContent = conversation.title || "Untitled conversation";
        renderConversation({ ...conversation, messages });
        markCurrent();
        setAddress(conversation.id, push);
        if (focus) el.title.focus();
      } catch (error) {
        startNewConversation({ push: false });
        append(node("li", "message error", `Could not open that conversation: ${error.message}`));
      }
    });
  }

  function send(text) {
    return busy(() => sendTurn(text));
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
        if (current) el.title.textContent = current.querySelector(".conversation-name").textContent;
      }
      state.sending = false;
      el.send.disabled = false;
      el.form.removeAttribute("aria-busy");
    }
  }

  // --- events ----------------------------------------------------------------------------------

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
    el.input.focus();
  });

  el.conversations.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-conversation-id]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    openConversation(link.dataset.conversationId);
  });

  window.addEventListener("popstate", () => {
    const conversationId = new URLSearchParams(location.search).get("conversation");
    if (conversationId) openConversation(conversationId, { push: false });
    else startNewConversation({ push: false });
  });

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

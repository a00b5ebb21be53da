// Sends one message to the chat endpoint through the AI SDK's own client and prints what it
// made of the stream, as JSON on stdout: {"message": <the assistant UI message>, "errors": [...],
// "response": {"status", "headers"}} (what the SDK does not check itself, for the test to).
//
//   node read_stream.mjs <chat URL> <message> [conversation id]      (CHAT_TOKEN: a JWT)
//
// `DefaultChatTransport` parses every chunk against the SDK's schema (a chunk it rejects
// is an error here); `readUIMessageStream` folds the chunks into the message as `useChat` does.
// Used by chat/tests/test_stream_ai_sdk.py.
import { DefaultChatTransport, readUIMessageStream } from "ai";

const [url, text, conversationId] = process.argv.slice(2);
const token = process.env.CHAT_TOKEN;
if (!url || !text || !token) {
  console.error("usage: CHAT_TOKEN=<jwt> node read_stream.mjs <chat URL> <message> [conversation id]");
  process.exit(2);
}

let response = null;
const transport = new DefaultChatTransport({
  api: url,
  fetch: async (input, init) => {
    const answer = await fetch(input, init);
    response = { status: answer.status, headers: Object.fromEntries(answer.headers) };
    return answer;
  },
  headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" },
  // The endpoint takes one message and the conversation's id, not the SDK's whole history.
  prepareSendMessagesRequest: ({ messages }) => {
    const last = messages[messages.length - 1];
    const message = last.parts
      .filter((part) => part.type === "text")
      .map((part) => part.text)
      .join("");
    return { body: conversationId ? { message, conversation_id: conversationId } : { message } };
  },
});

const errors = [];
let message = null;
try {
  const stream = await transport.sendMessages({
    trigger: "submit-message",
    chatId: conversationId ?? "new",
    messageId: undefined,
    messages: [{ id: "user-1", role: "user", parts: [{ type: "text", text }] }],
    abortSignal: undefined,
  });
  for await (const snapshot of readUIMessageStream({
    stream,
    onError: (error) => errors.push(describe(error)),
  })) {
    message = snapshot;
  }
} catch (error) {
  errors.push(describe(error));
}
process.stdout.write(JSON.stringify({ message, errors, response }) + "\n");

function describe(error) {
  return { name: error?.name ?? "Error", message: String(error?.message ?? error) };
}

// The `openai` package through the gateway's proxy: chat, the Responses API, embeddings and the
// model list, each with the SDK's defaults. `baseURL` is the proxy; `fetch` sends the session
// cookie (in a page: `(url, init) => fetch(url, { ...init, credentials: "include" })`).
import OpenAI from "openai";

export async function run({ baseURL, fetch }) {
  const openai = new OpenAI({
    baseURL,
    apiKey: "unused", // the SDK insists on one; the gateway never sends it on
    dangerouslyAllowBrowser: true, // safe here: the page holds no secret
    fetch,
  });

  let chat = "";
  const chatStream = await openai.chat.completions.create({
    model: "openai/gpt-4o",
    stream: true,
    messages: [{ role: "user", content: "Hello from chat" }],
  });
  for await (const chunk of chatStream) chat += chunk.choices[0]?.delta?.content ?? "";

  let responses = "";
  const responseStream = await openai.responses.create({ model: "openai/gpt-4o", input: "Hello from responses", stream: true });
  for await (const event of responseStream) if (event.type === "response.output_text.delta") responses += event.delta;

  const embedded = await openai.embeddings.create({ model: "openai/text-embedding-3-small", input: "Hello from embeddings" });

  const models = [];
  for await (const model of openai.models.list()) models.push(model.id);

  return { chat, responses, embedding: embedded.data[0].embedding.length, models };
}

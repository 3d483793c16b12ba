// The AI SDK (`ai`) with its own OpenAI provider, as it comes: `provider(model)` calls the
// Responses API (`POST /responses`), streamed as its typed events.
import { createOpenAI } from "@ai-sdk/openai";
import { streamText } from "ai";

export async function run({ baseURL, fetch }) {
  const provider = createOpenAI({ baseURL, apiKey: "unused", fetch });
  const result = streamText({ model: provider("openai/gpt-4o"), prompt: "Hello from the AI SDK" });
  let text = "";
  for await (const delta of result.textStream) text += delta;
  return { text };
}

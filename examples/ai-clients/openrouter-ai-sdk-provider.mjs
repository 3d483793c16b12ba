// The AI SDK (`ai`) with OpenRouter's own provider, `@openrouter/ai-sdk-provider`.
import { createOpenRouter } from "@openrouter/ai-sdk-provider";
import { streamText } from "ai";

export async function run({ baseURL, fetch }) {
  const openrouter = createOpenRouter({ baseURL, apiKey: "unused", fetch });
  const result = streamText({ model: openrouter("openai/gpt-4o"), prompt: "Hello from the OpenRouter provider" });
  let text = "";
  for await (const delta of result.textStream) text += delta;
  return { text };
}

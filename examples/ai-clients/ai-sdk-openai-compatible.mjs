// The AI SDK (`ai`) with `@ai-sdk/openai-compatible`: chat completions, streamed.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText } from "ai";

export async function run({ baseURL, fetch }) {
  const provider = createOpenAICompatible({ name: "openrouter", baseURL, fetch });
  const result = streamText({ model: provider.chatModel("openai/gpt-4o"), prompt: "Hello from openai-compatible" });
  let text = "";
  for await (const delta of result.textStream) text += delta;
  return { text };
}

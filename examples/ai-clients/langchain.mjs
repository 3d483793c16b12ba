// LangChain's `ChatOpenAI` (`@langchain/openai`), streamed.
import { ChatOpenAI } from "@langchain/openai";

export async function run({ baseURL, fetch }) {
  const chat = new ChatOpenAI({ model: "openai/gpt-4o", apiKey: "unused", maxRetries: 0, configuration: { baseURL, fetch, dangerouslyAllowBrowser: true } });
  let text = "";
  for await (const chunk of await chat.stream("Hello from LangChain")) text += chunk.content;
  return { text };
}

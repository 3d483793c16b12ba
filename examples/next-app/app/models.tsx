"use client";
import { useState } from "react";
import { OpenRouterAuth } from "openrouter-auth/react";

export function Models({ endpoint }: { endpoint: string }) {
  const [connected, setConnected] = useState(false);
  return (
    <OpenRouterAuth
      endpoint={endpoint}
      methods="api-key oauth"
      refreshInterval={60}
      onAuthChange={(event) => setConnected(event.detail.authenticated)}
      onAuthError={(event) => console.warn(event.detail.code, event.detail.message)}
    >
      {connected && (
        <label>
          Model <select><option>openai/gpt-4o-mini</option></select>
        </label>
      )}
      <p slot="signed-out">Connect OpenRouter to choose a model.</p>
    </OpenRouterAuth>
  );
}

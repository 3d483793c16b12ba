import { Models } from "./models";

// Rendered on the server for every request, then hydrated in the browser.
export const dynamic = "force-dynamic";

export default function Page() {
  // Where the gateway's GraphQL endpoint is: `/graphql` when the gateway shares this origin.
  const endpoint = process.env.OPENROUTER_AUTH_ENDPOINT ?? "/graphql";
  return (
    <main>
      <h1>Drafts</h1>
      <Models endpoint={endpoint} />
    </main>
  );
}

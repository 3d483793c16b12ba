/**
 * Reads `state` and `code` from the callback's query string. OpenRouter documents only that it
 * adds `code` to callback_url, and the URL we give it already has `?state=`, so a provider that
 * blindly appends `?code=` produces `?state=S?code=C`. A second `?` is never a legitimate part of
 * our values (both are URL-safe base64 or URL-encoded), so it is read as a separator.
 */
export function parseCallbackQuery(url: string): { state: string | undefined; code: string | undefined } {
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return { state: undefined, code: undefined };
  const query = url.slice(queryStart + 1).split("#")[0]!.replaceAll("?", "&");
  const params = new URLSearchParams(query);
  const state = params.get("state") ?? undefined;
  const code = params.get("code") ?? undefined;
  return { state: state === "" ? undefined : state, code: code === "" ? undefined : code };
}

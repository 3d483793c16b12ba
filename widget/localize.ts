import { en, type OpenRouterAuthStrings } from "./strings.js";

/**
 * The languages the element knows: English built in, the others loaded on demand as modules of
 * their own, so the default bundle carries only English. The bundle build keeps these imports as
 * separate files next to `openrouter-auth.js` (`openrouter-auth-locales/<tag>.js`).
 */
const builtIn: Record<string, () => Promise<{ default: OpenRouterAuthStrings }>> = {
  de: () => import("./locales/de.js"),
  es: () => import("./locales/es.js"),
  fr: () => import("./locales/fr.js"),
  ja: () => import("./locales/ja.js"),
  "pt-BR": () => import("./locales/pt-BR.js"),
  "zh-CN": () => import("./locales/zh-CN.js"),
};

/** The strings of each language known so far: English, those loaded, and those a host registered. */
const known = new Map<string, Partial<OpenRouterAuthStrings>>([["en", en]]);
const loading = new Map<string, Promise<void>>();
const settled = new Set<string>();

/** Adds or overrides a language's strings; missing ones fall back to English. */
export function registerLocale(tag: string, strings: Partial<OpenRouterAuthStrings>): void {
  known.set(tag, { ...known.get(tag), ...strings });
}

/**
 * The best language for a BCP 47 tag: the tag itself, else the first one with the same primary
 * language (`de-AT` → `de`, `pt` → `pt-BR`, `zh-TW` → `zh-CN`), else English. Case-insensitive.
 */
export function pickLocale(tag: string): string {
  const tags = [...new Set([...known.keys(), ...Object.keys(builtIn)])];
  const wanted = tag.toLowerCase();
  const primary = (t: string) => t.toLowerCase().split("-")[0];
  return (
    tags.find((t) => t.toLowerCase() === wanted) ??
    tags.find((t) => primary(t) === primary(wanted)) ??
    "en"
  );
}

/**
 * The strings for a language picked by `pickLocale`, English where it has none. A built-in
 * language not loaded yet starts loading and `onLoad` runs once it is there; meanwhile (or if the
 * module cannot be fetched) the words are English.
 */
export function stringsFor(locale: string, onLoad: () => void): OpenRouterAuthStrings {
  const load = builtIn[locale];
  if (load && !settled.has(locale)) {
    let loaded = loading.get(locale);
    if (!loaded) {
      loaded = load()
        .then(
          // A host's own registration for this language wins over the built-in words.
          (module) => void known.set(locale, { ...module.default, ...known.get(locale) }),
          (error) => console.warn(`<openrouter-auth>: the "${locale}" strings could not be loaded; using English.`, error),
        )
        .finally(() => settled.add(locale));
      loading.set(locale, loaded);
    }
    void loaded.then(onLoad);
  }
  return { ...en, ...known.get(locale) };
}

/** The language that applies to an element: its own `lang`, else its closest ancestor's, across shadow roots. */
export function langOf(element: Element): string {
  for (let node: Element | undefined = element; node; node = (node.getRootNode() as ShadowRoot).host) {
    const found = node.closest("[lang]");
    if (found) return found.getAttribute("lang")!;
  }
  return "";
}

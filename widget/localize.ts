import { isServer } from "lit";
import { en, type OpenRouterAuthStrings, type Words } from "./strings.js";

/**
 * The languages the element knows: English built in, the others loaded on demand as modules of
 * their own, so the default bundle carries only English. The bundle build keeps these imports as
 * separate files next to `openrouter-auth.js` (`openrouter-auth-locales/<tag>.js`). An entry is
 * removed once its module has loaded (or failed to).
 */
const builtIn: Record<string, (() => Promise<{ default: OpenRouterAuthStrings }>) | undefined> = {
  de: () => import("./locales/de.js"),
  es: () => import("./locales/es.js"),
  fr: () => import("./locales/fr.js"),
  ja: () => import("./locales/ja.js"),
  "pt-BR": () => import("./locales/pt-BR.js"),
  "zh-CN": () => import("./locales/zh-CN.js"),
};

/** The strings of each language known so far: English, those loaded, and those a host registered. */
const known: Record<string, Partial<OpenRouterAuthStrings>> = { en };
const loading: Record<string, Promise<void>> = {};
/** English words for error codes, once `error-words.ts` has loaded; a fallback for every language. */
let englishErrors: Partial<OpenRouterAuthStrings> = {};
let errorsLoading: Promise<void> | undefined;

/**
 * Loads the English words for error codes, once; resolves when they are there, or when they could
 * not be fetched (a later call tries again), in which case the generic `error` words stand in.
 */
export function loadErrorWords(): Promise<void> {
  return (errorsLoading ??= import("./error-words.js").then(
    (module) => void (englishErrors = module.default),
    () => void (errorsLoading = undefined),
  ));
}

/** Adds or overrides a language's strings; missing ones fall back to English. */
export function registerLocale(tag: string, strings: Partial<OpenRouterAuthStrings>): void {
  known[tag] = { ...known[tag], ...strings };
}

/**
 * The best language for a BCP 47 tag: the tag itself, else the first one with the same primary
 * language (`de-AT` → `de`, `pt` → `pt-BR`, `zh-TW` → `zh-CN`), else English. Case-insensitive.
 */
export function pickLocale(tag: string): string {
  const tags = Object.keys({ ...builtIn, ...known });
  const language = (t: string) => t.toLowerCase().split("-")[0];
  return (
    tags.find((t) => t.toLowerCase() === tag.toLowerCase()) ??
    tags.find((t) => language(t) === language(tag)) ??
    "en"
  );
}

/**
 * The strings for a language picked by `pickLocale`, English where it has none. A built-in
 * language not loaded yet starts loading, and `onLoad` runs once it is there. Meanwhile, or if its
 * file cannot be fetched (the browser's console names the file), the words are English.
 */
export function stringsFor(locale: string, onLoad: () => void): Words {
  const load = builtIn[locale];
  if (load) {
    loading[locale] ??= load()
      .then(
        // A host's own registration for this language wins over the built-in words.
        (module) => void (known[locale] = { ...module.default, ...known[locale] }),
        () => void (known[locale] ??= {}),
      )
      .finally(() => delete builtIn[locale]);
    void loading[locale].then(onLoad);
  }
  return { ...en, ...englishErrors, ...known[locale] };
}

/**
 * The language that applies to an element: its own `lang`, else its closest ancestor's, across
 * shadow roots. A server renderer (`@lit-labs/ssr`) has no tree to walk: there it is the element's
 * own `lang`, and the browser picks up an ancestor's once the page hydrates.
 */
export function langOf(element: Element): string {
  for (let node: Element | undefined = element; node; node = (node.getRootNode() as ShadowRoot).host) {
    // A ternary rather than an early return: the bundle folds it to the browser's half.
    const found = isServer ? node : node.closest("[lang]");
    if (found) return found.getAttribute("lang") ?? "";
  }
  return "";
}

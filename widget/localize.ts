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
  it: () => import("./locales/it.js"),
  ja: () => import("./locales/ja.js"),
  ko: () => import("./locales/ko.js"),
  nl: () => import("./locales/nl.js"),
  pl: () => import("./locales/pl.js"),
  "pt-BR": () => import("./locales/pt-BR.js"),
  tr: () => import("./locales/tr.js"),
  "zh-CN": () => import("./locales/zh-CN.js"),
  "zh-TW": () => import("./locales/zh-TW.js"),
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
 * A tag's language and script, as CLDR's likely subtags fill them in: `de-AT` and `de` are both
 * `de-Latn`, `pt` and `pt-BR` both `pt-Latn`; Chinese goes by script, so `zh-TW`, `zh-HK` and
 * `zh-Hant` are `zh-Hant` and `zh`, `zh-CN` and `zh-SG` are `zh-Hans`. A tag that is not one stays
 * as it is. @see https://www.unicode.org/reports/tr35/#Likely_Subtags
 */
const writing = (tag: string): string => {
  try {
    const { language, script } = new Intl.Locale(tag).maximize();
    return `${language}-${script}`;
  } catch {
    return tag;
  }
};

/**
 * The best language for a BCP 47 tag: the tag itself (case-insensitive), else the first one
 * written in the same language and script (`de-AT` → `de`, `pt` → `pt-BR`, `zh-HK` → `zh-TW`,
 * `zh-SG` → `zh-CN`), else English.
 */
export function pickLocale(tag: string): string {
  const tags = Object.keys({ ...builtIn, ...known });
  return tags.find((t) => t.toLowerCase() === tag.toLowerCase()) ?? tags.find((t) => writing(t) === writing(tag)) ?? "en";
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

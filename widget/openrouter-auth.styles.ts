import { unsafeCSS } from "lit";

/*
 * Colours come from private `--_*` properties so that each public `--openrouter-auth-*` property
 * overrides one of them. Light and dark: `light-dark()` follows the element's `color-scheme`, which
 * `--openrouter-auth-color-scheme` can force; browsers without `light-dark()` keep the
 * prefers-color-scheme values above the @supports block.
 * Lit adopts these as constructable stylesheets, so a CSP without 'unsafe-inline' is fine; where
 * adoptedStyleSheets is missing, Lit writes a <style> carrying `window.litNonce`.
 * The sheet is a constant of this file, never outside input, so `unsafeCSS` is safe here; unlike
 * the `css` tag, it brings no checks of interpolated values (there are none) into the bundle.
 */
export const styles = unsafeCSS(/* css */ `
  :host {
    color-scheme: var(--openrouter-auth-color-scheme, light dark);
    --_fg: #1b1b1f;
    --_muted: #5b5b66;
    --_bg: #fff;
    --_border: #c9c9d1;
    --_accent: #3b4fd8;
    --_on-accent: #fff;
    --_danger: #b3261e;
    display: block;
    font: 0.9375rem/1.4 var(--openrouter-auth-font-family, system-ui, sans-serif);
    color: var(--openrouter-auth-text-color, var(--_fg));
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_fg: #ececf1;
      --_muted: #a9a9b5;
      --_bg: #1e1e24;
      --_border: #4a4a55;
      --_accent: #9aa8ff;
      --_on-accent: #10132e;
      --_danger: #ffb4ab;
    }
  }
  @supports (color: light-dark(#000, #fff)) {
    :host {
      --_fg: light-dark(#1b1b1f, #ececf1);
      --_muted: light-dark(#5b5b66, #a9a9b5);
      --_bg: light-dark(#fff, #1e1e24);
      --_border: light-dark(#c9c9d1, #4a4a55);
      --_accent: light-dark(#3b4fd8, #9aa8ff);
      --_on-accent: light-dark(#fff, #10132e);
      --_danger: light-dark(#b3261e, #ffb4ab);
    }
  }
  [hidden] {
    display: none !important;
  }
  .bar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 0.75rem;
  }
  button,
  input {
    font: inherit;
    color: inherit;
    border-radius: var(--openrouter-auth-radius, 0.5rem);
  }
  button {
    cursor: pointer;
    padding: 0.45rem 0.9rem;
    border: 1px solid var(--openrouter-auth-border-color, var(--_border));
    background: transparent;
  }
  .primary {
    border-color: transparent;
    background: var(--openrouter-auth-accent, var(--_accent));
    color: var(--openrouter-auth-on-accent, var(--_on-accent));
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  :focus-visible {
    outline: 2px solid var(--openrouter-auth-accent, var(--_accent));
    outline-offset: 2px;
  }
  .muted,
  .hint {
    color: var(--openrouter-auth-muted-color, var(--_muted));
  }
  .hint {
    font-size: 0.85em;
    margin: 0.35rem 0 0.75rem;
  }
  .error {
    color: var(--openrouter-auth-danger-color, var(--_danger));
    margin: 0.5rem 0;
  }
  .error:empty {
    display: none;
  }
  dialog {
    width: min(26rem, calc(100vw - 2rem));
    box-sizing: border-box;
    padding: 1.25rem;
    border: 1px solid var(--openrouter-auth-border-color, var(--_border));
    border-radius: calc(var(--openrouter-auth-radius, 0.5rem) * 1.5);
    background: var(--openrouter-auth-background, var(--_bg));
    color: inherit;
  }
  dialog::backdrop {
    background: var(--openrouter-auth-backdrop, rgb(0 0 0 / 0.45));
  }
  header {
    display: flex;
    justify-content: space-between;
    align-items: center;
  }
  h2 {
    font-size: 1.15em;
    margin: 0;
  }
  [role="tablist"] {
    display: flex;
    margin: 1rem 0;
    border-bottom: 1px solid var(--openrouter-auth-border-color, var(--_border));
  }
  [role="tab"] {
    border: 0;
    border-bottom: 2px solid transparent;
    border-radius: 0;
    padding: 0.5rem 0.75rem;
  }
  [role="tab"][aria-selected="true"] {
    border-bottom-color: var(--openrouter-auth-accent, var(--_accent));
    font-weight: 600;
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: 0.35rem;
  }
  .field {
    display: flex;
    gap: 0.5rem;
  }
  input {
    flex: 1;
    min-width: 0;
    padding: 0.45rem 0.6rem;
    border: 1px solid var(--openrouter-auth-border-color, var(--_border));
    background: transparent;
    font-family: ui-monospace, monospace;
  }
  a {
    color: var(--openrouter-auth-accent, var(--_accent));
  }
`);

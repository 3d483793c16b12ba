/**
 * The Mocha globals that web-test-runner's browser page provides, typed just enough for the element
 * tests (@types/mocha is not installed, and tsconfig's `types` lists only node).
 */
type MochaDone = (error?: unknown) => void;
type MochaCallback = (this: unknown, done: MochaDone) => void | Promise<unknown>;

declare function describe(title: string, body: () => void): void;
declare function it(title: string, body: MochaCallback): void;
declare function before(body: MochaCallback): void;
declare function after(body: MochaCallback): void;
declare function beforeEach(body: MochaCallback): void;
declare function afterEach(body: MochaCallback): void;

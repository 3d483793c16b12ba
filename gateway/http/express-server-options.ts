import { IncomingMessage, ServerResponse, type ServerOptions } from "node:http";
import type { Express } from "express";

/**
 * Options for `http.createServer` (or `https.createServer`) that make an Express app's request
 * and response objects with the app's own prototypes (`app.request`, `app.response`) from the
 * start.
 *
 * Express otherwise gives both objects a new prototype at the start of every request
 * (`Object.setPrototypeOf`). V8 handles that slowly, and it also keeps each request's objects
 * alive through young-generation collections. Measured on a stock Express 5 "hello world":
 * - about a quarter of the throughput of the same app served with these options;
 * - about a third of all allocated memory promoted to the old generation, against almost none.
 *
 * With these options Express finds the prototypes already in place, and its swap changes nothing.
 * @see https://github.com/expressjs/express/issues/5998
 * @see https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener
 */
export function expressServerOptions(app: Express): Pick<ServerOptions, "IncomingMessage" | "ServerResponse"> {
  return {
    IncomingMessage: bornWith<typeof IncomingMessage>(IncomingMessage, app.request),
    ServerResponse: bornWith<typeof ServerResponse>(ServerResponse, app.response),
  };
}

/**
 * A constructor for Node's server to call with `new`: the object it makes has `prototype`, and
 * `base` initialises it. Node's IncomingMessage and ServerResponse are plain constructor
 * functions, so they can be applied to an object made this way. (`Reflect.construct` with this
 * constructor as the new target would do the same, but measured several times slower here.)
 *
 * V8 sizes the objects a constructor makes by the properties its own body assigns to `this`,
 * and a one-line body assigns none: every field Node's constructor then set went outside the
 * object, and once more than 12 were there, the first set by a computed key (Node's symbol
 * fields, `this[kOutHeaders]`) turned the object into a hash table ("dictionary mode"). So every
 * response, and every request once Express and the gateway had added theirs, was a dictionary:
 * each property read or write of Node, Express and the gateway a hash lookup, each new one a
 * table that may grow. The block that never runs lists enough assignments for V8 to make room
 * for them all (it trims what its first objects left unused), and the objects stay fast.
 */
function bornWith<Base extends new (...args: never[]) => object>(base: Base, prototype: object): Base {
  const initialise = base as unknown as (this: object, ...args: ConstructorParameters<Base>) => void;
  function Born(this: Record<string, unknown>, ...args: ConstructorParameters<Base>): void {
    initialise.apply(this, args);
    // Never true: only read by V8's parser, which counts the assignments (64, over the 40-odd
    // fields Node, Express and the gateway set on a request or a response).
    if (args.length < 0) {
      // prettier-ignore
      this.s0 = this.s1 = this.s2 = this.s3 = this.s4 = this.s5 = this.s6 = this.s7 = this.s8 = this.s9 = this.s10 = this.s11 = this.s12 = this.s13 = this.s14 = this.s15 = this.s16 = this.s17 = this.s18 = this.s19 = this.s20 = this.s21 = this.s22 = this.s23 = this.s24 = this.s25 = this.s26 = this.s27 = this.s28 = this.s29 = this.s30 = this.s31 = this.s32 = this.s33 = this.s34 = this.s35 = this.s36 = this.s37 = this.s38 = this.s39 = this.s40 = this.s41 = this.s42 = this.s43 = this.s44 = this.s45 = this.s46 = this.s47 = this.s48 = this.s49 = this.s50 = this.s51 = this.s52 = this.s53 = this.s54 = this.s55 = this.s56 = this.s57 = this.s58 = this.s59 = this.s60 = this.s61 = this.s62 = this.s63 = undefined;
    }
  }
  Born.prototype = prototype;
  return Born as unknown as Base;
}

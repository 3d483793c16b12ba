import type { RequestHandler } from "express";

/**
 * Middlewares that always run together, as one: the router then matches the gateway's paths, and
 * trims and restores the request's URL around a handler, once for all of them rather than once
 * each. Each runs as Express would run it: an error passed on, or thrown, skips the rest.
 */
export function inSeries(...handlers: readonly RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined || index === handlers.length) return next(error);
      const handler = handlers[index++]!;
      try {
        // Express 5 takes a rejected promise from a handler as an error passed on: so does this.
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch((reason: unknown) => next(reason ?? new Error("Rejected promise")));
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}

import type { Response } from "express";

/**
 * Writes a JSON answer about the caller's session. `no-store`: no browser or proxy cache may keep
 * it. And written directly rather than with `res.json`, which would hash every body (SHA-1) for
 * an ETag that a never-cached answer cannot use.
 */
export function sendJson(res: Response, body: unknown, status = 200): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  const text = JSON.stringify(body);
  // With its length known, Node sends headers and body in one write rather than chunked.
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

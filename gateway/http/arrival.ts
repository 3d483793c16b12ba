import type { Request } from "express";
import type { Arrival } from "../auth/oauth-service.js";

/**
 * Where a request came in: the origin it was addressed to (scheme, per `trust proxy`, and Host)
 * and the path the gateway's router is mounted at in the app that serves it ("" at the root).
 */
export function arrivalOf(req: Request): Arrival {
  return { origin: `${req.protocol}://${req.get("host")}`, mountPath: req.baseUrl };
}

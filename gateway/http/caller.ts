import type { Request } from "express";
import type { Caller } from "../model.js";

/** Who is asking, for the attempt limits: the client address (per `trust proxy`) and session. */
export function callerOf(req: Request): Caller {
  return { ip: req.ip ?? req.socket.remoteAddress ?? "unknown", sessionId: req.sessionHandle?.storedId, secure: req.secure };
}

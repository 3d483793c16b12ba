/**
 * A throwaway self-signed certificate for tests that need HTTPS (a `Secure`, `SameSite=None`,
 * `Partitioned` session cookie is only set over HTTPS), made with the `openssl` CLI in a temporary
 * directory that is removed again once the PEM text is read.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const OPENSSL_TIMEOUT_MS = 15_000;

export interface Certificate {
  /** PEM private key */
  readonly key: string;
  /** PEM certificate */
  readonly cert: string;
}

/** A one-day certificate for `localhost` and `127.0.0.1`; browsers must be told to ignore its issuer. */
export async function makeSelfSignedCertificate(): Promise<Certificate> {
  const dir = await mkdtemp(join(tmpdir(), "openrouter-auth-tls-"));
  try {
    const keyFile = join(dir, "key.pem");
    const certFile = join(dir, "cert.pem");
    await new Promise<void>((resolve, reject) => {
      execFile(
        "openssl",
        [
          "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", keyFile, "-out", certFile, "-days", "1",
          "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        { timeout: OPENSSL_TIMEOUT_MS, killSignal: "SIGKILL" },
        (error, _stdout, stderr) => (error ? reject(new Error(`openssl could not make a test certificate: ${stderr.trim() || error.message}`)) : resolve()),
      );
    });
    return { key: await readFile(keyFile, "utf8"), cert: await readFile(certFile, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * TLS material: loading a certificate and key from PEM files (checked to parse and to match),
 * generating a self-signed pair (with the maintained `selfsigned` library; no hand-made ASN.1),
 * and the facts clients need to trust it (SHA-256 fingerprint, public-key pin).
 *
 * Invariants: a key that does not belong to the certificate is refused before any socket opens;
 * the fingerprint is the `AA:BB:...` form that `openssl x509 -fingerprint -sha256` prints; the
 * private key never appears in a message.
 */
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { fromSystemError, SpoolError } from "@spool/core";
import { generate } from "selfsigned";

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the certificate, `AA:BB:...`. */
  fingerprint: string;
  /** base64 SHA-256 of the public key (curl `--pinnedpubkey sha256//...`). */
  publicKeyPin: string;
  /** True when the certificate signed itself (clients trust it with `--cacert` or a pin). */
  selfSigned: boolean;
  /** Where the certificate came from: a file path, or undefined when generated in memory. */
  certPath: string | undefined;
  /** Last day the certificate is valid (RFC 3339). */
  validTo: string;
}

/** Facts about a certificate and key given as PEM text; throws Usage when they do not match. */
export function describeTls(
  cert: string,
  key: string,
  certPath?: string,
  keyPath?: string,
): TlsMaterial {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new SpoolError("Usage", `cannot parse the TLS certificate ${certPath ?? ""}`.trim(), {
      ...(certPath === undefined ? {} : { path: certPath }),
      hint: "--tls-cert must be a PEM certificate (-----BEGIN CERTIFICATE-----); `spool serve init` writes one",
      cause: error,
    });
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new SpoolError("Usage", `cannot parse the TLS private key ${keyPath ?? ""}`.trim(), {
      ...(keyPath === undefined ? {} : { path: keyPath }),
      hint: "--tls-key must be an unencrypted PEM private key; `spool serve init` writes one",
      cause: error,
    });
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new SpoolError("Usage", "the TLS key does not belong to the TLS certificate", {
      ...(keyPath === undefined ? {} : { path: keyPath }),
      hint: "pass the key that was generated with this certificate (--tls-key with --tls-cert)",
    });
  }
  const validTo = new Date(x509.validTo);
  if (validTo.getTime() < Date.now()) {
    throw new SpoolError("Usage", `the TLS certificate expired on ${validTo.toISOString()}`, {
      ...(certPath === undefined ? {} : { path: certPath }),
      hint: "renew it (`spool serve init --force` writes a new self-signed pair)",
    });
  }
  const spki = x509.publicKey.export({ type: "spki", format: "der" });
  return {
    cert,
    key,
    fingerprint: x509.fingerprint256,
    publicKeyPin: createHash("sha256").update(spki).digest("base64"),
    selfSigned: x509.issuer === x509.subject && x509.verify(x509.publicKey),
    certPath,
    validTo: validTo.toISOString(),
  };
}

/** Reads and checks a certificate and key from PEM files. */
export function loadTlsFiles(certPath: string, keyPath: string): TlsMaterial {
  return describeTls(
    readPem(certPath, "--tls-cert"),
    readPem(keyPath, "--tls-key"),
    certPath,
    keyPath,
  );
}

function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const e = fromSystemError(error, path, "read");
    throw new SpoolError(e.kind, `cannot read ${flag} file ${path}: ${e.message}`, {
      path,
      hint: `check the ${flag} path and that this user may read it`,
      cause: error,
    });
  }
}

/** The names every generated certificate covers, plus `extra`. */
export function certificateNames(extra: readonly string[] = []): string[] {
  const names = ["localhost", "127.0.0.1", "::1"];
  for (const raw of extra) {
    const name = raw.trim().replace(/^\[(.*)\]$/, "$1");
    if (name === "") continue;
    if (
      isIP(name) === 0 &&
      !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(
        name,
      )
    ) {
      throw new SpoolError(
        "Usage",
        `--host ${JSON.stringify(raw)} is neither a DNS name nor an IP address`,
        {
          hint: "pass a name such as spool.example.net or an address such as 192.0.2.10",
        },
      );
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Generates a self-signed certificate (EC P-256, SHA-256) valid for `days`, covering `names`
 * (DNS names and IP addresses).
 *
 * @example
 * const tls = await generateSelfSigned(certificateNames(["spool.internal"]));
 * console.log(tls.fingerprint);
 */
export async function generateSelfSigned(
  names: readonly string[],
  days = 365,
): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + days * 86_400_000);
  const pems = await generate([{ name: "commonName", value: names[0] ?? "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: names.map((n) =>
          isIP(n) === 0 ? { type: 2 as const, value: n } : { type: 7 as const, ip: n },
        ),
      },
    ],
  });
  return describeTls(pems.cert, pems.private);
}

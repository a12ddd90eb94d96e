import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Encrypts and decrypts CRM secrets at rest (AES-256-GCM). */
export type SecretBox = { seal(plain: string): string; open(sealed: string): string };

/** The 32-byte key: derived from PENDULUM_SECRET_KEY, else a generated `<dataDir>/secret.key` readable only by its owner. */
export function loadSecretKey(secretKey: string | undefined, dataDir: string): Buffer {
  if (secretKey) return crypto.createHash("sha256").update(secretKey, "utf8").digest();
  const file = path.join(dataDir, "secret.key");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    } catch (e) {
      // Another process may have written it first; read theirs.
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  const hex = fs.readFileSync(file, "utf8").trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`${file} does not hold a 64-digit hex key; restore it from backup or set PENDULUM_SECRET_KEY`);
  return Buffer.from(hex, "hex");
}

/** A box over a key; sealed text is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function createSecretBox(key: Buffer): SecretBox {
  return {
    seal(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
      const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
    },
    open(sealed) {
      const [v, iv, tag, data] = sealed.split(".");
      if (v !== "v1" || !iv || !tag || data === undefined) throw new Error("Not a sealed secret");
      const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

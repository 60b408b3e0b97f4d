import { globalKeys } from "../keyspace";
import type { EmailToken, EmailTokenPurpose } from "../models/email-token";
import { newId } from "../models/ids";
import type { Store, Transaction } from "../store/types";
import { ConflictError } from "./errors";
import { decodeJson, EMPTY_VALUE, encodeJson, getJson, transact } from "./internal";

export interface CreateEmailTokenInput {
  /** SHA-256 (hex) of the token that is mailed; the token itself is never stored. */
  tokenHash: string;
  purpose: EmailTokenPurpose;
  userId: string;
  tenantId: string;
  expiresAt: string;
  now?: Date;
}

interface StoredEmailToken extends EmailToken {
  /** Set by the create() that wrote it; a retry of that same call recognises itself. */
  createdBy?: string;
  /** Set by the one consume() that used it; a retry of that same call recognises itself. */
  consumedBy?: string;
  consumedAt?: string;
}

function toToken(s: StoredEmailToken): EmailToken {
  const { createdBy: _made, consumedBy: _by, consumedAt: _at, ...token } = s;
  return token;
}

/** Single-use tokens for email verification and password reset. */
export class EmailTokenRepository {
  constructor(private readonly store: Store) {}

  async create(input: CreateEmailTokenInput): Promise<EmailToken> {
    const token: EmailToken = {
      tokenHash: input.tokenHash,
      purpose: input.purpose,
      userId: input.userId,
      tenantId: input.tenantId,
      createdAt: (input.now ?? new Date()).toISOString(),
      expiresAt: input.expiresAt,
    };
    const key = globalKeys.emailToken(token.tokenHash);
    // Told apart from any other create, even one of the same user in the same millisecond.
    const createdBy = newId(Date.parse(token.createdAt));
    return transact(this.store, async (tx) => {
      const existing = await getJson<StoredEmailToken>(tx, key);
      if (existing) {
        if (existing.createdBy === createdBy) return toToken(existing);
        throw new ConflictError("already_exists", "this token already exists");
      }
      tx.set(key, encodeJson({ ...token, createdBy } satisfies StoredEmailToken));
      tx.set(
        globalKeys.emailTokenByUser(token.userId, token.purpose, token.tokenHash),
        EMPTY_VALUE,
      );
      return token;
    });
  }

  /**
   * Uses the token: returns it the first time (when unexpired and of this purpose), and
   * null ever after. Expired tokens are removed and give null. Using one voids every other
   * outstanding token of the user for the same purpose, in the same transaction: after a
   * reset with one link, a second link mailed earlier sets no password.
   */
  async consume(
    tokenHash: string,
    purpose: EmailTokenPurpose,
    now?: Date,
  ): Promise<EmailToken | null> {
    const at = now ?? new Date();
    const nowIso = at.toISOString();
    const consumeId = newId(at.getTime());
    const key = globalKeys.emailToken(tokenHash);
    return transact(this.store, async (tx) => {
      const raw = await tx.get(key);
      if (!raw) return null;
      const stored = decodeJson<StoredEmailToken>(raw);
      if (stored.consumedBy === consumeId) return toToken(stored);
      if (stored.consumedBy !== undefined || stored.purpose !== purpose) return null;
      if (Date.parse(stored.expiresAt) <= at.getTime()) {
        clearToken(tx, stored);
        return null;
      }
      // Kept (marked) until it expires, so a retried consume can still recognise itself.
      tx.set(key, encodeJson({ ...stored, consumedBy: consumeId, consumedAt: nowIso }));
      await voidOutstanding(tx, stored.userId, purpose, tokenHash);
      return toToken(stored);
    });
  }

  /**
   * Voids every outstanding token of the user for `purpose` (a password change voids the
   * reset links mailed before it); returns how many.
   */
  async voidAll(userId: string, purpose: EmailTokenPurpose): Promise<number> {
    return transact(this.store, (tx) => voidOutstanding(tx, userId, purpose));
  }

  /** Removes up to `limit` expired tokens; returns how many. */
  async purgeExpired(now?: Date, limit = 1000): Promise<number> {
    const nowMs = (now ?? new Date()).getTime();
    return transact(this.store, async (tx) => {
      const r = globalKeys.emailTokensSpace.range();
      let n = 0;
      for (const row of await tx.getRange(r.begin, r.end, { limit })) {
        const stored = decodeJson<StoredEmailToken>(row.value);
        if (Date.parse(stored.expiresAt) <= nowMs) {
          clearToken(tx, stored);
          n++;
        }
      }
      return n;
    });
  }
}

function clearToken(tx: Transaction, t: EmailToken): void {
  tx.clear(globalKeys.emailToken(t.tokenHash));
  tx.clear(globalKeys.emailTokenByUser(t.userId, t.purpose, t.tokenHash));
}

/** Clears the user's tokens for `purpose` but `keep` (the one just used); how many. */
async function voidOutstanding(
  tx: Transaction,
  userId: string,
  purpose: EmailTokenPurpose,
  keep?: string,
): Promise<number> {
  const r = globalKeys.emailTokensByUserRange(userId, purpose);
  let n = 0;
  for (const row of await tx.getRange(r.begin, r.end)) {
    const tokenHash = globalKeys.emailTokensByUserSpace.unpack(row.key)[2] as string;
    if (tokenHash === keep) continue;
    tx.clear(row.key);
    tx.clear(globalKeys.emailToken(tokenHash));
    n++;
  }
  return n;
}

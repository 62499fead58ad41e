/**
 * Sessions and tokens: short-lived access JWTs, rotating refresh tokens stored hashed,
 * whole-family revocation on reuse, and the cached actor behind every request.
 */
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Knex } from 'knex';
import type { Face, UserActor } from '../core/context.js';
import { TooManyRequests, Unauthenticated, ValidationError } from '../core/errors.js';
import { dummyHash, verifyPassword } from './passwords.js';
import { USER_NAME, type TokenPair } from '../../contracts/iam.js';
import { effectiveAccess, findUserRow, loadUser } from './store.js';
import { LoginThrottle, realClock, throttleAddress, type ThrottleClock } from './throttle.js';

export const ACCESS_TTL_SECONDS = 15 * 60;
export const REFRESH_IDLE_MS = 12 * 60 * 60 * 1000;
const ACTOR_CACHE_MS = 30_000;
const PROFILES_MAX = 1000;
/** Verified access tokens kept in memory at most (the map is cleared when full). */
const VERIFIED_TOKENS_MAX = 10_000;

interface AccessClaims {
  sub: string;
  sid: string;
  typ: 'access';
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export class AuthEngine {
  /**
   * The clock of tokens, sessions, the actor cache and (unless a test gives it its own) the login
   * throttle. Replaceable: tests move time instead of waiting for it.
   */
  clock: ThrottleClock;
  readonly throttle: LoginThrottle;
  private readonly actors = new Map<string, { actor: UserActor; userId: number; until: number }>();
  /**
   * Access tokens whose signature has been checked, until they expire: the HMAC and JSON work is
   * paid once per token instead of on every request (it was about a tenth of a read's CPU).
   * Bounded; a forged or altered token never gets in, since only verified ones are stored.
   */
  private readonly verified = new Map<string, AccessClaims & { exp: number }>();
  /**
   * auth.me's answer per user (issue 16: four queries per request), with the generation it was
   * read under. Any audited change (createCalypso forgets on every audit event), a login, or
   * forgetUser/forgetAll/revokeUser bumps the generation, so an answer read before a change is
   * never served after it; ACTOR_CACHE_MS bounds what another process's change can leave stale.
   */
  private readonly profiles = new Map<number, { generation: number; until: number; value: unknown }>();
  private profileGeneration = 0;

  /**
   * The signing key as a KeyObject, made once: given a string, jsonwebtoken tries (and fails)
   * to read it as a public key on every verify, which was a fifth of the API's CPU under load.
   */
  private readonly key: crypto.KeyObject;

  constructor(
    private readonly db: Knex,
    secret: string,
    clock: ThrottleClock = realClock,
  ) {
    this.key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
    this.clock = clock;
    this.throttle = new LoginThrottle({ clock: { now: () => this.clock.now(), sleep: (ms) => this.clock.sleep(ms) } });
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Now in JWT time (whole seconds). */
  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /**
   * Throttled by the (user, address) pair and by the address (refusals: an attacker locks out
   * only the addresses it uses) and by the user from anywhere (a delay of a few seconds at most:
   * the owner elsewhere still gets in). The local console is never refused, only delayed.
   */
  async login(username: string, password: string, face: Face, address?: string): Promise<TokenPair> {
    const user = username.toLowerCase();
    const userKey = `u:${user}`;
    const local = face === 'console';
    const where = address ? throttleAddress(address) : '-';
    const pairKey = local ? `c:${user}` : `p:${user}|${where}`;
    const refusing = local ? [] : address ? [pairKey, `a:${where}`] : [pairKey];
    const delaying = local ? [userKey, pairKey, 'c:*'] : [userKey];
    const slot = this.throttle.reserve(refusing, delaying);
    if ('retryAfter' in slot) throw new TooManyRequests(`too many failed logins; try again in ${slot.retryAfter} s`, slot.retryAfter);
    await this.throttle.delay(slot.delayMs);
    let row: Awaited<ReturnType<typeof findUserRow>>;
    let ok: boolean;
    try {
      row = await findUserRow(this.db, username);
      ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()), { priority: local });
    } catch (err) {
      // Not a wrong password (the database, or a full hashing queue): the attempt does not count.
      this.throttle.succeeded([...refusing, ...delaying], slot.token);
      throw err;
    }
    if (!row || !ok || !row.enabled) {
      this.throttle.failed(slot.token);
      throw new Unauthenticated('invalid username or password');
    }
    this.throttle.succeeded([...refusing, ...delaying], slot.token, [userKey, pairKey]);
    const sessionId = crypto.randomUUID();
    const now = this.nowIso();
    await this.db.transaction(async (trx) => {
      await trx('sessions').insert({ id: sessionId, user_id: row.id, face, address: address ?? null, created_at: now, last_used_at: now });
      await trx('users').where({ id: row.id }).update({ last_login_at: now });
    });
    this.forgetProfiles();
    return this.issue(row.id, username, sessionId);
  }

  /**
   * The user name a login's audit row may show. A name that cannot be a user name (it breaks the
   * user-name rule: upper case, spaces, symbols, too long, not a string) is most often a password
   * typed into the wrong field, so it is never written down: the row says "invalid user name"
   * with a short keyed hash instead, which tells repeated attempts with the same text apart
   * without revealing it (the key is the appliance's secret: no dictionary can reverse it).
   * A valid name is shown, whether or not such a user exists.
   */
  auditName(username: unknown): string {
    if (typeof username === 'string' && USER_NAME.test(username.trim())) return username.trim();
    const tag = crypto
      .createHmac('sha256', this.key)
      .update(typeof username === 'string' ? username : JSON.stringify(username ?? null))
      .digest('hex')
      .slice(0, 8);
    return `invalid user name #${tag}`;
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = sha256(refreshToken);
    const result = await this.db.transaction(async (trx) => {
      const tok = await trx('refresh_tokens').where({ token_hash: hash }).first();
      if (!tok) return { error: 'unknown refresh token' } as const;
      const session = await trx('sessions').where({ id: tok.session_id }).first();
      if (!session || session.revoked_at) return { error: 'session revoked' } as const;
      if (tok.used_at) {
        // A rotated token came back: someone holds a copy. Kill the whole family.
        await trx('sessions').where({ id: session.id }).update({ revoked_at: this.nowIso(), revoked_reason: 'refresh token reuse' });
        return { error: 'refresh token reuse detected; the session was revoked', revokedSession: session.id as string } as const;
      }
      if (tok.expires_at < this.nowIso()) return { error: 'refresh token expired' } as const;
      const user = await trx('users').where({ id: session.user_id }).first();
      if (!user || !user.enabled) return { error: 'user disabled' } as const;
      const claimed = await trx('refresh_tokens').where({ id: tok.id }).whereNull('used_at').update({ used_at: this.nowIso() });
      if (claimed !== 1) return { error: 'refresh token already used' } as const;
      await trx('sessions').where({ id: session.id }).update({ last_used_at: this.nowIso() });
      return { userId: user.id as number, username: user.username as string, sessionId: session.id as string } as const;
    });
    if ('error' in result) {
      if ('revokedSession' in result) this.forgetSession(result.revokedSession as string);
      throw new Unauthenticated(result.error ?? 'invalid refresh token');
    }
    return this.issue(result.userId, result.username, result.sessionId);
  }

  /**
   * Checks a logged-in user's current password (before a change), throttled per user like a login:
   * a stolen access token does not give unlimited guesses. Over the limit: TooManyRequests (the
   * local console is delayed instead). A wrong password: ValidationError.
   */
  async checkCurrentPassword(userId: number, password: string, hash: string, face: Face): Promise<void> {
    const key = `pw:${userId}`;
    const local = face === 'console';
    const slot = this.throttle.reserve(local ? [] : [key], local ? [key] : []);
    if ('retryAfter' in slot) throw new TooManyRequests(`too many wrong current passwords; try again in ${slot.retryAfter} s`, slot.retryAfter);
    await this.throttle.delay(slot.delayMs);
    let ok: boolean;
    try {
      ok = await verifyPassword(password, hash, { priority: local });
    } catch (err) {
      this.throttle.succeeded([key], slot.token);
      throw err;
    }
    if (!ok) {
      this.throttle.failed(slot.token);
      throw new ValidationError('the current password is wrong', [{ path: 'currentPassword', message: 'wrong password' }]);
    }
    this.throttle.succeeded([key], slot.token, [key]);
  }

  async logout(sessionId: string): Promise<void> {
    await this.db('sessions').where({ id: sessionId }).whereNull('revoked_at').update({ revoked_at: this.nowIso(), revoked_reason: 'logout' });
    this.forgetSession(sessionId);
  }

  /** After a password change, disabling or deletion: every session of the user ends. */
  async revokeUser(userId: number, reason: string): Promise<void> {
    await this.db('sessions').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: this.nowIso(), revoked_reason: reason });
    this.forgetUser(userId);
  }

  /** Roles or groups changed: recompute permissions on the next request. */
  forgetUser(userId: number): void {
    for (const [sid, entry] of this.actors) if (entry.userId === userId) this.actors.delete(sid);
    this.forgetProfiles();
  }

  forgetAll(): void {
    this.actors.clear();
    this.forgetProfiles();
  }

  /** Something about some user may have changed: auth.me reads the database again. */
  forgetProfiles(): void {
    this.profileGeneration++;
    this.profiles.clear();
  }

  /** A user's auth.me answer from memory when nothing changed since it was read; `load` reads it otherwise. */
  async profile<T>(userId: number, load: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    const hit = this.profiles.get(userId);
    if (hit && hit.generation === this.profileGeneration && hit.until > now) return hit.value as T;
    const generation = this.profileGeneration;
    const value = await load();
    if (generation === this.profileGeneration) {
      if (this.profiles.size >= PROFILES_MAX) this.profiles.clear();
      this.profiles.set(userId, { generation, until: now + ACTOR_CACHE_MS, value });
    }
    return value;
  }

  /** The actor behind an access token; throws Unauthenticated for anything not valid right now. */
  async authenticate(accessToken: string): Promise<UserActor> {
    let claims = this.verified.get(accessToken);
    if (!claims || claims.exp * 1000 <= this.clock.now()) {
      this.verified.delete(accessToken);
      try {
        claims = jwt.verify(accessToken, this.key, { algorithms: ['HS256'], clockTimestamp: this.nowSeconds() }) as AccessClaims & { exp: number };
      } catch (err) {
        throw new Unauthenticated(err instanceof jwt.TokenExpiredError ? 'access token expired' : 'invalid access token');
      }
      if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.clear();
      this.verified.set(accessToken, claims);
    }
    if (claims.typ !== 'access' || !claims.sid) throw new Unauthenticated('invalid access token');
    const cached = this.actors.get(claims.sid);
    if (cached && cached.until > this.clock.now()) return cached.actor;
    const session = await this.db('sessions').where({ id: claims.sid }).first();
    if (!session || session.revoked_at) throw new Unauthenticated('session ended');
    const user = await this.db('users').where({ id: session.user_id }).first();
    if (!user || !user.enabled) throw new Unauthenticated('user disabled');
    const access = await effectiveAccess(this.db, user.id);
    const actor: UserActor = {
      kind: 'user',
      id: user.id,
      username: user.username,
      roles: access.roles,
      permissions: access.permissions,
      sessionId: claims.sid,
    };
    this.actors.set(claims.sid, { actor, userId: user.id, until: this.clock.now() + ACTOR_CACHE_MS });
    return actor;
  }

  private forgetSession(sessionId: string): void {
    this.actors.delete(sessionId);
  }

  private async issue(userId: number, username: string, sessionId: string): Promise<TokenPair> {
    const refreshToken = crypto.randomBytes(32).toString('base64url');
    await this.db('refresh_tokens').insert({
      session_id: sessionId,
      token_hash: sha256(refreshToken),
      created_at: this.nowIso(),
      expires_at: new Date(this.clock.now() + REFRESH_IDLE_MS).toISOString(),
    });
    const claims: AccessClaims & { iat: number } = { sub: String(userId), sid: sessionId, typ: 'access', iat: this.nowSeconds() };
    const accessToken = jwt.sign(claims, this.key, { algorithm: 'HS256', expiresIn: ACCESS_TTL_SECONDS });
    return { accessToken, refreshToken, expiresInSeconds: ACCESS_TTL_SECONDS, user: await loadUser(this.db, username) };
  }
}

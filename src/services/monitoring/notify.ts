/**
 * Notification channels (webhook, email over SMTP, SNMP trap) with routing per severity,
 * timeouts and retries with exponential backoff. Deliveries run in the background and are
 * logged; secrets (the SMTP password, the webhook's Authorization header, the SNMP community or
 * v3 passphrases) stay in the database column they were written to.
 */
import type { Knex } from 'knex';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { NotFound } from '../core/errors.js';
import type { Alert, Severity } from '../../contracts/monitoring.js';
import type { NotifyEvent } from './alerts.js';
import { alertTrap, type TrapSender } from './snmp-trap.js';

export interface WebhookConfig {
  url: string;
  timeoutMs: number;
}

export interface EmailConfig {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to send unless the connection is encrypted. */
  requireTls: boolean;
  username: string | null;
  from: string;
  to: string[];
  timeoutMs: number;
}

export interface SnmpTrapConfig {
  manager: string;
  port: number;
  version: '2c' | '3';
  user: string | null;
  authProtocol: 'SHA' | 'SHA-256';
  privProtocol: 'AES';
  engineId: string | null;
}

export type ChannelConfig = { type: 'webhook'; webhook: WebhookConfig } | { type: 'email'; email: EmailConfig } | { type: 'snmp'; snmp: SnmpTrapConfig };

/** An SNMP channel's secrets, kept as JSON in the secret column: the v2c community, or the v3 passphrases. */
export interface SnmpSecrets {
  community?: string;
  auth?: string;
  priv?: string;
}

export function readSnmpSecrets(secret: string | null): SnmpSecrets {
  if (!secret) return {};
  try {
    return JSON.parse(secret) as SnmpSecrets;
  } catch {
    return {};
  }
}

export interface Channel {
  id: number;
  name: string;
  enabled: boolean;
  severities: Severity[];
  notifyResolved: boolean;
  config: ChannelConfig;
  /** Whether a secret is stored; the secret itself is never handed out. */
  hasSecret: boolean;
}

export interface Delivery {
  id: number;
  channelId: number;
  alertId: number | null;
  event: string;
  at: string;
  status: 'sent' | 'failed';
  attempts: number;
  error: string | null;
}

export interface NotifierOptions {
  /** Attempts per delivery (first try included). */
  attempts: number;
  /** First retry after this long; doubles each time. */
  backoffMs: number;
}

/** A row of notification_channels as the drivers return it. */
export interface ChannelRow {
  id: number;
  name: string;
  type: string;
  enabled: boolean | number;
  /** JSON list of severities. */
  severities: string;
  notify_resolved: boolean | number;
  /** JSON: the webhook's or the email's settings. */
  config: string;
  secret: string | null;
}

/** A row of notification_deliveries as the drivers return it (PostgreSQL answers bigints as strings). */
interface DeliveryRow {
  id: number | string;
  channel_id: number;
  alert_id: number | null;
  event: string;
  at: number | string;
  status: string;
  attempts: number;
  error: string | null;
}

export function toChannel(r: ChannelRow): Channel {
  const config = JSON.parse(r.config);
  return {
    id: Number(r.id),
    name: r.name,
    enabled: Boolean(r.enabled),
    severities: JSON.parse(r.severities),
    notifyResolved: Boolean(r.notify_resolved),
    config: r.type === 'webhook' ? { type: 'webhook', webhook: config } : r.type === 'snmp' ? { type: 'snmp', snmp: config } : { type: 'email', email: config },
    hasSecret: r.type === 'snmp' ? Object.values(readSnmpSecrets(r.secret)).some(Boolean) : r.secret !== null && r.secret !== undefined && r.secret !== '',
  };
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: Number(r.id),
    channelId: Number(r.channel_id),
    alertId: r.alert_id === null ? null : Number(r.alert_id),
    event: r.event,
    at: new Date(Number(r.at)).toISOString(),
    status: r.status as Delivery['status'],
    attempts: Number(r.attempts),
    error: r.error ?? null,
  };
}

/** The JSON a webhook receives. */
export interface WebhookPayload {
  event: NotifyEvent | 'test';
  alert: Alert;
  sentAt: string;
}

class PermanentFailure extends Error {}

export class Notifier {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Knex,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly opts: NotifierOptions,
    private readonly traps: TrapSender,
  ) {}

  /** Routes one alert change to every enabled channel that takes its severity; returns at once. */
  dispatch(event: NotifyEvent, alert: Alert): void {
    const job = (async () => {
      const rows = await this.db('notification_channels').where({ enabled: true });
      for (const row of rows) {
        const ch = toChannel(row);
        if (!ch.severities.includes(alert.severity)) continue;
        if (event === 'resolved' && !ch.notifyResolved) continue;
        this.track(this.deliver(ch, row.secret ?? null, event, alert).then(() => undefined));
      }
    })().catch((err) => this.log.error({ err }, 'notification routing failed'));
    this.track(job);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Sends now (retries included) and returns the logged delivery. */
  async deliverNow(channelId: number, event: NotifyEvent | 'test', alert: Alert): Promise<Delivery> {
    const row = await this.db('notification_channels').where({ id: channelId }).first();
    if (!row) throw new NotFound(`notification channel ${channelId} does not exist`);
    return this.deliver(toChannel(row), row.secret ?? null, event, alert);
  }

  private async deliver(ch: Channel, secret: string | null, event: NotifyEvent | 'test', alert: Alert): Promise<Delivery> {
    let attempts = 0;
    let error: string | null = null;
    for (; attempts < this.opts.attempts;) {
      attempts++;
      try {
        if (ch.config.type === 'webhook') await this.postWebhook(ch.config.webhook, secret, { event, alert, sentAt: new Date(this.now()).toISOString() });
        else if (ch.config.type === 'snmp') await this.sendTrap(ch.config.snmp, secret, event, alert);
        else await this.sendEmail(ch.config.email, secret, event, alert);
        error = null;
        break;
      } catch (err) {
        error = (err as Error).message || String(err);
        if (err instanceof PermanentFailure || attempts >= this.opts.attempts) break;
        await new Promise((r) => setTimeout(r, this.opts.backoffMs * 2 ** (attempts - 1)));
      }
    }
    const status = error === null ? 'sent' : 'failed';
    if (error !== null) this.log.warn({ channel: ch.name, alertId: alert.id, event, attempts, error }, 'notification failed');
    const record = { channel_id: ch.id, alert_id: alert.id > 0 ? alert.id : null, event, at: this.now(), status, attempts, error };
    const [inserted] = await this.db('notification_deliveries').insert(record).returning('id');
    return toDelivery({ ...record, id: typeof inserted === 'object' ? inserted.id : inserted });
  }

  private async postWebhook(cfg: WebhookConfig, secret: string | null, payload: WebhookPayload): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'calypso-alerts' };
    if (secret) headers.authorization = secret;
    // fetch refuses a URL with credentials in it: they become Basic authentication (a stored
    // Authorization secret wins), and the URL is sent without them.
    const target = new URL(cfg.url);
    if (target.username || target.password) {
      if (!secret)
        headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    let res: Response;
    try {
      res = await fetch(target.href, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(cfg.timeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      // eslint-disable-next-line preserve-caught-error -- fetch's error may name the URL, whose path or query can hold a secret: only the host and the code are kept
      throw new Error(
        (err as Error).name === 'TimeoutError' ? `no answer within ${cfg.timeoutMs} ms` : `cannot reach ${new URL(cfg.url).host}${cause ? ` (${cause})` : ''}`,
      );
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return;
    const message = `the webhook answered ${res.status}`;
    // Client errors other than timeouts and rate limits will not heal by retrying.
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentFailure(message);
    throw new Error(message);
  }

  private async sendTrap(cfg: SnmpTrapConfig, secret: string | null, event: NotifyEvent | 'test', alert: Alert): Promise<void> {
    const secrets = readSnmpSecrets(secret);
    const auth =
      cfg.version === '2c'
        ? secrets.community && { version: '2c' as const, community: secrets.community }
        : cfg.user &&
          cfg.engineId &&
          secrets.auth &&
          secrets.priv && {
            version: '3' as const,
            user: cfg.user,
            authProtocol: cfg.authProtocol,
            authPassphrase: secrets.auth,
            privProtocol: cfg.privProtocol,
            privPassphrase: secrets.priv,
            engineId: cfg.engineId,
          };
    if (!auth)
      throw new PermanentFailure(cfg.version === '2c' ? 'no community is stored for this channel' : 'the v3 user, engine ID or a passphrase is missing');
    try {
      await this.traps.send(alertTrap(cfg.manager, cfg.port, event, alert), auth);
    } catch (err) {
      // snmptrap's own words (an unknown host, a refused passphrase); never its command line, which the host masks anyway.
      const e = err as { stderr?: string; message?: string };
      throw new Error(`snmptrap failed: ${(e.stderr || e.message || String(err)).trim().split('\n')[0]}`, { cause: err });
    }
  }

  private async sendEmail(cfg: EmailConfig, password: string | null, event: NotifyEvent | 'test', alert: Alert): Promise<void> {
    const transport = nodemailer.createTransport({
      host: cfg.host,
      port: cfg.port,
      secure: cfg.secure,
      requireTLS: cfg.requireTls,
      auth: cfg.username ? { user: cfg.username, pass: password ?? '' } : undefined,
      connectionTimeout: cfg.timeoutMs,
      greetingTimeout: cfg.timeoutMs,
      socketTimeout: cfg.timeoutMs,
    });
    try {
      const prefix = event === 'resolved' ? 'RESOLVED' : event === 'test' ? 'TEST' : alert.severity.toUpperCase();
      await transport.sendMail({
        from: cfg.from,
        to: cfg.to,
        subject: `[Calypso ${prefix}] ${alert.title}`,
        text: [
          alert.message,
          '',
          `Severity: ${alert.severity}`,
          `State: ${alert.state}`,
          `Source: ${alert.source}`,
          `Opened: ${alert.openedAt}`,
          ...(alert.resolvedAt ? [`Resolved: ${alert.resolvedAt}`] : []),
          ...Object.entries(alert.labels).map(([k, v]) => `${k}: ${v}`),
        ].join('\n'),
      });
    } catch (err) {
      const e = err as { code?: string; responseCode?: number; message?: string };
      // A refused login or address (5xx) will be refused again: do not retry.
      if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || (typeof e.responseCode === 'number' && e.responseCode >= 500)) {
        throw new PermanentFailure(`the SMTP server refused: ${e.message ?? e.code}`);
      }
      throw err;
    } finally {
      transport.close();
    }
  }

  async deliveries(f: { channelId?: number; alertId?: number; limit: number; offset: number }): Promise<{ items: Delivery[]; total: number }> {
    const q = this.db('notification_deliveries');
    if (f.channelId !== undefined) q.where('channel_id', f.channelId);
    if (f.alertId !== undefined) q.where('alert_id', f.alertId);
    const [{ n }] = await q.clone().count({ n: '*' });
    const rows = await q.orderBy('id', 'desc').limit(f.limit).offset(f.offset);
    return { items: rows.map(toDelivery), total: Number(n) };
  }

  /** Waits for every delivery in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}

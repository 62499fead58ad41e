/**
 * The WebSocket terminal's door (issue 15): GET /api/v1/appliance/terminal/ws?ticket=... with an
 * Upgrade. The ticket (from POST /api/v1/appliance/terminal/tickets, an authenticated, audited
 * call) is the authentication: browsers cannot put a bearer token on a WebSocket, and the
 * long-lived token never goes in a URL. A refused upgrade is answered as problem+json like any
 * other request, before any WebSocket exists. The protocol (JSON text frames: input, resize;
 * output, exit) is the service's (src/services/appliance/terminal.ts).
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, TERMINAL_WS_PATH, publicMessage, statusOf, type Calypso } from '../services/index.js';
import { API_PREFIX } from './server.js';
import { TrustedProxies } from './client-address.js';

const TITLES: Record<number, string> = { 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error' };

function refuse(socket: Duplex, status: number, detail: string, instance: string): void {
  const body = JSON.stringify({
    type: `https://calypso.invalid/problems/${(TITLES[status] ?? 'error').toLowerCase().replace(/ /g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance,
  });
  socket.end(
    `HTTP/1.1 ${status} ${TITLES[status] ?? 'Error'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

export interface TerminalUpgrade {
  (req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes the WebSocket server (the connections end with the service's closeAll). */
  close(): void;
}

export function terminalUpgrade(app: Calypso, opts: { trustProxy?: readonly string[] } = {}): TerminalUpgrade {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const proxies = new TrustedProxies(opts.trustProxy ?? []);
  const path = `${API_PREFIX}${TERMINAL_WS_PATH}`;
  const upgrade = ((req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://calypso.invalid');
    if (url.pathname !== path) return refuse(socket, 404, `no WebSocket at ${url.pathname}`, url.pathname);
    let ticket;
    try {
      ticket = app.terminal.redeem(url.searchParams.get('ticket'));
    } catch (err) {
      return refuse(socket, statusOf(err), publicMessage(err), url.pathname);
    }
    const peer = req.socket.remoteAddress;
    const address = proxies.clientAddress(peer, (req.headers['x-forwarded-for'] as string | undefined) ?? undefined);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const pending: string[] = [];
      let conn: { message(t: string): void; closed(): void } | null = null;
      let gone = false;
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? '' : data.toString();
        if (conn) conn.message(text);
        else if (pending.length < 64) pending.push(text);
      });
      ws.on('close', () => {
        gone = true;
        conn?.closed();
      });
      ws.on('error', () => ws.terminate());
      app.terminal
        .attach(
          ticket,
          { address },
          {
            send: (text, done) => (ws.readyState === ws.OPEN ? ws.send(text, done) : done()),
            close: (code, reason) => ws.close(code, reason),
          },
        )
        .then(
          (c) => {
            conn = c;
            for (const t of pending.splice(0)) c.message(t);
            if (gone) c.closed();
          },
          () => ws.close(1011, 'the terminal did not open'),
        );
    });
  }) as TerminalUpgrade;
  upgrade.close = () => wss.close();
  return upgrade;
}

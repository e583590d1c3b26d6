/**
 * Redis connections for the queue. Workers wait through a Redis outage (every command retries
 * until the server is back, as BullMQ requires of the connections it blocks on); the commands
 * that submit or report fail within seconds with the URL in the message, so a typo in --redis is
 * an error, not a hang.
 */
import { Redis } from 'ioredis';

export type ConnectionRole = 'worker' | 'client';

/** Reconnect delay: quick at first, then every 2 s for as long as Redis is away. */
const reconnectDelay = (attempt: number): number => Math.min(100 * 2 ** attempt, 2000);

const ROLE_OPTIONS = {
  worker: { maxRetriesPerRequest: null },
  client: { maxRetriesPerRequest: 2, connectTimeout: 5000 },
} as const;

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
}

/**
 * Connect to `url` and check that Redis answers. `onError` hears about connection trouble later
 * on (ioredis reconnects by itself); commands meanwhile wait (worker) or fail (client).
 */
export async function connectRedis(url: string, role: ConnectionRole, onError: (e: Error) => void = () => {}): Promise<Redis> {
  let redis: Redis;
  try {
    redis = new Redis(url, { ...ROLE_OPTIONS[role], retryStrategy: reconnectDelay, lazyConnect: true });
  } catch (e) {
    throw new RedisUnreachableError(`--redis ${redactedUrl(url)}: not a Redis URL (${(e as Error).message})`);
  }
  // Connection errors surface through the commands below; without a listener ioredis also prints them.
  const errors: Error[] = [];
  const collect = (e: Error) => errors.push(e);
  redis.on('error', collect);
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    const reason = errors[0]?.message ?? (e as Error).message;
    throw new RedisUnreachableError(`cannot reach Redis at ${redactedUrl(url)}: ${reason}`);
  } finally {
    redis.off('error', collect);
  }
  redis.on('error', onError);
  return redis;
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/** Whether `e` means Redis is not answering (rather than a fault in the request or in dermkit). */
export function isConnectionError(e: unknown): boolean {
  const err = e as { name?: string; code?: string; message?: string };
  return err instanceof RedisUnreachableError || err.name === 'MaxRetriesPerRequestError' || CONNECTION_ERROR_CODES.has(err.code ?? '') || /Connection is closed/.test(err.message ?? '');
}

/** A connection to one named queue, for the commands that submit batches and report on them. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BatchStore } from './batch-store.js';
import { connectRedis } from './connection.js';

export interface QueueClient {
  name: string;
  redis: Redis;
  queue: Queue;
  store: BatchStore;
  close(): Promise<void>;
}

export async function openQueue(redisUrl: string, name: string): Promise<QueueClient> {
  const redis = await connectRedis(redisUrl, 'client');
  const queue = new Queue(name, { connection: redis });
  queue.on('error', () => {}); // connection trouble reaches the caller through the failing command
  return {
    name,
    redis,
    queue,
    store: new BatchStore(redis, name),
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

/** `POST /v1/servers/{id}/keepalive`: keep an empty server up for a planned break in a convoy. */
import { KEEPALIVE_MINUTES } from './idle.ts';
import * as z from './zod.ts';

export const KeepaliveRequestSchema = z.strictObject({
  /** From now: the idle stop comes no earlier than this many minutes. */
  minutes: z
    .int()
    .check(
      z.gte(KEEPALIVE_MINUTES.min, `must be at least ${KEEPALIVE_MINUTES.min}`),
      z.lte(KEEPALIVE_MINUTES.max, `must be at most ${KEEPALIVE_MINUTES.max} (12 hours)`),
    ),
});
export type KeepaliveRequest = z.infer<typeof KeepaliveRequestSchema>;

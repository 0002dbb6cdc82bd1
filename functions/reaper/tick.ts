/**
 * Every minute: stop servers that have been empty for their idle window, or unreachable for it
 * (`shared/services/reaper.ts`). Per-server failures do not stop the tick; the invocation fails
 * afterwards, so that the errors alarm sees them.
 */
import type { Context } from 'aws-lambda';
import { createEmfSink } from '../../shared/adapters/metrics/emf.ts';
import { lazyHandler } from '../../shared/composition.ts';
import { metricsOfIdleTick } from '../../shared/domain/metrics.ts';
import { logger } from '../../shared/http/logger.ts';
import { reaper } from '../../shared/reaper-composition.ts';
import type { MetricSink } from '../../shared/services/ports.ts';
import type { Reaper, ReapReport } from '../../shared/services/reaper.ts';

/**
 * Time kept back from the function's timeout to finish the servers in flight and report: 10 s,
 * or a fifth of a shorter timeout.
 */
const MARGIN_MS = 10_000;

export const createHandler =
  (idle: Reaper, metrics: MetricSink) =>
  async (_event: unknown, context: Context): Promise<ReapReport> => {
    const started = performance.now();
    const remaining = context.getRemainingTimeInMillis();
    const report = await idle.tick({ deadline: Date.now() + remaining - Math.min(MARGIN_MS, remaining / 5) });
    const durationMs = Math.round(performance.now() - started);
    logger.info('idle tick', { ...report, durationMs });
    metrics.record(metricsOfIdleTick(durationMs, report.stopped));
    if (report.failed > 0) throw new Error(`${report.failed} of ${report.active} idle checks failed`);
    return report;
  };

export const handler = lazyHandler(() => createHandler(reaper(), createEmfSink()));

/**
 * Every five minutes: the table against DescribeInstances for this deployment. Stuck
 * transitions become errors, missed events and crashed launches are repaired, and hosts no
 * server claims are reported (logged and returned), never terminated.
 */
import { lazyHandler } from '../../shared/composition.ts';
import { hostServices } from '../../shared/host-composition.ts';
import { logger } from '../../shared/http/logger.ts';
import type { LifecycleService, ReconcileReport } from '../../shared/services/lifecycle.ts';

export const createHandler =
  (lifecycle: Pick<LifecycleService, 'reconcile'>) => async (): Promise<ReconcileReport> => {
    const report = await lifecycle.reconcile('reconciler');
    for (const orphan of report.orphans) {
      logger.warn('host without a server (left running; terminate it by hand if unwanted)', { ...orphan });
    }
    logger.info('reconciled', {
      checkedHosts: report.checkedHosts,
      checkedServers: report.checkedServers,
      actions: report.actions,
      orphans: report.orphans.length,
    });
    return report;
  };

export const handler = lazyHandler(() => createHandler(hostServices().lifecycle));

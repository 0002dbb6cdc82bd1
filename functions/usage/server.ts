import { lazyHandler } from '../../shared/composition.ts';
import { usageService } from '../../shared/composition-usage.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { UsageService } from '../../shared/services/usage.ts';

/** 200 with a server's running hours and estimated cost in `?month=YYYY-MM` (default: this month). */
export const createHandler = (usage: Pick<UsageService, 'server'>) =>
  httpHandler('usage-server', {}, async ({ principal, params, query }) => ({
    status: 200,
    json: await usage.server(principal, params.id ?? '', query.month),
  }));

export const handler = lazyHandler(() => createHandler(usageService()));

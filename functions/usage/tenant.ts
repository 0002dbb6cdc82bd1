import { lazyHandler } from '../../shared/composition.ts';
import { usageService } from '../../shared/composition-usage.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { UsageService } from '../../shared/services/usage.ts';

/** 200 with the tenant's running hours and estimated cost in `?month=YYYY-MM`, per server and in all. */
export const createHandler = (usage: Pick<UsageService, 'tenant'>) =>
  httpHandler('usage-tenant', {}, async ({ principal, query }) => ({
    status: 200,
    json: await usage.tenant(principal, query.month),
  }));

export const handler = lazyHandler(() => createHandler(usageService()));

import { lazyHandler } from '../../shared/composition.ts';
import { usageService } from '../../shared/composition-usage.ts';
import { BudgetRequestSchema } from '../../shared/domain/usage.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { UsageService } from '../../shared/services/usage.ts';

/** 200 with the budget set (or removed, with `null`) and this month's estimated spend against it. */
export const createHandler = (usage: Pick<UsageService, 'setBudget'>) =>
  httpHandler('budget-put', { body: BudgetRequestSchema }, async ({ principal, body }) => ({
    status: 200,
    json: await usage.setBudget(principal, body.monthlyUsd),
  }));

export const handler = lazyHandler(() => createHandler(usageService()));

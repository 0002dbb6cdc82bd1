import { describe, expect, it } from 'vitest';
import { createHandler as getServer } from '../../../functions/servers/get.ts';
import { apiEvent, lambdaContext } from '../../support/api-events.ts';
import { admin } from '../../support/principals.ts';

/** What the AWS SDK throws once its own retries of a throttle are spent. */
const throttled = (name: string) =>
  Object.assign(new Error(`Rate exceeded for table convoy-prod-Table-1ABC (${name})`), {
    name,
    $fault: 'client',
  });

describe('throttling that outlasts the SDK retries', () => {
  it.each([
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'TransactionConflictException',
  ])(
    'answers %s with 503, Retry-After and a detail that says to retry, naming nothing internal',
    async (name) => {
      const servers = { get: () => Promise.reject(throttled(name)) };
      const event = apiEvent({ pathParameters: { id: 'srv_x' }, principal: admin() });
      const result = await getServer(servers)(event, lambdaContext);
      expect(result.statusCode).toBe(503);
      expect(result.headers).toMatchObject({
        'content-type': 'application/problem+json',
        'retry-after': '2',
      });
      const problem = JSON.parse(result.body ?? '{}');
      expect(problem).toMatchObject({ status: 503, title: 'Service busy' });
      expect(problem.detail).toMatch(/retry in a few seconds \(request req-1\)/);
      expect(result.body).not.toMatch(/convoy-prod|Rate exceeded|Exception/);
    },
  );
});

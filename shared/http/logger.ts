import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per process; handlers add the request id, tenant and key to every line. */
export const logger = new Logger({ serviceName: 'convoy-cloud' });

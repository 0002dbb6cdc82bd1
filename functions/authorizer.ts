/**
 * The HTTP API's Lambda authorizer. It answers "who is this key", never "may this route run":
 * API Gateway caches the answer per Authorization header across routes, so scopes are checked
 * by each handler. Unknown keys are passed on as unauthenticated so the handler can answer the
 * contract's 401 problem (an HTTP API authorizer's own denial is always a bare 403).
 */
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { lazyHandler, services } from '../shared/composition.ts';
import type { AuthContext } from '../shared/http/auth-context.ts';
import { encodePrincipal } from '../shared/http/auth-context.ts';
import { logger } from '../shared/http/logger.ts';
import type { KeyService } from '../shared/services/keys.ts';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthContext>;

export const createHandler =
  (keys: Pick<KeyService, 'authenticate'>) =>
  async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    const header: unknown = event?.headers?.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const principal = match?.[1] ? await keys.authenticate(match[1]) : null;
    if (!principal)
      logger.info('unknown or malformed API key', { requestId: event?.requestContext?.requestId });
    return { isAuthorized: true, context: encodePrincipal(principal) };
  };

export const handler = lazyHandler(() => createHandler(services().keys));

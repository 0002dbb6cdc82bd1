import { loadVersion } from '../../shared/config/version.ts';
import { httpHandler } from '../../shared/http/handler.ts';

export const createHandler = (version: string) =>
  httpHandler('meta-health', {}, async () => ({ status: 200, json: { status: 'ok', version } }));

export const handler = createHandler(loadVersion());

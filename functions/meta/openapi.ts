import { loadVersion } from '../../shared/config/version.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';

export const createHandler = (version: string) => {
  // Built once per cold start: the document depends only on the code.
  const document = JSON.stringify(openApiDocument(version));
  return httpHandler('meta-openapi', {}, async () => ({
    status: 200,
    text: { body: document, contentType: 'application/json; charset=utf-8' },
  }));
};

export const handler = createHandler(loadVersion());

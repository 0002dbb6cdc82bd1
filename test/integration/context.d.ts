import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** DynamoDB Local, started by `dynamodb-global-setup.ts`. */
    dynamodbEndpoint: string;
  }
}

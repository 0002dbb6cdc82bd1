import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TABLE_DESIGN } from '../../shared/adapters/dynamodb/table-design.ts';
import { synthApp } from './synth.ts';

const { data } = synthApp();
const tables = () => data.findResources('AWS::DynamoDB::GlobalTable');

describe('DataStack', () => {
  it('holds exactly one table', () => {
    data.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
  });

  it('keeps the table logical id stable, so a deploy never replaces the table', () => {
    // Changing this id makes CloudFormation create a new, empty table: change it only with a migration plan.
    expect(Object.keys(tables())).toEqual(['Table7ABB320E']);
  });

  it('retains the table when it is removed from the stack or replaced', () => {
    data.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('protects the table from deletion and keeps point-in-time recovery on', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [
        Match.objectLike({
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  it('bills on demand and encrypts at rest with a KMS key', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('expires items on the TTL attribute of the table design', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: TABLE_DESIGN.timeToLiveAttribute, Enabled: true },
    });
  });

  it('uses the key schema of the table design', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: TABLE_DESIGN.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_DESIGN.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  it('creates both indexes of the table design with all attributes projected', () => {
    const expected = Object.values(TABLE_DESIGN.indexes).map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    }));
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayEquals(expected.map((index) => Match.objectLike(index))),
    });
  });

  it('declares every key attribute as a string', () => {
    const { indexes } = TABLE_DESIGN;
    const keyNames = new Set([
      TABLE_DESIGN.partitionKey,
      TABLE_DESIGN.sortKey,
      ...Object.values(indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
    ]);
    const [table] = Object.values(tables());
    const definitions = table?.Properties.AttributeDefinitions as {
      AttributeName: string;
      AttributeType: string;
    }[];
    expect(definitions.map((d) => d.AttributeName).sort()).toEqual([...keyNames].sort());
    expect(new Set(definitions.map((d) => d.AttributeType))).toEqual(new Set(['S']));
  });

  it('gives the table a generated name', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: Match.absent() });
  });

  it('outputs the table name', () => {
    data.hasOutput('TableName', { Value: { Ref: 'Table7ABB320E' } });
  });
});

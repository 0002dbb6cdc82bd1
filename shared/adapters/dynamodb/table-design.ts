/**
 * The single table's key schema, read by the CDK data construct and by the local runtime that
 * creates the table in DynamoDB Local. `docs/storage.md` describes the items and access patterns.
 */
export const TABLE_DESIGN = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes expired items (readers filter too: stand-ins never do). */
  timeToLiveAttribute: 'expiresAt',
  indexes: {
    /** Sparse: only servers in starting/running/stopping/deleting carry `activeShard`. */
    active: { indexName: 'active', partitionKey: 'activeShard', sortKey: 'activeSk' },
    /** Sparse: only servers that have an EC2 instance carry `instanceId`. */
    byInstance: { indexName: 'byInstance', partitionKey: 'instanceId', sortKey: 'sk' },
  },
} as const;

/** Active servers are spread over this many index partitions so no one partition runs hot. */
export const ACTIVE_SHARDS = 4;

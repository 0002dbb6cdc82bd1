/**
 * The tags every game host carries. The EC2 adapter writes them at launch, the reconciler finds
 * the deployment's hosts by the first, and the CDK app's IAM conditions name them, so all three
 * read them from here.
 */
export const HOST_TAGS = {
  /** This deployment's name: Start/Stop/Terminate are allowed only on hosts carrying it. */
  deployment: 'convoy:deployment',
  tenant: 'convoy:tenant',
  server: 'convoy:server',
} as const;

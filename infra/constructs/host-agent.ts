import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aws } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { buildAgentSync } from '../../host/agent/build.ts';

/**
 * The host agent (`host/agent/main.ts`, bundled to one file) as an S3 asset that game hosts
 * download at first boot. Its SHA-256 goes into the bootstrap, which checks it before installing.
 */
export class HostAgent extends Construct {
  readonly asset: Asset;
  /** Hex SHA-256 of the bundle (the bootstrap's `agentSha256`). */
  readonly sha256: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const file = join(mkdtempSync(join(tmpdir(), 'convoy-agent-')), 'agent.mjs');
    buildAgentSync(file);
    this.sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    this.asset = new Asset(this, 'Bundle', { path: file });
  }

  /** Lets a host role read the bundle: this one object, not the rest of the assets bucket. */
  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::${this.asset.s3BucketName}/${this.asset.s3ObjectKey}`],
      }),
    );
  }
}

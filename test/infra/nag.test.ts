/**
 * cdk-nag's AwsSolutions pack over the whole app, as `cdk synth` runs it (`infra/bin/app.ts`):
 * no finding may be left unacknowledged, and every acknowledgment carries a reason.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { addNagChecks } from '../../infra/nag.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

interface Report {
  pluginReports: {
    summary: { status: string };
    violations: { ruleName: string; violatingResources: { constructPath: string }[] }[];
  }[];
}

describe('cdk-nag (AwsSolutions)', () => {
  it('passes with every finding fixed or acknowledged with a reason', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'convoy-nag-'));
    const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    buildApp(app);
    addNagChecks(app);
    let failure: unknown = null;
    try {
      app.synth();
    } catch (error) {
      failure = error;
    }
    // On failure, name each finding and where (the report CDK writes beside the templates).
    const findings = failure
      ? (JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report).pluginReports
          .flatMap((r) => r.violations)
          .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))
      : [];
    expect(findings).toEqual([]);
    expect(failure).toBeNull();

    // Acknowledgments are metadata on the constructs: each with a reason a reviewer can read.
    const acknowledged = app.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(40);
  });
});

import { App } from 'aws-cdk-lib';
import { buildApp } from '../app.ts';
import { addNagChecks } from '../nag.ts';

const app = new App();
buildApp(app);
// Every synth (and so every deploy) fails on a cdk-nag finding that is neither fixed nor acknowledged.
addNagChecks(app);

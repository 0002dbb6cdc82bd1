import { App } from 'aws-cdk-lib';
import { buildApp } from '../app.ts';

buildApp(new App());

#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addExampleStacks } from './platform';

// The example "orders" platform. `npx projen synth:example` synthesizes it into cdk.out
// without an AWS account or credentials: every stack is environment-agnostic.
const app = new App();
addExampleStacks(app);
app.synth();

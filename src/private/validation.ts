import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The error this library throws for input that would fail at deploy time.
 *
 * Its message always starts with the construct path, then names the prop, the value received
 * and what is allowed.
 */
export class KinesisKitValidationError extends Error {
  constructor(scope: IConstruct | string, message: string) {
    const path = typeof scope === 'string' ? scope : scope.node.path;
    super(`${path}: ${message}`);
    this.name = 'KinesisKitValidationError';
  }
}

/** Formats a number for messages: 10000 becomes "10,000". */
export function fmt(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
}

/**
 * Fails when a concrete number lies outside [min, max]. Unresolved tokens are skipped.
 *
 * @param unit appended to numbers in the message, e.g. ' hours'
 */
export function checkRange(
  scope: IConstruct | string,
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
  unit = '',
): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new KinesisKitValidationError(scope,
      `${prop} must be between ${fmt(min)} and ${fmt(max)}${unit}, got ${fmt(value)}${unit}`);
  }
}

/** Fails when a concrete number is not an integer. Unresolved tokens are skipped. */
export function checkInteger(scope: IConstruct | string, prop: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value)) {
    throw new KinesisKitValidationError(scope, `${prop} must be a whole number, got ${value}`);
  }
}

/** The name rule Kinesis applies to streams and stream consumers. */
const KINESIS_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

/** Fails when a concrete stream or consumer name breaks Kinesis's naming rule. */
export function checkKinesisName(scope: IConstruct | string, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!KINESIS_NAME.test(value)) {
    throw new KinesisKitValidationError(scope,
      `${prop} must be 1 to 128 characters of [a-zA-Z0-9_.-], got '${value}' (${value.length} characters)`);
  }
}

// Lesson checks: named, argument-validated probes of a session's cluster state that answer pass/fail with
// a hint a learner can act on. Lessons name them in their step blocks ("bookinfo-ready", "route-split").
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { notFound, validationFailed } from '../api/errors.js';
import { fieldErrors } from '../api/spec.js';
import type { ClusterConnection } from '../kube/cluster-connection.js';
import type { ActiveSession } from '../sessions/active-session.js';

export interface CheckContext {
  session: ActiveSession;
  cluster: ClusterConnection;
  signal: AbortSignal;
}

export interface CheckOutcome {
  passed: boolean;
  hint: string;
  details?: Record<string, unknown>;
}

export interface LessonCheck<A = Record<string, unknown>> {
  name: string;
  title: string;
  description: string;
  /** JSON Schema of `args` (validated before run). */
  args?: Record<string, unknown>;
  run(ctx: CheckContext, args: A): Promise<CheckOutcome>;
}

export class CheckRegistry {
  private checks = new Map<string, { check: LessonCheck; validate?: ValidateFunction }>();
  private ajv = new Ajv2020({ strict: true, allErrors: true, useDefaults: true });

  add<A>(check: LessonCheck<A>): this {
    if (this.checks.has(check.name)) throw new Error(`check "${check.name}" is registered twice`);
    this.checks.set(check.name, { check: check as unknown as LessonCheck, validate: check.args ? this.ajv.compile(check.args) : undefined });
    return this;
  }

  list(): { name: string; title: string; description: string; args?: Record<string, unknown> }[] {
    return [...this.checks.values()].map(({ check }) => ({ name: check.name, title: check.title, description: check.description, ...(check.args ? { args: check.args } : {}) }));
  }

  /** The check and its arguments with defaults filled in; throws UnknownCheck or a validation error naming the field. */
  checkArgs(name: string, rawArgs: Record<string, unknown> | undefined): { check: LessonCheck; args: Record<string, unknown> } {
    const entry = this.checks.get(name);
    if (!entry) throw notFound('UnknownCheck', `no check "${name}"; listChecks names them (${[...this.checks.keys()].join(', ')})`);
    const args = structuredClone(rawArgs ?? {});
    if (entry.validate && !entry.validate(args)) throw validationFailed(fieldErrors(entry.validate.errors).map((f) => ({ ...f, field: `args.${f.field}`.replace(/\.params$/, '') })));
    if (!entry.validate && Object.keys(args).length) throw validationFailed([{ field: 'args', message: `check "${name}" takes no arguments` }]);
    return { check: entry.check, args };
  }

  async run(name: string, ctx: CheckContext, rawArgs: Record<string, unknown> | undefined): Promise<CheckOutcome> {
    const { check, args } = this.checkArgs(name, rawArgs);
    return check.run(ctx, args);
  }
}

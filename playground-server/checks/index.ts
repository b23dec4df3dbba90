// Every lesson check the server offers, registered in one place (one line per family of checks).
import type { PlaygroundStore } from '../storage/store.js';
import { registerBuiltinChecks } from './builtin-checks.js';
import { registerLessonChecks } from './lesson-checks.js';
import { registerPlaygroundChecks } from './playground-checks.js';
import { registerLinkerdChecks } from './linkerd-checks.js';
import { registerObservabilityChecks } from './observability-checks.js';
import { CheckRegistry } from './registry.js';
import { registerResilienceChecks } from './resilience-checks.js';
import { registerRoutingChecks } from './routing-checks.js';

export function allLessonChecks(store: PlaygroundStore): CheckRegistry {
  const registry = new CheckRegistry();
  registerBuiltinChecks(registry);
  registerLessonChecks(registry, store);
  registerPlaygroundChecks(registry, store);
  registerResilienceChecks(registry);
  registerLinkerdChecks(registry);
  registerRoutingChecks(registry);
  registerObservabilityChecks(registry);
  return registry;
}

// How the lesson pages name the APIs a lesson uses (front matter `apis`), for people rather than for the schema.
import type { LessonApi } from './lesson-topics.ts';

export const API_TITLES: Record<LessonApi, string> = {
  kubernetes: 'Kubernetes',
  'gateway-api': 'Gateway API (GAMMA)',
  smi: 'SMI',
  istio: 'Istio',
  linkerd: 'Linkerd',
  playground: 'Playground',
};

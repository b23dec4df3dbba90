// The lesson catalogue's vocabulary: the topics lessons are grouped by and the APIs they use (front matter).
export const LESSON_TOPICS = ['getting-started', 'traffic-management', 'resilience', 'security', 'observability', 'benchmarking', 'conformance'] as const;
export type LessonTopic = (typeof LESSON_TOPICS)[number];

export const LESSON_APIS = ['kubernetes', 'gateway-api', 'smi', 'istio', 'linkerd', 'playground'] as const;
export type LessonApi = (typeof LESSON_APIS)[number];

export const TOPIC_TITLES: Record<LessonTopic, string> = {
  'getting-started': 'Getting started',
  'traffic-management': 'Traffic management',
  resilience: 'Resilience',
  security: 'Security',
  observability: 'Observability',
  benchmarking: 'Benchmarking',
  conformance: 'Conformance',
};

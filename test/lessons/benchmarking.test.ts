// The benchmarking lessons, run through the API (lesson-suite.ts).
import { lessonSuite } from './lesson-suite.js';

lessonSuite(['benchmarking']);

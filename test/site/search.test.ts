// The site search's matcher (site/src/client/search-match.ts): whole words with prefixes, every term required, the
// synonym table (mTLS ↔ mutual TLS, authz ↔ authorization, canary ↔ traffic shifting, …), titles ranked first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryTerms, searchEntries, SYNONYMS, words, type SearchEntry } from '../../site/src/client/search-match.ts';

const entry = (title: string, text = '', kind: SearchEntry['kind'] = 'step'): SearchEntry => ({ kind, title, text, href: `/x/#${words(title).join('-')}` });
const titles = (found: SearchEntry[]) => found.map((e) => e.title);

const ENTRIES = [
  entry('Mutual TLS migration', 'Move workloads from plaintext to strict mutual TLS with PeerAuthentication.', 'lesson'),
  entry('Default route', 'Every request takes the default route when nothing matches.'),
  entry('Fault injection', 'Inject an HTTP abort and a delay for the ratings service.', 'lesson'),
  entry('Authorization policy', 'Deny requests from workloads without an allowed identity.'),
  entry('Send 10% to v2', 'Traffic shifting moves a share of requests to a new version.'),
  entry('Circuit breaking', 'Limit connections and pending requests per host.'),
  entry('Conformance', 'Gateway API mesh tests (GAMMA) and the Service Mesh Interface.', 'page'),
  entry('Golden metrics', 'Requests, success rate, latency.'),
];

test('a word matches whole words and their prefixes, never the inside of a word: "fault" does not find "default"', () => {
  assert.deepEqual(titles(searchEntries(ENTRIES, 'fault')), ['Fault injection']);
  assert.deepEqual(titles(searchEntries(ENTRIES, 'faul')), ['Fault injection'], 'a prefix of a word is fine (typing)');
  assert.deepEqual(titles(searchEntries(ENTRIES, 'default')), ['Default route']);
  assert.deepEqual(titles(searchEntries(ENTRIES, 'ault')), [], 'the middle of a word is not a match');
});

test('every term must match; a title match ranks above a text match', () => {
  assert.deepEqual(titles(searchEntries(ENTRIES, 'ratings delay')), ['Fault injection']);
  assert.deepEqual(titles(searchEntries(ENTRIES, 'ratings timeout')), []);
  const both = [entry('About routes', 'a note on circuit breaking'), entry('Circuit breaking', 'limits')];
  assert.deepEqual(titles(searchEntries(both, 'circuit')), ['Circuit breaking', 'About routes']);
  assert.deepEqual(searchEntries(ENTRIES, '   '), []);
});

test('synonyms: mTLS ↔ mutual TLS, authz ↔ authorization, canary ↔ traffic shifting, circuit breaker ↔ breaking, SMI, GAMMA', () => {
  assert.deepEqual(titles(searchEntries(ENTRIES, 'mTLS')), ['Mutual TLS migration']);
  assert.deepEqual(titles(searchEntries([entry('mTLS everywhere')], 'mutual tls')), ['mTLS everywhere'], 'both ways');
  assert.deepEqual(titles(searchEntries(ENTRIES, 'authz')), ['Authorization policy']);
  assert.deepEqual(titles(searchEntries(ENTRIES, 'canary')), ['Send 10% to v2']);
  assert.deepEqual(titles(searchEntries(ENTRIES, 'circuit breaker')), ['Circuit breaking']);
  assert.deepEqual(titles(searchEntries(ENTRIES, 'SMI')), ['Conformance']);
  assert.deepEqual(titles(searchEntries(ENTRIES, 'gamma')), ['Conformance']);
  assert.deepEqual(titles(searchEntries(ENTRIES, 'gateway api mesh')), ['Conformance']);
  // A synonym is one term: "mtls strict" needs both.
  assert.deepEqual(titles(searchEntries(ENTRIES, 'mtls strict')), ['Mutual TLS migration']);
  assert.deepEqual(titles(searchEntries(ENTRIES, 'mtls ratings')), []);
});

test('the query is read into terms, longest synonym phrase first', () => {
  assert.deepEqual(queryTerms('Mutual-TLS policy').map((t) => t[0]), ['mtls', 'policy']);
  assert.deepEqual(queryTerms('traffic'), [['traffic']], 'half a phrase is a plain word');
  for (const group of SYNONYMS) for (const phrase of group) assert.equal(phrase, words(phrase).join(' '), `"${phrase}" is written as the matcher reads it`);
});

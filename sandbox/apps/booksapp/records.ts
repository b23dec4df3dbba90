// The books app's data (BuoyantIO/booksapp db/seeds.rb), kept in memory per pod as each upstream pod keeps its own
// sqlite file: the authors service owns authors, the books service owns books. Records serialise as ActiveRecord's
// to_json does (every column, timestamps in ISO 8601).
export interface Author {
  id: number;
  first_name: string;
  last_name: string;
  created_at: string;
  updated_at: string;
}

export interface Book {
  id: number;
  title: string;
  pages: number;
  author_id: number;
  created_at: string;
  updated_at: string;
}

const SEEDS: [string, [string, number][]][] = [
  ['Alice Munro', [['Dear Life', 319]]],
  ['David Mitchell', [['Cloud Atlas', 529]]],
  ['Haruki Murakami', [['1Q84', 1184], ['Kafka on the Shore', 436]]],
  ['James Baldwin', [["Giovanni's Room", 176], ['Fire Next Time, The', 141]]],
  ['Margaret Atwood', []],
  ['Michael Chabon', [['Telegraph Avenue', 468], ['Mysteries of Pittsburgh, The', 306]]],
  ['N.K. Jemisin', [['Fifth Season, The', 512], ['Obelisk Gate, The', 448], ['Stone Sky, The', 464]]],
  ['Neil Gaiman', [['American Gods', 588]]],
  ['P.D. James', [['Children of Men', 241]]],
  ['Ursula K. Le Guin', [['Left Hand of Darkness, The', 304], ['Dispossessed, The', 401]]],
];

/** The most records of a kind one pod keeps (a learner's loop of POSTs must not grow memory without bound). */
export const MAX_RECORDS = 1000;

export function seedAuthors(now: string): Author[] {
  return SEEDS.map(([name], i) => {
    const [first_name, last_name] = [name.slice(0, name.indexOf(' ')), name.slice(name.indexOf(' ') + 1)];
    return { id: i + 1, first_name, last_name, created_at: now, updated_at: now };
  });
}

export function seedBooks(now: string): Book[] {
  const out: Book[] = [];
  SEEDS.forEach(([, books], i) => {
    for (const [title, pages] of books) out.push({ id: out.length + 1, title, pages, author_id: i + 1, created_at: now, updated_at: now });
  });
  return out;
}

/** `where(params.slice(*attribute_names)).order(params[:order])` for the orders the webapp sends. */
export function query<T extends object>(rows: T[], params: URLSearchParams): T[] {
  let out = rows.filter((r) => {
    for (const [k, v] of params) {
      if (k === 'order' || !(k in r)) continue;
      if (String((r as Record<string, unknown>)[k]) !== v) return false;
    }
    return true;
  });
  const order = params.get('order')?.match(/^(lower\()?(\w+)\)?(?:\s+(asc|desc))?$/i);
  if (order) {
    const [, lower, col, dir] = order;
    const key = (r: T) => {
      const v = (r as Record<string, unknown>)[col];
      return lower ? String(v).toLowerCase() : (v as string | number);
    };
    out = [...out].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (dir?.toLowerCase() === 'desc' ? -1 : 1));
  }
  return out;
}

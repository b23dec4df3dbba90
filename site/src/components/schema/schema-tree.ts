// What a page may add to each field of a schema tree (the reference pages: which mesh honours it).
export interface FieldAnnotation {
  /** The badge's text: `sandbox: full`. */
  label: string;
  level: 'full' | 'partial' | 'none';
  note?: string;
  /** The field whose entry decides this one's (an ancestor's path): the note links to it. */
  coveredBy?: string;
}

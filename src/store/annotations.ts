/**
 * Analyst annotations of findings (reached through `Store.annotations()`): a finding marked
 * confirmed or dismissed, or a note, with who and when. Append-only: the history of a
 * finding's review is kept; its status is its latest annotation.
 */
export const ANNOTATION_STATUSES = ['confirmed', 'dismissed', 'note'] as const;
export type AnnotationStatus = (typeof ANNOTATION_STATUSES)[number];

export interface Annotation {
  id: number;
  findingId: string;
  status: AnnotationStatus;
  note: string;
  author: string;
  /** ISO-8601, set by the store. */
  createdAt: string;
}

export interface AnnotationStore {
  /** Append an annotation (its id and time are set by the store). */
  add(a: { findingId: string; status: AnnotationStatus; note: string; author: string }): Promise<Annotation>;
  /** Every annotation of one finding, oldest first. */
  forFinding(findingId: string): Promise<Annotation[]>;
  /** The latest annotation of each given finding that has one. */
  latest(findingIds: string[]): Promise<Map<string, Annotation>>;
}

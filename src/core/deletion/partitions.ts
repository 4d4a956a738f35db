// STUB (H4's worktree only): the shared API of H2's partitions.ts, types only, so the player can be
// built before H2 lands. On merging main, take H2's file as it is (`git checkout --theirs`).

import type { EventBatch } from './model';

export interface PhaseProgress {
  kind: 'delete_marker' | 'expire_version' | 'expire_marker' | 'expire_object';
  done: number;
  total: number;
  started?: number;
  lastEvent?: number;
  ratePerHour?: number;
  /** estimated end of this phase when not finished */
  estimatedEnd?: number;
}
export interface DeletionPartition {
  index: number;
  firstObject: number;
  endObject: number;
  objects: number;
  phases: PhaseProgress[];
  finished: boolean;
  estimatedEnd?: number;
}
export interface DeletionProgress {
  partitions: DeletionPartition[];
  complete: boolean;
  firstEvent?: number;
  lastEvent?: number;
  /** when the whole deletion should be over, with an uncertainty interval; absent when complete or unknowable */
  estimatedEnd?: { time: number; low: number; high: number };
  notes: string[];
}
export declare class PartitionTracker {
  constructor(objects: number, options?: { bins?: number });
  record(batch: EventBatch): void;
  report(): DeletionProgress;
}

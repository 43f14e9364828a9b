/** A partition the mass dead-letter guard holds, as the worker records it for operators. */
export interface HeldPartition {
  group: string;
  topic: string;
  partition: number;
  /** First offset of the held batch. */
  offset: string;
  size: number;
  letters: number;
  /** Unix ms of the first refusal of this batch. */
  since: number;
}

/** Where the guard's holds and an operator's releases meet (Redis here; one small interface). */
export interface GuardHolds {
  /** Records (or refreshes) a hold; best effort, never throws. */
  hold(held: HeldPartition): Promise<void>;
  /** True if an operator released this partition; false when not released or unknown (Redis down). */
  isReleased(group: string, topic: string, partition: number): Promise<boolean>;
  /**
   * The held batch is done: its hold and release go. The release is removed only here, not when
   * read, so a released batch that fails on its way (the dead-letter topic down) stays released.
   */
  clear(group: string, topic: string, partition: number): Promise<void>;
}

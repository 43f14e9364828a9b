import type { ProcessedEvent } from '../store';
import { SessionCounters } from './remote-write.counters';
import { addPushedSeries, addUsageSeries, SeriesSet } from './remote-write.mapping';
import type { Series } from './remote-write.proto';
import { PushGroupMemory, PushGroupTracker } from './remote-write.push-groups';

/** One series to send: session counters carry a key, pushed and usage series the events behind them. */
export interface MappedSeries {
  key?: string;
  series: Series;
  events: string[];
}

/** A batch as series, and what moves on once the receiver has them. */
export interface MappedBatch {
  series: MappedSeries[];
  /** These keyed (counter) series reached the receiver: their zero sample is never sent again. */
  markWritten(keys: string[]): void;
  /** The whole batch is stored: counter totals and push group states become the next batch's base. */
  commit(): Promise<void>;
}

export interface RemoteWriteMappingOptions {
  /** The `writer` label of this process' session counters. */
  writerId: string;
  /** REMOTE_WRITE_USER_LABELS: user login and name as counter labels. */
  userLabels: boolean;
  now: () => number;
  /** Where push group states outlive this process; in memory only without. */
  groupMemory?: PushGroupMemory;
}

/**
 * Events -> remote write series, batch by batch: usage report gauges, pushed samples with their
 * groups' staleness markers, and the analytics session counters. The counting lives here, not in
 * the sink: remote write carries samples, so this mapping keeps the running totals it sends.
 */
export class RemoteWriteBatchMapping {
  private readonly counters: SessionCounters;
  private readonly pushGroups: PushGroupTracker;

  constructor(private readonly options: RemoteWriteMappingOptions) {
    this.counters = new SessionCounters(options.writerId, options.userLabels);
    this.pushGroups = new PushGroupTracker(undefined, options.groupMemory);
  }

  async map(events: ProcessedEvent[]): Promise<MappedBatch> {
    const set = new SeriesSet();
    for (const event of events) {
      if (event.kind === 'usage_report') addUsageSeries(set, event);
      else if (event.kind === 'metrics') addPushedSeries(set, event);
    }
    const groups = await this.pushGroups.prepare(events);
    groups.addTo(set);
    const counters = this.counters.prepare(events, this.options.now());
    return {
      series: [...set.entries(), ...counters.series.map((c) => ({ ...c, events: [] }))],
      markWritten: (keys) => counters.markWritten(keys),
      commit: async () => {
        counters.commit();
        await groups.commit();
      },
    };
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventStore } from '@crm/event-store';
import { RelationshipProjection, WhatIfReport, whatIf } from '@crm/projection';
import { ReadStore } from '@crm/read-store';

export interface WhatIfJob {
  id: string;
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  asOf: string;
  candidatePolicyVersion: string;
  progress: { done: number; total: number };
  report: WhatIfReport | null;
  error: string | null;
}

/** Keeps the last few jobs of this process; one runs at a time (each reads the whole population). */
@Injectable()
export class WhatIfJobs {
  private readonly logger = new Logger('WhatIf');
  private readonly jobs = new Map<string, WhatIfJob>();

  constructor(
    @Inject(ReadStore) private readonly readStore: ReadStore,
    @Inject(EventStore) private readonly eventStore: EventStore,
  ) {}

  running(): WhatIfJob | undefined {
    return [...this.jobs.values()].find((j) => j.status === 'running');
  }

  get(id: string): WhatIfJob | undefined {
    return this.jobs.get(id);
  }

  async start(run: { current: RelationshipProjection; candidate: RelationshipProjection; asOf: string; samplesPerCell: number }): Promise<WhatIfJob> {
    const job: WhatIfJob = {
      id: randomUUID(),
      status: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      asOf: run.asOf,
      candidatePolicyVersion: run.candidate.policy.policyVersion,
      progress: { done: 0, total: await this.readStore.countViews() },
      report: null,
      error: null,
    };
    this.jobs.set(job.id, job);
    while (this.jobs.size > 10) this.jobs.delete(this.jobs.keys().next().value as string);
    whatIf({ eventStore: this.eventStore, readStore: this.readStore, ...run, onProgress: (done) => (job.progress.done = done) })
      .then((report) => Object.assign(job, { status: 'done', report }))
      .catch((error: Error) => {
        this.logger.error(`what-if ${job.id} failed: ${error.message}`);
        Object.assign(job, { status: 'failed', error: error.message });
      })
      .finally(() => (job.finishedAt = new Date().toISOString()));
    return job;
  }
}

// The latest retention report of each bucket and the connection it was made through. Tagging takes
// its access window and connection from here; the panel shows the report. Kept for the session.

import { DEFAULT_CONNECTION_ID } from '../core/connections';
import type { RetentionReport } from '../core/retention/report';

export class RetentionReports {
  private readonly reports = new Map<string, { report: RetentionReport; connectionId: string }>();

  remember(report: RetentionReport, connectionId: string = DEFAULT_CONNECTION_ID): void {
    this.reports.set(report.bucket, { report, connectionId });
  }

  reportFor(bucket: string): RetentionReport | undefined {
    return this.reports.get(bucket)?.report;
  }

  /** The connection the bucket's latest report was made through; the default one when there is none. */
  connectionIdFor(bucket: string): string {
    return this.reports.get(bucket)?.connectionId ?? DEFAULT_CONNECTION_ID;
  }

  /** A report describes buckets of one connection: after the connection changes, none is kept. */
  clear(): void {
    this.reports.clear();
  }
}

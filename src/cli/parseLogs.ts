// `s3-lifecycle parse-logs FILE…`: S3 server access logs as JSON lines with the AWS field names.
// Malformed lines go to stderr as FILE:LINE: reason, with a count at the end; they never stop it.

import { createReadStream } from 'node:fs';
import { AccessLogParser, type ParsedAccessLogRecord } from '../core/accessLog/parser';
import { CliFailure, EXIT_OK, stringOption, UsageError, type CliCommand } from './framework';

function toJson(record: ParsedAccessLogRecord): string {
  return JSON.stringify({ ...record, time: new Date(record.time).toISOString() });
}

export const parseLogs: CliCommand = {
  name: 'parse-logs',
  summary: 'Print S3 server access log records as JSON lines (AWS field names; malformed lines reported, not fatal)',
  usage: 'FILE…',
  options: {
    format: { type: 'string', description: 'jsonl (default)', valueName: 'jsonl' },
  },
  details: [
    '`-` becomes null, numbers are numbers, time is ISO-8601 UTC. Keys are URL-decoded as S3 encoded them: twice for REST.* and WEBSITE.* requests,',
    "once for S3's own operations (S3.*) and BATCH.DELETE.OBJECT; a request key that is not the object its request URI names is reported on stderr.",
    "Quoted fields holding quotes (scanners' payloads, JSON user agents) are read by the line's structure, and counted as recovered.",
    'Exit code 0 unless a file cannot be read.',
  ],
  async run(args, io) {
    if (args.positionals.length === 0) throw new UsageError('name at least one log file');
    const format = stringOption(args, 'format') ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'json' && format !== 'text') throw new UsageError(`--format must be jsonl, not "${format}"`);
    let records = 0;
    let malformed = 0;
    let recovered = 0;
    let disagreements = 0;
    for (const file of args.positionals) {
      const parser = new AccessLogParser(
        (record) => io.out(toJson(record) + '\n'),
        (problem) => io.err(`${file}:${problem.line}: ${problem.reason}\n`),
        {
          onKeyUriDisagreement: (d) =>
            io.err(`${file}:${d.line}: the key field ${d.field} decodes to "${d.key}", which is not the object its request URI names ("${d.requestUri}")\n`),
        },
      );
      try {
        for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal: io.signal })) parser.push(chunk as Buffer);
        parser.end();
      } catch (error) {
        throw new CliFailure(`cannot read ${file}: ${(error as Error).message}`);
      }
      records += parser.records;
      malformed += parser.malformed;
      recovered += parser.recovered;
      disagreements += parser.keyUriDisagreements;
    }
    const extras = [
      recovered > 0 ? `${recovered} read by their structure (quotes inside quoted fields)` : '',
      disagreements > 0 ? `${disagreements} whose key is not the object their request URI names` : '',
    ].filter((e) => e !== '');
    io.err(
      `${records} records, ${malformed} malformed line${malformed === 1 ? '' : 's'}${extras.length > 0 ? `; of the records, ${extras.join(', ')}` : ''}\n`,
    );
    return EXIT_OK;
  },
};

// The CLI's subcommands, one table. Each is a thin shell over the same core the extension uses.

import { describeS3Error } from '../aws/errors';
import { parseS3Uri, S3UriError } from '../core/s3uri';
import { describeConnection } from '../core/settings';
import { checkLocalEngine } from '../engines/duckdb';
import { CONNECTION_OPTIONS, openScope, settingsFromCommandLine } from './connection';
import { generate } from './generate';
import { indexCommand } from './indexCommand';
import { parseLogs } from './parseLogs';
import { query } from './query';
import { tagExpire } from './tagExpire';
import { render } from './render';
import { retention } from './retention';
import { CliFailure, EXIT_OK, integerOption, UsageError, type CliCommand } from './framework';

const ls: CliCommand = {
  name: 'ls',
  summary: 'List buckets, or one level (prefixes and objects) of s3://bucket/prefix',
  usage: '[s3://bucket/prefix/]',
  options: {
    ...CONNECTION_OPTIONS,
    recursive: { type: 'boolean', short: 'r', description: 'Every key under the prefix, not one level' },
    'page-size': { type: 'string', description: 'Keys per request, 1–1000 (default 1000)', valueName: 'n' },
    limit: { type: 'string', description: 'Stop after this many entries', valueName: 'n' },
  },
  details: [
    'Text output: one entry per line (PRE for a prefix; size, last-modified and storage class for an object).',
    'JSON output: an array of {type, key, size, lastModified, storageClass}, written as it is listed.',
  ],
  async run(args, io) {
    if (args.positionals.length > 1) throw new UsageError('ls takes at most one location', ls);
    const pageSize = integerOption(args, 'page-size', { min: 1, max: 1000 });
    const limit = integerOption(args, 'limit', { min: 1, max: Number.MAX_SAFE_INTEGER }) ?? Infinity;
    let location;
    try {
      location = args.positionals[0] === undefined ? undefined : parseS3Uri(args.positionals[0]);
    } catch (error) {
      if (error instanceof S3UriError) throw new UsageError(error.message, ls);
      throw error;
    }
    const scope = openScope(args, io);
    const { settings } = scope;
    const s3 = scope.s3Service();
    const json = args.format === 'json';
    try {
      if (!location) {
        const buckets = await s3.listBuckets(io.signal);
        if (json)
          io.out(JSON.stringify(buckets.map((b) => ({ name: b.name, createdAt: b.createdAt?.toISOString() ?? null, region: b.region ?? null }))) + '\n');
        else for (const b of buckets) io.out(`${b.createdAt?.toISOString() ?? '-'.padEnd(24)}  ${b.name}\n`);
        return EXIT_OK;
      }
      let printed = 0;
      if (json) io.out('[');
      const emit = (entry: object) => {
        if (json) io.out(`${printed === 0 ? '' : ','}\n${JSON.stringify(entry)}`);
        printed++;
      };
      outer: for await (const page of s3.listPages(location.bucket, {
        prefix: location.key,
        delimiter: args.values.recursive ? '' : '/',
        pageSize,
        signal: io.signal,
      })) {
        for (const prefix of page.prefixes) {
          if (printed >= limit) break outer;
          if (!json) io.out(`${'PRE'.padStart(14)}  ${' '.repeat(24)}  ${' '.repeat(19)}  ${prefix}\n`);
          emit({ type: 'prefix', key: prefix });
        }
        for (const o of page.objects) {
          if (printed >= limit) break outer;
          if (!json) io.out(`${String(o.size).padStart(14)}  ${(o.lastModified?.toISOString() ?? '-').padEnd(24)}  ${o.storageClass.padEnd(19)}  ${o.key}\n`);
          emit({ type: 'object', key: o.key, size: o.size, lastModified: o.lastModified?.toISOString() ?? null, storageClass: o.storageClass });
        }
      }
      if (json) io.out(printed === 0 ? ']\n' : '\n]\n');
      return EXIT_OK;
    } catch (error) {
      throw new CliFailure(describeS3Error(error, { endpoint: settings.connection.endpoint, bucket: location?.bucket }).message);
    } finally {
      await scope.dispose();
    }
  },
};

const config: CliCommand = {
  name: 'config',
  summary: 'Show the effective connection and engine settings (never credentials)',
  usage: '',
  options: { ...CONNECTION_OPTIONS, engine: { type: 'string', description: 'local or athena (env S3LIFECYCLE_ENGINE)', valueName: 'local|athena' } },
  async run(args, io) {
    const { settings, warnings } = settingsFromCommandLine(args, io.env);
    if (args.format === 'json') {
      io.out(JSON.stringify({ ...settings, warnings }, null, 2) + '\n');
    } else {
      for (const warning of warnings) io.err(`warning: ${warning}\n`);
      io.out(`connection: ${describeConnection(settings.connection)}\n`);
      io.out(`engine:     ${settings.engine}\n`);
      io.out(
        `athena:     workgroup=${settings.athena.workgroup} database=${settings.athena.database} catalog=${settings.athena.catalog} output=${settings.athena.outputLocation || '(workgroup default)'}\n`,
      );
    }
    return EXIT_OK;
  },
};

const engineCheck: CliCommand = {
  name: 'engine-check',
  summary: 'Load the embedded DuckDB engine and run a test query',
  usage: '',
  options: {},
  async run(args, io) {
    let info;
    try {
      info = await checkLocalEngine();
    } catch (error) {
      throw new CliFailure(
        `The embedded DuckDB engine could not start on ${process.platform}-${process.arch}: ${(error as Error).message}. Reinstall the package for this platform, or use --engine athena.`,
      );
    }
    io.out(args.format === 'json' ? JSON.stringify({ engine: 'duckdb', ...info }) + '\n' : `DuckDB ${info.version} is ready (${info.platform})\n`);
    return EXIT_OK;
  },
};

/** Every subcommand, in the order `--help` lists them. `help` and `version` are handled by main. */
export const CLI_COMMANDS: readonly CliCommand[] = [ls, generate, query, retention, tagExpire, render, indexCommand, parseLogs, config, engineCheck];

export function findCommand(name: string): CliCommand | undefined {
  return CLI_COMMANDS.find((c) => c.name === name);
}

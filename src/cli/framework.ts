// The CLI's small framework: a command table, option parsing with usage errors, output formats,
// and exit codes (0 ok, 1 failure, 2 bad usage). Pure: all I/O goes through `CliIo`.

import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export type OutputFormat = 'text' | 'json';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: long commands stop and exit with EXIT_FAILURE. */
  signal: AbortSignal;
  /**
   * Asks a person a question and returns the answer; undefined when aborted. Present only when
   * someone can answer (stdin is a terminal): commands that would ask need --yes without it.
   */
  ask?(question: string, signal: AbortSignal): Promise<string | undefined>;
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { description: string; valueName?: string };

export interface CliCommand {
  name: string;
  summary: string;
  /** e.g. `[s3://bucket/prefix]` */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Extra lines for `help <command>`. */
  details?: string[];
  run(args: ParsedCommandLine, io: CliIo): Promise<number>;
}

export interface ParsedCommandLine {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  format: OutputFormat;
}

/** A mistake in how the command was called: reported with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CliCommand,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the user can act on: printed without a stack trace, exit code 1. */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliFailure';
  }
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  format: { type: 'string', description: 'Output format: text (default) or json', valueName: 'text|json' },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
};

export function parseCommandLine(command: CliCommand, argv: string[]): ParsedCommandLine {
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(options).map(([name, { description: _d, valueName: _v, ...spec }]) => [name, spec])),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''), command);
  }
  const format = parsed.values.format ?? 'text';
  // A command that declares its own --format (parse-logs: jsonl) checks it itself.
  if (!command.options.format && format !== 'text' && format !== 'json') {
    throw new UsageError(`--format must be text or json, not "${String(format)}"`, command);
  }
  return { values: parsed.values, positionals: parsed.positionals, format: format === 'json' ? 'json' : 'text' };
}

export function commandHelp(command: CliCommand, programName: string): string {
  const lines = [`Usage: ${programName} ${command.name}${command.usage ? ` ${command.usage}` : ''} [options]`, '', command.summary, ''];
  lines.push('Options:', ...formatOptions({ ...command.options, ...GLOBAL_OPTIONS }));
  if (command.details?.length) lines.push('', ...command.details);
  return lines.join('\n') + '\n';
}

export function programHelp(commands: readonly CliCommand[], programName: string, description: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `Usage: ${programName} <command> [options]`,
    '',
    description,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global options:',
    ...formatOptions(GLOBAL_OPTIONS),
    '',
    `Run "${programName} help <command>" for a command's options.`,
    'Exit codes: 0 success, 1 failure, 2 bad usage.',
    '',
  ].join('\n');
}

function formatOptions(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : ''}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`);
}

export function stringOption(args: ParsedCommandLine, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function integerOption(args: ParsedCommandLine, name: string, range: { min: number; max: number }): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new UsageError(`--${name} must be a whole number from ${range.min} to ${range.max}, not "${raw}"`);
  }
  return value;
}

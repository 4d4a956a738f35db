// The CLI's dispatcher: finds the subcommand in the table, runs it, maps errors to exit codes.

import { errorMessage } from '../core/log';
import { CLI_COMMANDS, findCommand } from './commands';
import { CliFailure, commandHelp, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseCommandLine, programHelp, UsageError, type CliIo } from './framework';

export const PROGRAM = 's3-lifecycle';
const DESCRIPTION = 'S3 Lifecycle Studio from the terminal: find unused S3 prefixes, expire them safely, index append-only data.';

export async function runCli(argv: string[], io: CliIo, version: string): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(programHelp(CLI_COMMANDS, PROGRAM, DESCRIPTION));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === 'version') {
    io.out(`${version}\n`);
    return EXIT_OK;
  }
  if (name === 'help') {
    const topic = rest[0] === undefined ? undefined : findCommand(rest[0]);
    if (rest[0] !== undefined && !topic) {
      io.err(`${PROGRAM}: unknown command "${rest[0]}"\n\n${programHelp(CLI_COMMANDS, PROGRAM, DESCRIPTION)}`);
      return EXIT_USAGE;
    }
    io.out(topic ? commandHelp(topic, PROGRAM) : programHelp(CLI_COMMANDS, PROGRAM, DESCRIPTION));
    return EXIT_OK;
  }
  const command = findCommand(name);
  if (!command) {
    io.err(`${PROGRAM}: unknown command "${name}"\n\n${programHelp(CLI_COMMANDS, PROGRAM, DESCRIPTION)}`);
    return EXIT_USAGE;
  }
  try {
    const args = parseCommandLine(command, rest);
    if (args.values.help) {
      io.out(commandHelp(command, PROGRAM));
      return EXIT_OK;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${PROGRAM} ${command.name}: ${error.message}\n\n${commandHelp(error.command ?? command, PROGRAM)}`);
      return EXIT_USAGE;
    }
    if (io.signal.aborted) {
      io.err(`${PROGRAM} ${command.name}: cancelled\n`);
      return EXIT_FAILURE;
    }
    if (error instanceof CliFailure) {
      io.err(`${PROGRAM} ${command.name}: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    io.err(`${PROGRAM} ${command.name}: ${errorMessage(error)}\n${error instanceof Error && error.stack ? `${error.stack}\n` : ''}`);
    return EXIT_FAILURE;
  }
}

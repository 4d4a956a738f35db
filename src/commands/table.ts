// Every command of the extension in one declarative table. Each id here appears in package.json's
// `contributes.commands` and nowhere is a command registered outside this table (a unit test checks both).

import * as vscode from 'vscode';
import { errorMessage } from '../core/log';
import { checkLocalEngine, type LocalEngineInfo } from '../engines/duckdb';
import type { Studio } from '../studio';
import { openSettings, selectProfile, setEndpoint } from './connection';

export interface CommandSpec {
  id: string;
  /** Runs the command; its result is returned to `executeCommand` callers (tests, other extensions). */
  run(studio: Studio, ...args: unknown[]): unknown;
}

export const COMMANDS: readonly CommandSpec[] = [
  { id: 's3lifecycle.refresh', run: (studio) => studio.bucketTree.refresh() },
  { id: 's3lifecycle.selectProfile', run: (studio) => selectProfile(studio) },
  { id: 's3lifecycle.setEndpoint', run: (studio) => setEndpoint(studio) },
  { id: 's3lifecycle.openSettings', run: (studio) => openSettings(studio) },
  { id: 's3lifecycle.openPanel', run: (studio) => void studio.panels.createOrShow() },
  { id: 's3lifecycle.checkLocalEngine', run: (studio) => runCheckLocalEngine(studio) },
  { id: 's3lifecycle.showLog', run: (studio) => studio.logChannel.show() },
];

async function runCheckLocalEngine(studio: Studio): Promise<LocalEngineInfo> {
  const info = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Loading the embedded DuckDB engine…') },
    () => checkLocalEngine(),
  );
  studio.log.info(`DuckDB ${info.version} ready on ${info.platform}`);
  void vscode.window.showInformationMessage(vscode.l10n.t('DuckDB {0} is ready ({1}).', info.version, info.platform));
  return info;
}

/** Registers every command; a failing command logs its stack and shows its message instead of failing silently. */
export function registerCommands(studio: Studio, commands: readonly CommandSpec[] = COMMANDS): vscode.Disposable[] {
  return commands.map(({ id, run }) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(studio, ...args);
      } catch (error) {
        studio.log.error(`Command ${id} failed`, error);
        const showLog = vscode.l10n.t('Show Log');
        void vscode.window.showErrorMessage(errorMessage(error), showLog).then((choice) => choice === showLog && studio.logChannel.show());
        return undefined;
      }
    }),
  );
}

// Every command of the extension in one declarative table, keyed by the ids of ./ids (the compiler
// checks that each id has exactly one handler; a unit test checks the ids against package.json).

import * as vscode from 'vscode';
import { errorMessage } from '../core/log';
import { checkLocalEngine, type LocalEngineInfo } from '../engines/duckdb';
import type { Studio } from '../studio';
import { openSettings, selectProfile, setEndpoint } from './connection';
import type { CommandId } from './ids';
import type { BucketTreeNode } from '../views/bucketTree';
import { editTemplates, pickAndRunTemplate, previewTemplateSql, runTemplate, templateParameters } from './templates';
import { findUnusedPrefixes } from './findUnusedPrefixes';
import { playDeletion } from './playDeletion';
import { buildKeyIndex, lookupRecord } from './keyIndex';
import { removeExpirationTags, resumeTagging, tagForExpiration } from './expiration';
import { addBucket, addConnection, clearFilter, copyArn, copyS3Uri, filterLevel, loadMore, openObject, removeBucket, removeConnection } from './explorer';

/** Runs a command; its result is returned to `executeCommand` callers (tests, other extensions). */
export type CommandHandler = (studio: Studio, ...args: unknown[]) => unknown;

export const COMMANDS: Readonly<Record<CommandId, CommandHandler>> = {
  's3lifecycle.refresh': (studio, node) => studio.bucketTree.refresh(node as BucketTreeNode | undefined),
  's3lifecycle.selectProfile': (studio) => selectProfile(studio),
  's3lifecycle.setEndpoint': (studio) => setEndpoint(studio),
  's3lifecycle.openSettings': (studio) => openSettings(studio),
  's3lifecycle.openPanel': (studio) => void studio.panels.createOrShow(),
  's3lifecycle.checkLocalEngine': (studio) => runCheckLocalEngine(studio),
  's3lifecycle.showLog': (studio) => studio.logChannel.show(),
  's3lifecycle.copyS3Uri': (_studio, node) => copyS3Uri(node),
  's3lifecycle.copyArn': (_studio, node) => copyArn(node),
  's3lifecycle.openObject': (studio, node) => openObject(studio, node),
  's3lifecycle.filter': (studio, node) => filterLevel(studio, node),
  's3lifecycle.clearFilter': (studio, node) => clearFilter(studio, node),
  's3lifecycle.loadMore': (studio, node) => loadMore(studio, node),
  's3lifecycle.addConnection': (studio) => addConnection(studio),
  's3lifecycle.removeConnection': (studio, node) => removeConnection(studio, node),
  's3lifecycle.addBucket': (studio, node) => addBucket(studio, node),
  's3lifecycle.removeBucket': (_studio, node) => removeBucket(node),
  's3lifecycle.editTemplates': (studio) => editTemplates(studio),
  's3lifecycle.runTemplate': (studio) => pickAndRunTemplate(studio),
  's3lifecycle.runTemplateLocal': (studio, uri) => runTemplate(studio, uri, 'local'),
  's3lifecycle.runTemplateAthena': (studio, uri) => runTemplate(studio, uri, 'athena'),
  's3lifecycle.previewTemplateSql': (studio, uri) => previewTemplateSql(studio, uri),
  's3lifecycle.templateParameters': (studio, uri) => templateParameters(studio, uri),
  's3lifecycle.findUnusedPrefixes': (studio, target) => findUnusedPrefixes(studio, target),
  's3lifecycle.tagForExpiration': (studio, target) => tagForExpiration(studio, target),
  's3lifecycle.removeExpirationTags': (studio, target) => removeExpirationTags(studio, target),
  's3lifecycle.resumeTagging': (studio, target) => resumeTagging(studio, target),
  's3lifecycle.playDeletion': (studio, target) => playDeletion(studio, target),
  's3lifecycle.buildIndex': (studio, target) => buildKeyIndex(studio, target),
  's3lifecycle.lookupRecord': (studio, target) => lookupRecord(studio, target),
};

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
export function registerCommands(studio: Studio, commands: Readonly<Record<string, CommandHandler>> = COMMANDS): vscode.Disposable[] {
  return Object.entries(commands).map(([id, run]) =>
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

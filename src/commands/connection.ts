// Commands that set up the connection: choose a profile, set a custom endpoint, open the settings.

import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mergeProfileNames, profileNamesFromIni } from '../core/awsProfiles';
import { checkEndpoint, SETTINGS_SECTION } from '../core/settings';
import type { Studio } from '../studio';

async function readIfPresent(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** Profile names from the shared config and credentials files (section names only). */
export async function listAwsProfiles(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const configPath = env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
  const credentialsPath = env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials');
  const [config, credentials] = await Promise.all([readIfPresent(configPath), readIfPresent(credentialsPath)]);
  return mergeProfileNames(profileNamesFromIni(config, 'config'), profileNamesFromIni(credentials, 'credentials'));
}

export async function selectProfile(studio: Studio): Promise<string | undefined> {
  const profiles = await listAwsProfiles();
  const current = studio.settings.connection.profile;
  const chainItem: vscode.QuickPickItem = {
    label: vscode.l10n.t('$(key) Default credential chain'),
    description: vscode.l10n.t('environment variables, AWS_PROFILE, then the default profile'),
  };
  const items: vscode.QuickPickItem[] = [
    chainItem,
    ...profiles.map((name) => ({ label: name, description: name === current ? vscode.l10n.t('current') : undefined })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Choose AWS Profile'),
    placeHolder:
      profiles.length === 0
        ? vscode.l10n.t('No profiles in ~/.aws/config or ~/.aws/credentials: run `aws configure` or `aws configure sso` to add one')
        : vscode.l10n.t('Profiles from ~/.aws/config and ~/.aws/credentials'),
  });
  if (!picked) return undefined;
  const profile = picked === chainItem ? '' : picked.label;
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('profile', profile, vscode.ConfigurationTarget.Global);
  studio.log.info(`Profile set to ${profile === '' ? 'the default credential chain' : profile}`);
  return profile;
}

export async function setEndpoint(studio: Studio): Promise<string | undefined> {
  const endpoint = await vscode.window.showInputBox({
    title: vscode.l10n.t('Set S3 Endpoint'),
    prompt: vscode.l10n.t('URL of an S3-compatible server (MinIO, LocalStack, moto, versitygw). Leave empty to use AWS.'),
    placeHolder: 'http://127.0.0.1:9000',
    value: studio.settings.connection.endpoint,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' ? undefined : checkEndpoint(value.trim())),
  });
  if (endpoint === undefined) return undefined;
  const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  await configuration.update('endpoint', endpoint.trim(), vscode.ConfigurationTarget.Global);
  if (endpoint.trim() !== '') {
    const yes = vscode.l10n.t('Yes, path-style (most S3-compatible servers)');
    const no = vscode.l10n.t('No, virtual-hosted style');
    const style = await vscode.window.showQuickPick([yes, no], { title: vscode.l10n.t('Address buckets by path?') });
    if (style !== undefined) await configuration.update('forcePathStyle', style === yes, vscode.ConfigurationTarget.Global);
  }
  return endpoint.trim();
}

export async function openSettings(studio: Studio): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${studio.extensionContext.extension.id}`);
}

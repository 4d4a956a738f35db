// Reads the product's settings from the VS Code configuration, through the core's validator.

import * as vscode from 'vscode';
import { parseSettings, SETTINGS_SECTION, type ParsedSettings } from '../core/settings';

export function readSettings(scope?: vscode.ConfigurationScope): ParsedSettings {
  const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  return parseSettings((key) => configuration.get(key));
}

export function affectsSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SETTINGS_SECTION);
}

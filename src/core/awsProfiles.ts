// Profile names from the AWS shared config and credentials files, for the profile picker.
// Only section names are read; no key, secret or token ever leaves these files through this module.

/**
 * Profile names in INI text. In `~/.aws/config` sections are `[default]` and `[profile NAME]`
 * (`[sso-session …]` and `[services …]` are not profiles); in `~/.aws/credentials` they are `[NAME]`.
 */
export function profileNamesFromIni(text: string, kind: 'config' | 'credentials'): string[] {
  const names: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const section = /^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$/.exec(line);
    if (!section) continue;
    const title = section[1]!;
    if (kind === 'credentials') {
      names.push(title);
    } else if (title === 'default') {
      names.push('default');
    } else {
      const profile = /^profile\s+(.+)$/.exec(title);
      if (profile) names.push(profile[1]!.trim());
    }
  }
  return names;
}

/** The union of the profile names of both files, `default` first, then alphabetical. */
export function mergeProfileNames(...lists: string[][]): string[] {
  const unique = [...new Set(lists.flat())];
  return unique.sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)));
}

/** The `region` of a profile in `~/.aws/config` text, if it sets one. */
export function regionOfProfile(configText: string, profile: string): string | undefined {
  const wanted = profile === 'default' ? 'default' : `profile ${profile}`;
  let inSection = false;
  for (const line of configText.split(/\r?\n/)) {
    const section = /^\s*\[\s*([^\]]+?)\s*\]/.exec(line);
    if (section) {
      inSection = section[1]!.replace(/\s+/g, ' ') === wanted;
      continue;
    }
    if (!inSection) continue;
    const entry = /^\s*region\s*=\s*([^\s#;]+)/.exec(line);
    if (entry) return entry[1];
  }
  return undefined;
}

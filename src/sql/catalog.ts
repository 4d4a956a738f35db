// The templates a user can run: the built-ins shipped beside the bundles (dist/sql), overridden by
// same-named files in the workspace's .s3-lifecycle/templates/ folder. The retention analysis
// overrides them only from a folder the user names (retentionCatalog).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseTemplate, TemplateError, type SqlTemplate } from './template';

export const WORKSPACE_TEMPLATE_FOLDER = '.s3-lifecycle/templates';

export interface CatalogEntry {
  template: SqlTemplate;
  /** The file it was read from. */
  path: string;
  source: 'builtin' | 'workspace';
}

/** Where the built-in templates are: dist/sql beside the bundle, or src/sql when running from compiled tests. */
export function builtinTemplateDir(): string {
  const candidates = [join(__dirname, 'sql'), __dirname, join(__dirname, '..', '..', '..', 'src', 'sql'), join(__dirname, '..', '..', 'src', 'sql')];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'unused_prefixes.sql'))) return dir;
  }
  throw new Error(`the built-in SQL templates are missing (looked in ${candidates.join(', ')}): rebuild with "npm run build"`);
}

function readFolder(dir: string, source: CatalogEntry['source']): { entries: CatalogEntry[]; problems: string[] } {
  const entries: CatalogEntry[] = [];
  const problems: string[] = [];
  if (!existsSync(dir)) return { entries, problems };
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const path = join(dir, file);
    try {
      entries.push({ template: parseTemplate(readFileSync(path, 'utf8'), basename(file, '.sql')), path, source });
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`);
    }
  }
  return { entries, problems };
}

export class TemplateCatalog {
  private constructor(
    private readonly byName: Map<string, CatalogEntry>,
    /** Workspace files that could not be read as templates: reported, never fatal. */
    readonly problems: string[],
  ) {}

  /** Reads the built-ins and, when given, a workspace folder's overrides. */
  static load(options: { builtinDir?: string; workspaceDirs?: string[] } = {}): TemplateCatalog {
    const byName = new Map<string, CatalogEntry>();
    const builtins = readFolder(options.builtinDir ?? builtinTemplateDir(), 'builtin');
    if (builtins.problems.length > 0) throw new TemplateError(builtins.problems.join('; '));
    for (const entry of builtins.entries) byName.set(entry.template.name, entry);
    const problems: string[] = [];
    for (const dir of options.workspaceDirs ?? []) {
      const workspace = readFolder(dir, 'workspace');
      problems.push(...workspace.problems);
      for (const entry of workspace.entries) byName.set(entry.template.name, entry);
    }
    return new TemplateCatalog(byName, problems);
  }

  get entries(): CatalogEntry[] {
    return [...this.byName.values()].sort((a, b) => a.template.name.localeCompare(b.template.name));
  }

  /** The templates read from an override folder, not the built-ins. */
  get overrides(): CatalogEntry[] {
    return this.entries.filter((e) => e.source === 'workspace');
  }

  get(name: string): CatalogEntry | undefined {
    return this.byName.get(name);
  }

  /** A built-in or workspace template by name, or a template file by path. */
  resolve(nameOrPath: string): CatalogEntry {
    const entry = this.byName.get(nameOrPath);
    if (entry) return entry;
    if (nameOrPath.endsWith('.sql') && existsSync(nameOrPath)) {
      return { template: parseTemplate(readFileSync(nameOrPath, 'utf8'), basename(nameOrPath, '.sql')), path: nameOrPath, source: 'workspace' };
    }
    throw new TemplateError(`no template "${nameOrPath}": use one of ${[...this.byName.keys()].sort().join(', ')}, or the path to a .sql file`);
  }

  /** The template that creates a table of this name when run with its defaults (`-- creates:`), if any. */
  creatorOf(table: string): SqlTemplate | undefined {
    for (const { template } of this.byName.values()) {
      if (!template.creates) continue;
      const parameter = template.parameters.find((p) => p.name === template.creates);
      if (parameter?.default === table) return template;
    }
    return undefined;
  }
}

/**
 * The templates of the retention analysis: the built-ins, overridden only by a folder the user names
 * (the CLI's --templates, the setting s3lifecycle.retention.templatesFolder). A workspace's own
 * .s3-lifecycle/templates/ folder is never read here unasked: a file planted there must not decide
 * what the analysis lists as unused.
 */
export function retentionCatalog(overrideFolder = ''): TemplateCatalog {
  if (overrideFolder === '') return TemplateCatalog.load();
  if (!existsSync(overrideFolder) || !statSync(overrideFolder).isDirectory()) {
    throw new TemplateError(`the templates folder ${overrideFolder} is not a folder: name a folder of .sql templates, or none to use the built-in templates`);
  }
  return TemplateCatalog.load({ workspaceDirs: [overrideFolder] });
}

/** The report's note on templates taken from an override folder, if any were. */
export function overrideNote(catalog: TemplateCatalog): string | undefined {
  const overrides = catalog.overrides;
  if (overrides.length === 0) return undefined;
  const folders = [...new Set(overrides.map((e) => dirname(e.path)))];
  return `templates from ${folders.join(', ')} used in place of the built-ins: ${overrides.map((e) => e.template.name).join(', ')}`;
}

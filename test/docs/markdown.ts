/**
 * Code blocks of Markdown files, and the TypeScript modules the docs test assembles from them.
 *
 * The convention (also in docs/guide/README.md, "About these docs"): the ```ts blocks of one Markdown file are
 * concatenated, in order, into one module; a block fenced ```ts module=NAME goes into the separate module NAME of
 * that file (NAME may be a path such as `src/operator`, so one module can import another as `../src/operator.js`);
 * a block fenced ```ts ignore is not compiled.
 */

/** One fenced code block. */
export interface CodeBlock {
  /** The fence's language, lower-case; empty when the fence has none. */
  readonly lang: string;
  /** `key=value` and bare words after the language: `module=src/operator`, `ignore`. */
  readonly attributes: Readonly<Record<string, string | true>>;
  readonly lines: readonly string[];
  /** 1-based line in the Markdown file of the block's first code line. */
  readonly firstLine: number;
}

/** The fenced code blocks of a Markdown text, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)(`{3,})\s*([^\s`]*)(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '```', lang = '', rest = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j += 1) {
      const line = lines[j] ?? '';
      if (line.trim() === fence) break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    blocks.push({ lang: lang.toLowerCase(), attributes: attributesOf(rest), lines: body, firstLine: i + 2 });
    i = j;
  }
  return blocks;
}

function attributesOf(text: string): Record<string, string | true> {
  const attributes: Record<string, string | true> = {};
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    if (eq < 0) attributes[word] = true;
    else attributes[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return attributes;
}

/** Name of the module that blocks without `module=` go into. */
export const MAIN_MODULE = 'main';

/** A TypeScript module assembled from a Markdown file's blocks, with the doc line of every line. */
export interface DocModule {
  /** The Markdown file, relative to the repository. */
  readonly doc: string;
  readonly name: string;
  readonly lines: readonly string[];
  /** `docLines[i]` is the Markdown line of `lines[i]` (0 for separator lines). */
  readonly docLines: readonly number[];
}

const TS_LANGS = new Set(['ts', 'typescript']);

/** True for blocks the docs test compiles. */
export function isCompiled(block: CodeBlock): boolean {
  return TS_LANGS.has(block.lang) && block.attributes.ignore === undefined;
}

/** The TypeScript modules of one Markdown file, by name. */
export function tsModules(doc: string, blocks: readonly CodeBlock[]): Map<string, DocModule> {
  const modules = new Map<string, { lines: string[]; docLines: number[] }>();
  for (const block of blocks.filter(isCompiled)) {
    const name = typeof block.attributes.module === 'string' ? block.attributes.module : MAIN_MODULE;
    const module = modules.get(name) ?? { lines: [], docLines: [] };
    if (module.lines.length > 0) {
      module.lines.push('');
      module.docLines.push(0);
    }
    block.lines.forEach((line, i) => {
      module.lines.push(line);
      module.docLines.push(block.firstLine + i);
    });
    modules.set(name, module);
  }
  return new Map([...modules].map(([name, m]) => [name, { doc, name, ...m }]));
}

/** One `staircase` invocation found in a shell block. */
export interface ShellCommand {
  readonly command: string;
  readonly flags: readonly string[];
  readonly text: string;
  readonly docLine: number;
}

/**
 * Every invocation of the CLI in a shell block: `staircase CMD …`, `npx staircase CMD …` or
 * `npx staircase-temporal CMD …`, also after `|`, `&&`, `;` or inside `$( … )`. Quoted text and comments are
 * ignored when collecting `--flags`.
 */
export function staircaseCommands(block: CodeBlock): ShellCommand[] {
  const found: ShellCommand[] = [];
  block.lines.forEach((raw, i) => {
    const line = raw
      .replace(/'[^']*'|"[^"]*"/g, 'QUOTED')
      .replace(/(^|\s)#.*$/, '')
      .replace(/^\s*\$\s+/, '');
    for (const segment of line.split(/\|\||&&|[|;]|\$\(|\)/)) {
      const match = /^\s*(?:npx\s+)?(?:staircase|staircase-temporal)\s+([a-z][\w-]*)(.*)$/.exec(segment);
      if (!match) continue;
      const [, command = '', rest = ''] = match;
      const flags = [...rest.matchAll(/(?:^|\s)(--[a-z][\w-]*)/g)].map((m) => m[1] ?? '');
      found.push({ command, flags, text: segment.trim(), docLine: block.firstLine + i });
    }
  });
  return found;
}

/** Every `npm run SCRIPT` in a shell block. */
export function npmScripts(block: CodeBlock): { script: string; docLine: number }[] {
  return block.lines.flatMap((line, i) =>
    [...line.replace(/(^|\s)#.*$/, '').matchAll(/\bnpm run\s+(?:-s\s+)?([\w:-]+)/g)].map((m) => ({
      script: m[1] ?? '',
      docLine: block.firstLine + i,
    })),
  );
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One fenced code block of a markdown file; `line` is the 1-based line of its opening fence. */
export interface FencedBlock {
  file: string;
  line: number;
  lang: string;
  text: string;
}

/** The fenced blocks of a markdown file, indented ones (inside list items) included, indent removed. */
export function fencedBlocks(root: string, file: string): FencedBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: FencedBlock[] = [];
  let open: { line: number; lang: string; indent: number; body: string[] } | undefined;
  lines.forEach((raw, index) => {
    const fence = /^( *)(```+)\s*([\w+-]*)/.exec(raw);
    if (!open) {
      if (fence) open = { line: index + 1, lang: fence[3].toLowerCase(), indent: fence[1].length, body: [] };
      return;
    }
    if (fence && raw.trim().startsWith('```') && fence[3] === '') {
      blocks.push({ file, line: open.line, lang: open.lang, text: open.body.join('\n') });
      open = undefined;
      return;
    }
    open.body.push(raw.slice(Math.min(open.indent, raw.length - raw.trimStart().length)));
  });
  if (open) throw new Error(`${file}:${open.line}: fenced block never closed`);
  return blocks;
}

/** A shell command of a bash block: continuation lines joined, comments dropped, a `<<EOF` here-document attached. */
export interface ShellCommand {
  text: string;
  heredoc?: string;
}

export function shellCommands(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const lines = script.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let text = stripComment(lines[i]).trim();
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1).trim()} ${stripComment(lines[++i]).trim()}`;
    if (!text) continue;
    const heredoc = /<<-?'?(\w+)'?/.exec(text);
    if (heredoc) {
      const body: string[] = [];
      while (i + 1 < lines.length && lines[i + 1].trim() !== heredoc[1]) body.push(lines[++i]);
      i++;
      commands.push({ text, heredoc: body.join('\n') });
    } else {
      commands.push({ text });
    }
  }
  return commands;
}

/** Drops a trailing `# comment` that is outside quotes (a `#` inside a URL or quoted JSON stays). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

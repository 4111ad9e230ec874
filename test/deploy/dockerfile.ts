import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './k8s-manifests.js';

export interface Instruction {
  keyword: string;
  /** Arguments after the keyword, continuation lines joined. */
  args: string;
}

export interface Stage {
  /** `FROM <image>` with ARG defaults substituted. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into instructions: comments dropped, `\` continuations joined. */
export function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (pending === '' && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (trimmed.startsWith('#')) continue;
    if (trimmed.endsWith('\\')) {
      pending += trimmed.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + trimmed).trim();
    pending = '';
    const [keyword] = full.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: full.slice(keyword.length).trim().replace(/\s+/g, ' ') });
  }
  return instructions;
}

/** Groups instructions by stage, substituting the global ARG defaults into each FROM. */
export function parseStages(text: string): Stage[] {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(' ');
      const resolved = image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => globalArgs[arg] ?? '');
      stages.push({ image: resolved, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name, value = ''] = instruction.args.split('=');
      globalArgs[name] = value;
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** `KEY=value` pairs of ENV (both forms) or ARG instructions. */
export function variables(instruction: Instruction): Record<string, string> {
  if (instruction.keyword === 'ENV' && !instruction.args.includes('=')) {
    const [key, ...value] = instruction.args.split(' ');
    return { [key]: value.join(' ') };
  }
  return Object.fromEntries(
    [...instruction.args.matchAll(/(\w+)(?:=("[^"]*"|\S*))?/g)].map(([, key, value = '']) => [key, value.replace(/^"|"$/g, '')]),
  );
}

/** Exec-form (JSON array) arguments of CMD, ENTRYPOINT or HEALTHCHECK ... CMD. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}

export function readDockerfile(): string {
  return readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
}

/** .dockerignore patterns as regular expressions over context-relative paths (Go filepath.Match semantics plus `**`). */
export function dockerignoreMatchers(): RegExp[] {
  return readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'))
    .map((pattern) => {
      const source = pattern
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .map((segment) =>
          segment === '**'
            ? '(?:.*/)?'
            : segment
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]') + '/',
        )
        .join('')
        .replace(/\/$/, '');
      // A matched directory excludes everything below it.
      return new RegExp(`^${source}(?:/.*)?$`);
    });
}

/**
 * Citations stay inside the repository: every "§N.N" a file cites is a heading of docs/math.md, and no file points
 * at documents that live outside the checkout (the math reference it was written from, an old developer guide, the
 * workspace's shared folder). Files are those git tracks or would track (untracked but not ignored), so a new file
 * is checked before its first commit.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '../..');
const MATH = 'docs/math.md';
const SELF = path.relative(root, __filename).split(path.sep).join('/');

/**
 * Repository-relative paths of tracked and untracked-but-not-ignored regular files (not links: a worktree's
 * node_modules may be a symlink, which .gitignore's "node_modules/" does not match).
 */
function repoFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  return [...new Set(out.split('\0').filter(Boolean))].filter(
    (f) => existsSync(path.join(root, f)) && lstatSync(path.join(root, f)).isFile(),
  );
}

/** The text of every text file (binary files, recognised by a NUL byte, are left out). */
function textFiles(): { file: string; text: string }[] {
  return repoFiles().flatMap((file) => {
    const bytes = readFileSync(path.join(root, file));
    return bytes.includes(0) ? [] : [{ file, text: bytes.toString('utf8') }];
  });
}

const SECTION = /§ ?(\d+(?:\.\d+)*)/g;

/** Line number (1-based) of a character offset. */
function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** The "§N.N" numbers in docs/math.md's headings. */
function headingSections(markdown: string): Set<string> {
  const sections = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (!/^#{1,6} /.test(line)) continue;
    for (const m of line.matchAll(SECTION)) sections.add(m[1]!);
  }
  return sections;
}

/** Each way of pointing outside the repository, with what to cite instead. */
const OUTSIDE: { pattern: RegExp; instead: string }[] = [
  { pattern: /mlbtc-spec\.md/g, instead: 'cite docs/math.md sections' },
  { pattern: /DEVELOPERS\.md/g, instead: 'say it where it is needed (the repository has no DEVELOPERS.md)' },
  { pattern: /shared\/reference\//g, instead: 'the reference folder is not part of the repository; cite docs/' },
];

/**
 * Relative paths "../shared…" that leave the repository or name a folder it does not have (webview/shared, which the
 * webviews import as "../shared/…", is inside and fine).
 */
function sharedOutside(file: string, text: string): number[] {
  const lines: number[] = [];
  for (const m of text.matchAll(/((?:\.\.\/)+)shared\b/g)) {
    const target = path.resolve(root, path.dirname(file), m[1]!, 'shared');
    const inside = !path.relative(root, target).startsWith('..');
    if (!inside || !existsSync(target)) lines.push(lineOf(text, m.index));
  }
  return lines;
}

describe('docs: citations point into the repository', () => {
  const files = textFiles();
  const math = files.find((f) => f.file === MATH);

  it(`finds the files and ${MATH}'s numbered headings (sanity)`, () => {
    assert.ok(
      files.some((f) => f.file.startsWith('src/')) && files.some((f) => f.file.startsWith('test/')),
      'no src/ or test/ files listed by git',
    );
    assert.ok(math, `${MATH} is missing`);
    const sections = headingSections(math.text);
    for (const s of ['2.1', '3.4', '6.1.7', '7.16']) assert.ok(sections.has(s), `${MATH} has no heading with §${s}`);
    assert.ok(!sections.has('3.4.1'), 'headings match whole numbers only');
  });

  it(`every "§N.N" cited in a file is a heading of ${MATH}`, () => {
    const sections = headingSections(math!.text);
    const missing: string[] = [];
    for (const { file, text } of files) {
      if (file === MATH) continue;
      for (const m of text.matchAll(SECTION)) {
        if (!sections.has(m[1]!)) missing.push(`${file}:${lineOf(text, m.index)} cites §${m[1]}`);
      }
    }
    assert.deepEqual(missing, [], `add these sections to ${MATH} as headings, or cite an existing one:\n${missing.join('\n')}`);
  });

  it('no file refers to documents outside the repository', () => {
    const found: string[] = [];
    for (const { file, text } of files) {
      if (file === SELF) continue; // this file names the patterns it forbids
      for (const { pattern, instead } of OUTSIDE) {
        for (const m of text.matchAll(pattern)) found.push(`${file}:${lineOf(text, m.index)} mentions ${m[0]}: ${instead}`);
      }
      for (const line of sharedOutside(file, text)) found.push(`${file}:${line} refers to a "shared" folder outside the repository`);
    }
    assert.deepEqual(found, [], found.join('\n'));
  });
});

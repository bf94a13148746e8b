/** The dispatcher in-process, with a fake command table: lazy loading, option parsing, usage errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError, type CliCommand } from '../../src/cli/command';
import { dispatch, type CommandTable } from '../../src/cli/dispatch';

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t), cwd: '/' } };
}

const loaded: string[] = [];
const echo: CliCommand = {
  usage: 'mlbtc echo WORD [--loud]',
  help: 'Prints WORD.',
  options: { loud: { type: 'boolean' } },
  async run({ positionals, values }, { stdout }) {
    if (positionals.length !== 1) throw new UsageError('give one word');
    if (positionals[0] === 'boom') throw new Error('boom');
    stdout(`${values.loud ? positionals[0]!.toUpperCase() : positionals[0]}\n`);
    return 0;
  },
};
const table: CommandTable = {
  echo: { summary: 'print a word', load: async () => (loaded.push('echo'), { command: echo }) },
  heavy: { summary: 'never loaded here', load: async () => (loaded.push('heavy'), { command: echo }) },
};

describe('dispatch', () => {
  it('loads only the command that runs, parses its options, and returns its exit code', async () => {
    loaded.length = 0;
    const { out, io: x } = io();
    assert.equal(await dispatch(['echo', 'hi', '--loud'], table, x), 0);
    assert.equal(out.stdout, 'HI\n');
    assert.deepEqual(loaded, ['echo']);
  });

  it('lists commands without loading any of them', async () => {
    loaded.length = 0;
    const { out, io: x } = io();
    assert.equal(await dispatch(['--help'], table, x), 0);
    assert.match(out.stdout, /^ {2}echo {3}print a word$/m);
    assert.match(out.stdout, /^ {2}heavy {2}never loaded here$/m);
    assert.deepEqual(loaded, []);
  });

  it('turns unknown options and UsageError into the message, the usage line and exit 2', async () => {
    for (const args of [['echo', 'hi', '--quiet'], ['echo']]) {
      const { out, io: x } = io();
      assert.equal(await dispatch(args, table, x), 2);
      assert.match(out.stderr, /^mlbtc echo: /);
      assert.match(out.stderr, /Usage: mlbtc echo WORD \[--loud\]\n$/);
      assert.equal(out.stdout, '');
    }
  });

  it('answers --help and -h for every command', async () => {
    for (const flag of ['--help', '-h']) {
      const { out, io: x } = io();
      assert.equal(await dispatch(['echo', flag], table, x), 0);
      assert.equal(out.stdout, 'Usage: mlbtc echo WORD [--loud]\n\nPrints WORD.\n');
    }
  });

  it('does not treat inherited names as commands, and lets real failures through', async () => {
    const { io: x } = io();
    assert.equal(await dispatch(['constructor'], table, x), 2);
    await assert.rejects(dispatch(['echo', 'boom'], table, x), /boom/);
  });
});

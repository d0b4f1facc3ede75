// `selfscan admin create --email …`: the first operator (or an organisation's administrator),
// straight into the database the server uses (SELFSCAN_DATABASE_URL). The password is read from
// the terminal without echo, or as the first line of standard input when it is not a terminal —
// never from an argument (it would sit in the shell history and the process list) and never a
// default.
import { ConfigError, loadConfig } from '../config.js';
import { hashPassword, newId, passwordProblem } from '../http/admin-auth.js';
import { KyselyStore } from '../store/kysely-store.js';
import { migrateToLatest } from '../store/migrations/index.js';
import { openDatabase } from '../store/open-database.js';
import { DuplicateAccountError } from '../store/org-store.js';

export interface AdminIo {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

/** Reads one line; on a terminal without echo. */
export async function readPassword(io: AdminIo, prompt: string): Promise<string> {
  const { stdin, stderr } = io;
  if (stdin.isTTY) {
    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    return new Promise((resolve, reject) => {
      let line = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') {
            done();
            stderr.write('\n');
            return resolve(line);
          }
          if (ch === '\u0003') {
            done();
            return reject(new Error('interrupted'));
          }
          if (ch === '\u007f') line = line.slice(0, -1);
          else line += ch;
        }
      };
      const done = () => {
        stdin.off('data', onData);
        stdin.setRawMode(false);
        stdin.pause();
      };
      stdin.on('data', onData);
    });
  }
  let data = '';
  for await (const chunk of stdin) {
    data += chunk.toString();
    if (data.includes('\n') || data.length > 1000) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}

export async function adminCreate(
  opts: { email: string; org?: string | undefined },
  io: AdminIo,
): Promise<number> {
  const email = opts.email.trim().toLowerCase();
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(email) || email.length > 254) {
    io.stderr.write(`selfscan: "${opts.email}" is not an e-mail address\n`);
    return 64;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(io.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`selfscan: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const password = await readPassword(io, 'Password (at least 12 characters): ');
  const problem = passwordProblem(password);
  if (problem) {
    io.stderr.write(`selfscan: ${problem}\n`);
    return 64;
  }
  const database = await openDatabase(config.database.url);
  try {
    await migrateToLatest(database.db);
    const store = new KyselyStore(database.db, { check: database.check });
    if (opts.org !== undefined && !(await store.orgs.getOrg(opts.org))) {
      io.stderr.write(`selfscan: no organisation has the id ${opts.org}\n`);
      return 1;
    }
    await store.orgs.createAccount({
      id: newId(),
      email,
      passwordHash: await hashPassword(password),
      role: opts.org === undefined ? 'operator' : 'org_admin',
      orgId: opts.org ?? null,
      createdAt: Date.now(),
    });
    io.stderr.write(
      `selfscan: ${opts.org === undefined ? 'operator' : 'organisation administrator'} ${email} created; sign in at /admin/login\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof DuplicateAccountError) {
      io.stderr.write(`selfscan: an account with the e-mail address ${email} exists already\n`);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}

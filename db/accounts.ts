import 'server-only';
import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { getDb, type Database, type Executor } from './client';
import { invitations, posts, sessions, siteSettings, users, type PostStatus, type UserRole } from './schema';

/*
 * Accounts, their sessions, one-use links and the owner's settings. Never cached: who is signed in
 * is read from the database on every admin request, so ending a session or removing a person
 * takes effect on their next click, on every host.
 */

export interface Account {
  id: number;
  email: string;
  name: string;
  role: UserRole;
}

const accountColumns = { id: users.id, email: users.email, name: users.name, role: users.role };

export async function ownerExists(db: Executor = getDb()): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'owner')).limit(1);
  return row !== undefined;
}

/** The account an e-mail address signs in as, with its password hash; removed accounts are not found. */
export async function findAccountByEmail(
  email: string,
  db: Executor = getDb(),
): Promise<(Account & { passwordHash: string }) | null> {
  const [row] = await db
    .select({ ...accountColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(and(eq(users.email, email), isNull(users.removedAt)));
  return row ?? null;
}

export async function insertAccount(
  account: Omit<Account, 'id'> & { passwordHash: string },
  db: Executor = getDb(),
): Promise<Account> {
  const [row] = await db.insert(users).values(account).returning(accountColumns);
  if (!row) throw new Error('insert into users returned no row');
  return row;
}

/**
 * Gives an account an import made (password `unusable`, which no password matches) to the person
 * its address was invited as: their posts keep them as author. It keeps the name it was imported
 * with, so no cached byline goes stale. Null when no such account waits.
 */
export async function claimImportedAccount(
  email: string,
  unusable: string,
  account: Pick<Account, 'role'> & { passwordHash: string },
  db: Executor,
): Promise<Account | null> {
  const [row] = await db
    .update(users)
    .set({ role: account.role, passwordHash: account.passwordHash })
    .where(and(eq(users.email, email), eq(users.passwordHash, unusable), isNull(users.removedAt)))
    .returning(accountColumns);
  return row ?? null;
}

export interface ListedAccount extends Account {
  createdAt: Date;
  removedAt: Date | null;
  sessions: number;
  posts: number;
}

export async function listAccounts(db: Database = getDb()): Promise<ListedAccount[]> {
  return db
    .select({
      ...accountColumns,
      createdAt: users.createdAt,
      removedAt: users.removedAt,
      // Qualified by hand: drizzle writes a one-table select's columns bare, and a bare "id" here is the subquery's own.
      sessions: sql<number>`(select count(*)::int from ${sessions} s where s.user_id = "users"."id" and s.expires_at > now())`,
      posts: sql<number>`(select count(*)::int from ${posts} p where p.author_id = "users"."id")`,
    })
    .from(users)
    .orderBy(asc(users.removedAt), asc(users.id));
}

/** Removes a person's access (never the owner): their sessions end, their posts keep their byline. */
export async function removeAccount(id: number, db: Database = getDb()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const removed = await tx
      .update(users)
      .set({ removedAt: new Date() })
      .where(and(eq(users.id, id), isNull(users.removedAt), sql`${users.role} <> 'owner'`))
      .returning({ id: users.id });
    if (removed.length === 0) return false;
    await tx.delete(sessions).where(eq(sessions.userId, id));
    return true;
  });
}

export async function changeRole(id: number, role: Exclude<UserRole, 'owner'>, db: Database = getDb()) {
  const changed = await db
    .update(users)
    .set({ role })
    .where(and(eq(users.id, id), isNull(users.removedAt), sql`${users.role} <> 'owner'`))
    .returning({ id: users.id });
  return changed.length > 0;
}

// Sessions

export interface SessionRow {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string;
  address: string;
}

const sessionColumns = {
  id: sessions.id,
  createdAt: sessions.createdAt,
  lastSeenAt: sessions.lastSeenAt,
  expiresAt: sessions.expiresAt,
  userAgent: sessions.userAgent,
  address: sessions.address,
};

export async function insertSession(
  session: { id: string; userId: number; expiresAt: Date; userAgent: string; address: string },
  db: Executor = getDb(),
): Promise<void> {
  await db.insert(sessions).values(session);
}

/** The account a session's hash opens, if the session is current and the account not removed. */
export async function findSessionAccount(
  id: string,
  now: Date,
  db: Database = getDb(),
): Promise<{ account: Account; session: SessionRow } | null> {
  const [row] = await db
    .select({
      account: accountColumns,
      session: sessionColumns,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), gt(sessions.expiresAt, now), isNull(users.removedAt)));
  return row ?? null;
}

export async function touchSession(id: string, now: Date, db: Database = getDb()): Promise<void> {
  await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, id));
}

export async function listSessions(userId: number, db: Database = getDb()): Promise<SessionRow[]> {
  return db
    .select(sessionColumns)
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, sql`now()`)))
    .orderBy(desc(sessions.lastSeenAt));
}

/** Ends one of a person's sessions; another person's session id ends nothing. */
export async function deleteSession(userId: number, id: string, db: Database = getDb()): Promise<boolean> {
  const deleted = await db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.id, id)))
    .returning({ id: sessions.id });
  return deleted.length > 0;
}

/** Ends every session of a person, but `keep` (the one asking, when they end their others). */
export async function deleteSessionsOf(userId: number, keep: string | null, db: Database = getDb()): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), keep === null ? undefined : sql`${sessions.id} <> ${keep}`))
    .returning({ id: sessions.id });
  return deleted.length;
}

// One-use links

export interface LinkRow {
  id: number;
  email: string | null;
  role: UserRole;
  expiresAt: Date;
  acceptedAt: Date | null;
  invitedBy: number | null;
}

export async function insertLink(
  link: { tokenHash: string; email: string | null; role: UserRole; invitedBy: number | null; expiresAt: Date },
  db: Executor = getDb(),
): Promise<number> {
  const [row] = await db.insert(invitations).values(link).returning({ id: invitations.id });
  if (!row) throw new Error('insert into invitations returned no row');
  return row.id;
}

export async function findLink(tokenHash: string, db: Executor = getDb()): Promise<LinkRow | null> {
  const [row] = await db
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      expiresAt: invitations.expiresAt,
      acceptedAt: invitations.acceptedAt,
      invitedBy: invitations.invitedBy,
    })
    .from(invitations)
    .where(eq(invitations.tokenHash, tokenHash));
  return row ?? null;
}

/** Marks a link used; false when another request used it first (or it expired meanwhile). */
export async function claimLink(id: number, now: Date, db: Executor): Promise<boolean> {
  const claimed = await db
    .update(invitations)
    .set({ acceptedAt: now })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), gt(invitations.expiresAt, now)))
    .returning({ id: invitations.id });
  return claimed.length > 0;
}

/**
 * Two setup links used at once each claim their own link, then one waits on the other's owner row
 * while closing its link: a deadlock. Taken first, this makes the second wait for the first to
 * commit, then find its link closed.
 */
export async function lockSetup(db: Executor): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext('freshpress:setup'))`);
}

/** Setup links die together once the owner exists. */
export async function closeSetupLinks(now: Date, db: Executor): Promise<void> {
  await db
    .update(invitations)
    .set({ acceptedAt: now })
    .where(and(eq(invitations.role, 'owner'), isNull(invitations.acceptedAt)));
}

export interface PendingInvitation {
  id: number;
  email: string | null;
  role: UserRole;
  createdAt: Date;
  expiresAt: Date;
}

export async function listPendingInvitations(db: Database = getDb()): Promise<PendingInvitation[]> {
  return db
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      createdAt: invitations.createdAt,
      expiresAt: invitations.expiresAt,
    })
    .from(invitations)
    .where(
      and(isNull(invitations.acceptedAt), gt(invitations.expiresAt, sql`now()`), sql`${invitations.role} <> 'owner'`),
    )
    .orderBy(desc(invitations.createdAt));
}

export async function withdrawInvitation(id: number, db: Database = getDb()): Promise<boolean> {
  const deleted = await db
    .delete(invitations)
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), sql`${invitations.role} <> 'owner'`))
    .returning({ id: invitations.id });
  return deleted.length > 0;
}

// Settings

export async function readSetting<T>(key: string, db: Executor = getDb()): Promise<T | undefined> {
  const [row] = await db.select({ value: siteSettings.value }).from(siteSettings).where(eq(siteSettings.key, key));
  return row?.value as T | undefined;
}

export async function writeSetting(key: string, value: unknown, db: Executor = getDb()): Promise<void> {
  await db
    .insert(siteSettings)
    .values({ key, value })
    .onConflictDoUpdate({ target: siteSettings.key, set: { value, updatedAt: new Date() } });
}

/** The author of a post, for the editor's permission check. */
export async function postAuthor(
  postId: number,
  db: Executor = getDb(),
): Promise<{ authorId: number | null; status: PostStatus } | null> {
  const [row] = await db
    .select({ authorId: posts.authorId, status: posts.status })
    .from(posts)
    .where(eq(posts.id, postId));
  return row ?? null;
}

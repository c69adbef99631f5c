import { SessionList } from '@/components/admin/SessionList';
import { listSessions } from '@/db/accounts';
import { requireAdmin } from '@/lib/admin/auth';
import { ROLE_NAMES } from '@/lib/accounts/roles';

const minute = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export default async function AccountPage() {
  const session = await requireAdmin();
  if (!session.account) {
    return (
      <>
        <h1>Your account</h1>
        <p>
          You are logged in with the shared admin password, which acts as the owner and keeps no list of sessions.
          Changing <code>ADMIN_PASSWORD</code> ends every such session.
        </p>
      </>
    );
  }
  const sessions = await listSessions(session.account.id);
  return (
    <>
      <h1>Your account</h1>
      <p>
        {session.account.name} ({session.account.email}), {ROLE_NAMES[session.account.role].toLowerCase()}.
      </p>
      <h2>Where you are signed in</h2>
      <SessionList
        sessions={sessions.map((row) => ({
          id: row.id,
          current: row.id === session.sessionId,
          browser: row.userAgent,
          address: row.address,
          started: minute(row.createdAt),
          lastSeen: minute(row.lastSeenAt),
        }))}
      />
    </>
  );
}

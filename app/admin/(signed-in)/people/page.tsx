import { PeopleManager } from '@/components/admin/PeopleManager';
import { listAccounts, listPendingInvitations } from '@/db/accounts';
import { requireAdminWho, reviewRequired } from '@/lib/admin/auth';
import { mayManagePeople, ROLE_NAMES } from '@/lib/accounts/roles';

const day = (at: Date) => at.toISOString().slice(0, 10);

export default async function PeoplePage() {
  await requireAdminWho(mayManagePeople);
  const [people, invitations, review] = await Promise.all([listAccounts(), listPendingInvitations(), reviewRequired()]);
  return (
    <>
      <h1>People</h1>
      <PeopleManager
        people={people.map((person) => ({
          ...person,
          roleName: ROLE_NAMES[person.role],
          since: day(person.createdAt),
          removed: person.removedAt !== null,
        }))}
        invitations={invitations.map((invitation) => ({
          id: invitation.id,
          email: invitation.email ?? '',
          roleName: ROLE_NAMES[invitation.role],
          expires: day(invitation.expiresAt),
        }))}
        review={review}
      />
    </>
  );
}

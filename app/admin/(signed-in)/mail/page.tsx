import { MailList } from '@/components/admin/MailList';
import { listMail } from '@/db/mail';
import { requireAdminWho } from '@/lib/admin/auth';
import { mayManagePeople } from '@/lib/accounts/roles';
import { describeMailState, mailConfigured, minute } from '@/lib/mail/outbox-view';

export default async function MailPage() {
  // The owner's: the list shows people's addresses.
  await requireAdminWho(mayManagePeople);
  const mails = await listMail(200);
  return (
    <>
      <h1>Mail</h1>
      <p>
        {mailConfigured()
          ? 'Mail is sent through SMTP_URL by each server in the background; failures are tried again, each time later.'
          : 'SMTP_URL is not set: nothing is sent. These are the mails that would have been.'}
      </p>
      <MailList
        rows={mails.map((mail) => ({
          id: mail.id,
          kind: mail.kind,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          created: minute(mail.createdAt),
          state: describeMailState(mail),
        }))}
      />
    </>
  );
}

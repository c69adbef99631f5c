export interface MailRow {
  id: number;
  kind: string;
  to: string;
  subject: string;
  text: string;
  created: string;
  /** "sent …", "waiting", "not sent: no SMTP_URL", "failed 3 times: …". */
  state: string;
}

/** The outbox as the owner reads it: each mail's state, and its text behind a disclosure. */
export function MailList({ rows }: { rows: MailRow[] }) {
  if (rows.length === 0) return <p>No mail yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Queued</th>
          <th scope="col">To</th>
          <th scope="col">Mail</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} data-testid="mail">
            <td>{row.created}</td>
            <td>{row.to}</td>
            <td>
              <details>
                <summary>
                  {row.subject} <small>({row.kind})</small>
                </summary>
                <pre>{row.text}</pre>
              </details>
            </td>
            <td>{row.state}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { MAIL_OUTCOMES, type MailOutcome } from '@/lib/mail/links';

export const dynamicParams = false;

export function generateStaticParams() {
  return Object.keys(MAIL_OUTCOMES).map((outcome) => ({ outcome }));
}

const outcomeOf = (raw: string) => (raw in MAIL_OUTCOMES ? MAIL_OUTCOMES[raw as MailOutcome] : null);

export async function generateMetadata({ params }: { params: Promise<{ outcome: string }> }): Promise<Metadata> {
  const outcome = outcomeOf((await params).outcome);
  return { title: outcome?.title, robots: { index: false } };
}

export default async function MailOutcomePage({ params }: { params: Promise<{ outcome: string }> }) {
  const outcome = outcomeOf((await params).outcome);
  if (!outcome) notFound();
  return (
    <section className="mail-outcome">
      <h1>{outcome.title}</h1>
      <p>{outcome.text}</p>
    </section>
  );
}

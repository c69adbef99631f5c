import Link from 'next/link';

export default function Forbidden() {
  return (
    <section className="not-found">
      <h1>Not for your role</h1>
      <p>Your account cannot open this page. The blog’s owner decides who may do what.</p>
      <p>
        <Link href="/admin">Back to the admin</Link>
      </p>
    </section>
  );
}

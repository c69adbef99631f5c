import Link from 'next/link';

export function TagLinks({ names }: { names: readonly string[] }) {
  if (names.length === 0) return null;
  return (
    <ul className="tags" aria-label="Tags">
      {names.map((name) => (
        <li key={name}>
          <Link href={`/tags/${encodeURIComponent(name)}`}>#{name}</Link>
        </li>
      ))}
    </ul>
  );
}
